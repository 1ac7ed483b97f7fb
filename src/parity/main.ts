import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type pg from 'pg';
import { scratchPostgres } from '../infra/postgres';
import { ensureDlt, runDlt } from '../bench/dlt';
import { startRestSync } from '../bench/restsync';
import { startParityApi } from './api';
import { CASES, type ParityCase } from './cases';
import { differences, readSchema } from './compare';

/**
 * `npm run parity`: each case's config run by real dlt (tools/venv) and by rest-sync against one
 * local API into one Postgres, then the tables compared: names, columns, row counts. Prints one
 * line per case (JSON with --json) and exits 1 when any case differs.
 */
const flags = new Command('parity')
  .description("dlt's tables vs rest-sync's for the same configs on the same API")
  .option('--case <names>', 'comma-separated case names (default: all)')
  .option('--json', 'print one JSON object')
  .parse()
  .opts<{ case?: string; json?: boolean }>();

const log = (line: string) => console.error(line);

interface CaseResult {
  name: string;
  runs: number;
  differences: string[];
  error?: string;
}

async function main(): Promise<number> {
  const wanted = flags.case?.split(',');
  const cases = wanted ? CASES.filter((c) => wanted.includes(c.name)) : CASES;
  if (wanted && cases.length !== wanted.length) throw new Error(`--case ${flags.case}: known cases are ${CASES.map((c) => c.name).join(', ')}`);
  const found = ensureDlt(log);
  if (!('python' in found)) throw new Error(`dlt is needed: ${found.skipped}`);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-parity-'));
  const cleanup: (() => Promise<unknown> | void)[] = [() => rmSync(tmp, { recursive: true, force: true })];
  try {
    const scratch = await scratchPostgres(path.join(tmp, 'postgres'));
    cleanup.unshift(() => scratch.close());
    const { handle: pgHandle, db } = scratch;
    const api = await startParityApi();
    cleanup.unshift(() => api.close());
    const rs = await startRestSync(pgHandle.url);
    cleanup.unshift(() => rs.close());
    const results: CaseResult[] = [];
    for (const c of cases) results.push(await runCase(c, { python: found.python, pgUrl: pgHandle.url, db, apiUrl: api.url, rs, tmp }));
    report(results);
    return results.every((r) => !r.error && r.differences.length === 0) ? 0 : 1;
  } finally {
    for (const step of cleanup) await Promise.resolve(step()).catch((e) => log(`cleanup: ${String(e)}`));
  }
}

interface Ctx {
  python: string;
  pgUrl: string;
  db: pg.Pool;
  apiUrl: string;
  rs: Awaited<ReturnType<typeof startRestSync>>;
  tmp: string;
}

async function runCase(c: ParityCase, ctx: Ctx): Promise<CaseResult> {
  const config = JSON.parse(JSON.stringify(c.config).replace(/"BASE"/g, JSON.stringify(ctx.apiUrl)));
  const dltDataset = `dlt_${c.name}`;
  const rsDataset = `rs_${c.name}`;
  log(`parity: ${c.name}`);
  try {
    for (let i = 0; i < c.runs; i++) {
      await runDlt(ctx.python, config, ctx.pgUrl, dltDataset, path.join(ctx.tmp, `pipelines-${c.name}`));
      await ctx.rs.sync({ source: config, dataset: rsDataset });
    }
  } catch (err) {
    return { name: c.name, runs: c.runs, differences: [], error: err instanceof Error ? err.message.split('\n').slice(0, 3).join(' ') : String(err) };
  }
  return { name: c.name, runs: c.runs, differences: differences(await readSchema(ctx.db, dltDataset), await readSchema(ctx.db, rsDataset)) };
}

function report(results: CaseResult[]): void {
  if (flags.json) {
    console.log(JSON.stringify({ cases: results, same: results.filter((r) => !r.error && !r.differences.length).length }));
    return;
  }
  for (const r of results) {
    const status = r.error ? `error: ${r.error}` : r.differences.length ? 'differs' : 'same tables, columns, types, rows';
    console.log(`${r.name.padEnd(30)} ${status}`);
    for (const d of r.differences) console.log(`  ${d}`);
  }
  const same = results.filter((r) => !r.error && !r.differences.length).length;
  console.log(`${same} of ${results.length} cases load what dlt loads`);
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`parity: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  },
);
