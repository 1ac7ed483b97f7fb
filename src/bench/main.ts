import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { scratchPostgres } from '../infra/postgres';
import { ALL_VARIANTS, PAGE_SIZE, startApiProcess, VARIANTS, type Variant } from './api';
import { ensureDlt } from './dlt';
import { formatResult, type BenchResult } from './report';
import { startRestSync, syncOptions } from './restsync';
import { benchVariant } from './rounds';

interface Flags {
  n: string;
  variant?: string;
  peers?: boolean;
  json?: boolean;
  repeat: string;
  windowPages?: string;
  windowSeconds?: string;
  windowsPerRun?: string;
  parallelWindows?: string;
  heartbeatSeconds?: string;
  latency?: string;
  rateLimit?: string;
  workers?: string;
  killWorkerAfter?: string;
}

const flags = new Command('bench')
  .description('plain loop vs rest-sync (vs dlt with --peers) on a local bulk API, into one Postgres')
  .option('--n <records>', 'records the API serves', '100000')
  .option('--variant <name>', 'offset, cursor or children (default: offset and cursor)')
  .option('--peers', "also run dlt's rest_api (pip install dlt[postgres] into tools/venv)")
  .option('--json', 'print one JSON object instead of the table')
  .option('--repeat <k>', 'rounds per variant (plain, rest-sync, dlt in turn); the fastest run of each is reported', '1')
  .option('--window-pages <n>', 'SyncOptions.windowPages')
  .option('--window-seconds <s>', 'SyncOptions.windowSeconds')
  .option('--windows-per-run <n>', 'SyncOptions.windowsPerRun')
  .option('--parallel-windows <n>', 'SyncOptions.parallelWindows')
  .option('--heartbeat-seconds <s>', 'SyncOptions.heartbeatSeconds')
  .option('--latency <ms>', 'latency-bound profile: the API answers each request after this many ms')
  .option('--rate-limit <r>', "the API refuses (429) more than r requests in any second; rest-sync's config gets rate_limit r")
  .option('--workers <n>', 'rest-sync worker processes (default: one in-process worker)')
  .option('--kill-worker-after <s>', 'SIGKILL one worker process (the busiest) this many seconds into each rest-sync run; needs --workers 2 or more')
  .parse()
  .opts<Flags>();

const log = (line: string) => console.error(line);

function positive(flag: string, value: string): number {
  const v = Number(value);
  if (!(v > 0) || !Number.isInteger(v)) throw new Error(`${flag} ${value}: expected a positive integer`);
  return v;
}

async function main(): Promise<void> {
  const n = Number(flags.n);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--n ${flags.n}: expected a positive integer`);
  if (flags.variant && !ALL_VARIANTS.includes(flags.variant as Variant)) throw new Error(`--variant ${flags.variant}: expected offset, cursor or children`);
  if (!(Number(flags.repeat) >= 1)) throw new Error(`--repeat ${flags.repeat}: expected a positive integer`);
  const variants = flags.variant ? [flags.variant as Variant] : VARIANTS;
  const manners = {
    ...(flags.latency ? { latencyMs: positive('--latency', flags.latency) } : {}),
    ...(flags.rateLimit ? { rateLimit: positive('--rate-limit', flags.rateLimit) } : {}),
  };
  const workers = flags.workers ? positive('--workers', flags.workers) : 0;
  const killAfter = flags.killWorkerAfter !== undefined ? Number(flags.killWorkerAfter) : undefined;
  if (killAfter !== undefined && !(killAfter >= 0 && workers >= 2)) {
    throw new Error(`--kill-worker-after ${flags.killWorkerAfter}: expected seconds >= 0 with --workers 2 or more (the others finish the sync)`);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let python: string | { skipped: string } | undefined;
  if (flags.peers) {
    const found = ensureDlt(log);
    python = 'python' in found ? found.python : found;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-bench-'));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(tmp, { recursive: true, force: true })];
  try {
    const scratch = await scratchPostgres(path.join(tmp, 'postgres'));
    cleanup.unshift(() => scratch.close());
    const { handle: pgHandle, db } = scratch;
    const api = await startApiProcess(n, manners);
    cleanup.unshift(() => api.close());
    log(`bulk API ${api.url} (pid ${api.pid}), Postgres ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'}; starting dev server and worker`);
    const rs = await startRestSync(pgHandle.url, workers, killAfter);
    cleanup.unshift(() => rs.close());
    const result: BenchResult = {
      date: new Date().toISOString(),
      n,
      pageSize: PAGE_SIZE,
      cpus: os.cpus().length,
      postgres: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL 18',
      options: syncOptions(flags) as Record<string, number> | undefined,
      repeat: Number(flags.repeat),
      ...(Object.keys(manners).length || workers
        ? { profile: { ...manners, ...(workers ? { workers } : {}), ...(killAfter !== undefined ? { killWorkerAfter: killAfter } : {}) } }
        : {}),
      variants: [],
    };
    const ctx = { n, repeat: Number(flags.repeat), api, pgUrl: pgHandle.url, db, rs, options: syncOptions(flags), python, log, rateLimit: manners.rateLimit };
    for (const v of variants) result.variants.push(await benchVariant(v, ctx));
    if (process.env.REST_SYNC_BENCH_JSON_OUT) writeFileSync(process.env.REST_SYNC_BENCH_JSON_OUT, JSON.stringify(result));
    else console.log(formatResult(result));
  } finally {
    for (const step of cleanup) await Promise.resolve(step()).catch((e) => log(`cleanup: ${String(e)}`));
  }
}

/**
 * With --json, the bench runs in a child whose stdout goes to stderr (the dev server prints its
 * banner there) and writes the JSON to a file; this process prints only that object.
 */
function mainJson(): void {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'rest-sync-bench-json-')), 'result.json');
  const child = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: ['ignore', 2, 2],
    env: { ...process.env, REST_SYNC_BENCH_JSON_OUT: out },
  });
  if (child.status === 0) process.stdout.write(readFileSync(out, 'utf8') + '\n');
  rmSync(path.dirname(out), { recursive: true, force: true });
  process.exitCode = child.status ?? 1;
}

if (flags.json && !process.env.REST_SYNC_BENCH_JSON_OUT) mainJson();
else main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
