import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { createSecretResolver } from '../../src/activities/secrets';
import { SEED_000, startSeed000 } from '../../src/demo/mocks/seed-000';
import type { MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, historyText, recordHistory, uniqueId, type TestTemporal } from '../helpers/env';

const SEED = path.join(__dirname, '..', 'fixtures', 'seeds', '000_8f3139a47463b4a5.txt');

describe('seed 000 end to end (offset pages without a total, bearer auth)', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let source: Record<string, any>;

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startSeed000()]);
    source = importSourceText(readFileSync(SEED, 'utf8'), SEED) as Record<string, any>;
    source.client.base_url = api.url;
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  async function sync(dataset: string): Promise<{ out: SyncSourceOutput; workflowId: string }> {
    const secrets = createSecretResolver({ env: { API_KEY: SEED_000.token }, secretsFile: '/nonexistent' });
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets });
    const workflowId = uniqueId(`sync:${dataset}`);
    try {
      const out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId,
          args: [{ source, dataset, params: { account_id: SEED_000.accountId } }],
        }),
      )) as SyncSourceOutput;
      return { out, workflowId };
    } finally {
      await close();
    }
  }

  async function counts(schema: string): Promise<Record<string, { rows: number; distinct: number }>> {
    const out: Record<string, { rows: number; distinct: number }> = {};
    for (const t of Object.keys(SEED_000.counts)) {
      const r = await database.db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM "${schema}"."${t}"`);
      out[t] = r.rows[0];
    }
    return out;
  }

  const expected = Object.fromEntries(Object.entries(SEED_000.counts).map(([t, n]) => [t, { rows: n, distinct: n }]));

  test('every table holds exactly the API records, and a second run adds no duplicates', async () => {
    const first = await sync('seed_000');
    expect(await counts('seed_000')).toEqual(expected);
    for (const [name, n] of Object.entries(SEED_000.counts)) {
      expect(first.out.resources[name].rows).toBe(n);
      // pages of at most 30 rows (the server's cap), then one empty page
      expect(first.out.resources[name].pages).toBe(Math.ceil(n / SEED_000.pageCap) + 1);
    }
    recordHistory('syncSource-seed-000', first.workflowId);
    recordHistory('syncResource-seed-000-runs', 'sync:seed_000:runs');
    const second = await sync('seed_000');
    expect(await counts('seed_000')).toEqual(expected);
    expect(second.out.resources.runs.rows).toBe(SEED_000.counts.runs);
  });

  test('columns are typed from the data and named in snake_case', async () => {
    await sync('seed_000_types');
    const cols = await database.db.raw(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'seed_000_types' AND table_name = 'runs'`,
    );
    const types = Object.fromEntries(cols.rows.map((r: any) => [r.column_name, r.data_type]));
    expect(types).toMatchObject({
      id: 'bigint',
      name: 'character varying',
      created_at: 'timestamp with time zone',
      account_id: 'bigint',
      settings__tier: 'character varying', // `settings: {tier}` flattened, as dlt does
    });
  });

  test('the token never enters the workflow histories', async () => {
    const { workflowId } = await sync('seed_000_secret');
    const texts = await Promise.all([workflowId, 'sync:seed_000_secret:runs'].map((id) => historyText(temporal.client, id)));
    const text = texts.join('\n');
    expect(text).toContain('$secret');
    expect(text).not.toContain(SEED_000.token);
  });
});
