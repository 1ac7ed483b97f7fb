import { createHash } from 'node:crypto';
import { createSecretResolver } from '../../src/activities/secrets';
import { normalizeName } from '../../src/activities/store/names';
import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { deep } from '../helpers/fuzz';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';

const BLOB = 'Zß🦄'.repeat(5 * 1024 * 1024 / 8); // 5 MB of UTF-8 (8 bytes per repeat)
const TREE = deep(500, 'leaf');
const LONG_A = `${'a'.repeat(190)}_first`;
const LONG_B = `${'a'.repeat(190)}_second`;
/** Field names that try to break out of an identifier, or stretch one (JSON.parse: `__proto__` is an own key, as in an API body). */
const HOSTILE: Record<string, unknown> = JSON.parse(
  JSON.stringify({
    'x"; DROP TABLE hostile.big; --': 1,
    "'); DELETE FROM hostile._rest_sync_state; --": 2,
    'Robert"); DROP SCHEMA hostile CASCADE;--': 3,
    [LONG_A]: 'first',
    [LONG_B]: 'second',
    'ünï cödé': 'ü',
    日本語: '語',
    constructor: 'c',
  }).replace(/^\{/, '{"__proto__": {"polluted": true}, '),
);

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Hostile records through a full sync: a 5 MB value, JSON nested 500 levels, and field names
 * that are SQL injection attempts, 200 characters long, non-Latin or prototype names. Every value
 * lands intact in its (quoted, shortened) column and nothing else in the database changes.
 */
describe('hostile records through a sync', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let out: SyncSourceOutput;

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
    const hostile = { id: 3, ...HOSTILE };
    api = await startMockServer([
      { path: '/big', handler: () => ({ body: { data: [{ id: 1, blob: BLOB }, { id: 2, small: 'x' }] } }) },
      { path: '/deep', handler: () => ({ body: { data: [{ id: 1, tree: TREE }] } }) },
      { path: '/names', handler: () => ({ body: { data: [hostile] } }) },
    ]);
    const resource = (name: string, write_disposition: string) => ({ name, write_disposition, primary_key: 'id', endpoint: { path: `/${name}`, data_selector: 'data', paginator: 'single_page' } });
    const source = { client: { base_url: api.url }, resources: [resource('big', 'append'), { ...resource('deep', 'merge'), max_table_nesting: 0 }, resource('names', 'replace')] };
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    try {
      out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: uniqueId('sync:hostile'), args: [{ source, dataset: 'hostile' }] }),
      )) as SyncSourceOutput;
    } finally {
      await close();
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const q = async (sql: string, b: unknown[] = []) => (await database.db.raw(sql, b as never)).rows;

  test('a 5 MB value arrives byte for byte', async () => {
    expect(out.resources.big).toEqual({ rows: 2, pages: 1 });
    const [row] = await q(`SELECT octet_length(blob) AS bytes, blob FROM hostile.big WHERE id = 1`);
    expect(row.bytes).toBe(Buffer.byteLength(BLOB));
    expect(sha(row.blob)).toBe(sha(BLOB));
  });

  test('JSON nested 500 levels is kept whole as jsonb (max_table_nesting 0)', async () => {
    const [row] = await q(`SELECT tree, jsonb_typeof(tree) AS t FROM hostile.deep`);
    expect(row.t).toBe(Array.isArray(TREE) ? 'array' : 'object');
    expect(JSON.stringify(row.tree)).toBe(JSON.stringify(TREE));
  });

  test('hostile field names become quoted columns holding their values; nothing else is touched', async () => {
    expect(out.resources.names).toEqual({ rows: 1, pages: 1 });
    const [row] = await q(`SELECT * FROM hostile.names`);
    for (const [field, value] of Object.entries(HOSTILE)) {
      if (field === '__proto__') continue;
      expect(row[normalizeName(field)]).toEqual(value);
    }
    // a nested object is flattened as dlt does: `__proto__: {polluted}` → column `proto__polluted`
    expect(row[`${normalizeName('__proto__')}__polluted`]).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // two long names sharing 190 characters stay two columns, each under Postgres's 63 bytes
    expect(normalizeName(LONG_A)).not.toBe(normalizeName(LONG_B));
    const cols = await q(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'hostile' AND table_name = 'names'`);
    for (const c of cols) expect(Buffer.byteLength(c.column_name)).toBeLessThanOrEqual(63);
    // the injected statements did not run: the other tables and the state rows are all there
    expect((await q(`SELECT count(*)::int AS n FROM hostile.big`))[0].n).toBe(2);
    expect((await q(`SELECT count(*)::int AS n FROM hostile._rest_sync_state`))[0].n).toBe(3);
  });
});
