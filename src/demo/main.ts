import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../config/import';
import { createSecretResolver } from '../activities/secrets';
import { connectOrStartPostgres } from '../infra/postgres';
import { startDevServer } from '../infra/dev-server';
import { createSyncWorker, DEFAULT_TASK_QUEUE } from '../worker';
import { formatResults, EMBEDDED_PG_DIR } from '../cli/run';
import { describeError } from '../cli/errors';
import { installLogger } from '../cli/logging';
import type { SyncSourceInput, SyncSourceOutput } from '../workflows/types';
import type { MockServer } from './mocks/server';
import { SEED_000, startSeed000 } from './mocks/seed-000';
import { SEED_001, startSeed001 } from './mocks/seed-001';
import { SEED_002, startSeed002 } from './mocks/seed-002';
import { SEED_003, startSeed003 } from './mocks/seed-003';
import { startSeed004 } from './mocks/seed-004';

/** A seed document, the mock of its API, and what it needs to run. */
interface DemoSource {
  dataset: string;
  document: string;
  start(): Promise<MockServer>;
  params: Record<string, string>;
  secrets: Record<string, string>;
}

const SEEDS_DIR = path.join(__dirname, '..', '..', 'test', 'fixtures', 'seeds');

export const DEMO_SOURCES: DemoSource[] = [
  {
    dataset: 'seed_000',
    document: '000_8f3139a47463b4a5.txt',
    start: () => startSeed000(),
    params: { account_id: SEED_000.accountId },
    secrets: { API_KEY: SEED_000.token },
  },
  // One secret resolver serves every demo source: 001 and 004 both read `access_token`, 000 and
  // 003 both `api_key`, so the mocks of 003 and 004 are started accepting the shared value.
  {
    dataset: 'seed_001',
    document: '001_d0b37981d1fe8b98.txt',
    start: () => startSeed001(),
    params: {},
    secrets: { ACCESS_TOKEN: SEED_001.token },
  },
  {
    dataset: 'seed_002',
    document: '002_a8b8a2912291472b.txt',
    start: () => startSeed002(),
    params: {},
    secrets: { USERNAME: SEED_002.username, PASSWORD: SEED_002.password },
  },
  {
    dataset: 'seed_003',
    // the document's config plus the primary keys its resource list names (as written, five resources have no `id`)
    document: '../../../examples/seed-003.json',
    start: () => startSeed003(0, SEED_000.token),
    params: { ...SEED_003.params },
    secrets: { API_KEY: SEED_000.token },
  },
  {
    dataset: 'seed_004',
    document: '004_61bb2673330c0b02.txt',
    start: () => startSeed004(0, SEED_001.token),
    params: {},
    secrets: { ACCESS_TOKEN: SEED_001.token },
  },
];

const UI_PORT = 8233;

/**
 * `npm run demo`: mock APIs, the seed documents imported as they are, every source synced by a
 * worker through a dev server into Postgres, a live progress line, a final table — and the Web UI
 * left running at http://localhost:8233 until Ctrl-C.
 */
async function main(): Promise<void> {
  installLogger({});
  const exitAfter = process.argv.includes('--exit');
  const pg = await connectOrStartPostgres(EMBEDDED_PG_DIR);
  console.log(process.env.DATABASE_URL ? 'Postgres: DATABASE_URL' : `Postgres: embedded, data in ${pg.dataDir} (${pg.url})`);
  const env = await startDevServer({ uiPort: UI_PORT });
  console.log(`Temporal dev server: ${env.address}, Web UI http://localhost:${UI_PORT}`);
  const env2 = Object.fromEntries(DEMO_SOURCES.flatMap((s) => Object.entries(s.secrets)));
  const { worker, close } = await createSyncWorker({
    connection: env.nativeConnection,
    databaseUrl: pg.url,
    taskQueue: DEFAULT_TASK_QUEUE,
    secrets: createSecretResolver({ env: { ...process.env, ...env2 } }),
  });
  const running = worker.run();
  const servers: MockServer[] = [];
  try {
    const results = await Promise.all(
      DEMO_SOURCES.map(async (s) => {
        const api = await s.start();
        servers.push(api);
        const source = importSourceText(readFileSync(path.join(SEEDS_DIR, s.document), 'utf8'), s.document) as Record<string, any>;
        source.client.base_url = api.url;
        const input: SyncSourceInput = { source, dataset: s.dataset, params: s.params };
        const handle = await env.client.workflow.start('syncSource', { taskQueue: DEFAULT_TASK_QUEUE, workflowId: `sync:${s.dataset}`, args: [input] });
        const ticker = setInterval(async () => {
          const p = await handle.query<Record<string, { pages: number; rows: number; done: boolean }>>('progress').catch(() => ({}));
          const line = Object.entries(p).map(([r, v]) => `${r} ${v.rows}${v.done ? '✓' : '…'}`).join('  ');
          if (line) console.log(`[${s.dataset}] ${line}`);
        }, 1000);
        try {
          return { s, out: (await handle.result()) as SyncSourceOutput, error: undefined };
        } catch (err) {
          return { s, out: undefined, error: describeError(err) };
        } finally {
          clearInterval(ticker);
        }
      }),
    );
    for (const r of results) {
      console.log(`\n${r.s.dataset} (${r.s.document})`);
      console.log(r.out ? formatResults(r.out) : `FAILED: ${r.error}`);
    }
    if (!exitAfter) {
      console.log(`\nWeb UI: http://localhost:${UI_PORT}/namespaces/default/workflows — Ctrl-C to stop`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    }
    if (results.some((r) => r.error)) process.exitCode = 1;
  } finally {
    // Ctrl-C has already started the worker's shutdown (the SDK's signal hook)
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await close();
    await Promise.all(servers.map((s) => s.close()));
    await env.teardown();
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(`demo: ${describeError(err)}`);
  process.exit(1);
});
