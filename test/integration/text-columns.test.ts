import { createSecretResolver } from '../../src/activities/secrets';
import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';

const SCHEMA = 'compat';

/**
 * Tables as rest-sync created them before it declared dlt's `varchar`: every dlt `text` column
 * is `text`. Key column `sku` is text although its values are integers (a key that had widened).
 */
const OLD_TABLES = [
  `CREATE TABLE compat.events (id bigint, title text, _dlt_load_id text, _dlt_id text)`,
  `CREATE TABLE compat.events__tags (value text, _dlt_parent_id text, _dlt_list_idx bigint, _dlt_id text)`,
  `CREATE TABLE compat.users (sku text, name text, _dlt_load_id text, _dlt_id text, PRIMARY KEY (sku))`,
  `CREATE TABLE compat.tagged (id bigint, code text, _dlt_load_id text, _dlt_id text)`,
  // as dlt 1.31 creates a table: varchar, and its own columns NOT NULL (the loader fills `_dlt_load_id`)
  `CREATE TABLE compat.by_dlt (id bigint NOT NULL, title varchar, _dlt_load_id varchar NOT NULL, _dlt_id varchar NOT NULL UNIQUE)`,
];

/** Every DDL command run in the database, from an event trigger: an ALTER TABLE shows here. */
const DDL_LOG = [
  `CREATE TABLE public.ddl_log (tag text, obj text)`,
  `CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
     DECLARE r record;
     BEGIN FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP INSERT INTO public.ddl_log VALUES (r.command_tag, r.object_identity); END LOOP; END $$`,
  `CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION public.log_ddl()`,
];

const DATA: Record<string, unknown[]> = {
  events: [{ id: 1, title: 'a', tags: ['x', 'y'] }, { id: 2, title: 42, tags: ['z'] }],
  users: [{ sku: 7, name: 'ann' }, { sku: 'x8', name: 'bob' }],
  tagged: [{ id: 1, code: 'A' }, { id: 2, code: 3 }],
  by_dlt: [{ id: 1, title: 'a' }, { id: 2, title: 2 }],
};

function source(baseUrl: string) {
  const one = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra, endpoint: { path: `/${name}`, data_selector: 'data', paginator: 'single_page' } });
  return {
    client: { base_url: baseUrl },
    resources: [
      one('events'),
      // a data_type freeze must not take a text column for a varchar one (or the reverse) as a type change
      one('users', { write_disposition: 'merge', primary_key: 'sku', schema_contract: { data_type: 'freeze' } }),
      one('tagged', { columns: { code: { data_type: 'text' } } }),
      one('by_dlt', { primary_key: 'id' }),
    ],
  };
}

/**
 * rest-sync now declares dlt's `text` as `varchar`, as dlt does. A dataset made by an earlier
 * version has `text` columns: both are dlt's `text` when the loader reads a table, so a sync into
 * it adds no variant column, changes no type and runs no ALTER TABLE. A table dlt created (dlt's own
 * columns NOT NULL) takes the sync's rows too.
 */
describe('a dataset made with text columns (or by dlt) keeps loading into its tables', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let out: SyncSourceOutput;
  let before: Record<string, Record<string, string>>;
  const q = async (sql: string) => (await database.db.raw(sql)).rows;
  const typesOf = async () => {
    const rows: { t: string; c: string; type: string }[] = await q(
      `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relnamespace = 'compat'::regnamespace AND c.relkind = 'r' AND c.relname NOT LIKE '\\_%' AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const out: Record<string, Record<string, string>> = {};
    for (const r of rows) (out[r.t] ??= {})[r.c] = r.type;
    return out;
  };

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
    await database.db.raw(`CREATE SCHEMA ${SCHEMA}`);
    for (const sql of OLD_TABLES) await database.db.raw(sql);
    before = await typesOf();
    for (const sql of DDL_LOG) await database.db.raw(sql);
    api = await startMockServer(Object.keys(DATA).map((name) => ({ path: `/${name}`, handler: () => ({ body: { data: DATA[name] } }) })));
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    const args = [{ source: source(api.url), dataset: SCHEMA }];
    const run = async () => {
      out = (await temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: uniqueId('sync:compat'), args })) as SyncSourceOutput;
    };
    await worker.runUntil(run).finally(close);
  }, 180_000);
  afterAll(() => Promise.all([api?.close(), database?.drop(), temporal?.close()]));

  test('the sync loads every record', () => {
    expect(Object.fromEntries(Object.entries(out.resources).map(([name, r]) => [name, r.rows]))).toEqual({ events: 2, users: 2, tagged: 2, by_dlt: 2 });
  });

  test('no table gained a column (no variant) or changed a type', async () => {
    expect(Object.values(before.events)).toContain('text');
    expect(await typesOf()).toEqual(before);
  });

  test('no ALTER TABLE ran on the existing tables', async () => {
    const altered = await q(`SELECT tag, obj FROM public.ddl_log WHERE tag = 'ALTER TABLE' AND obj IN ('compat.events', 'compat.events__tags', 'compat.users', 'compat.tagged', 'compat.by_dlt')`);
    expect(altered).toEqual([]);
  });

  test.each<[string, string, object[]]>([
    ['events', 'SELECT id, title FROM compat.events ORDER BY id', [{ id: 1, title: 'a' }, { id: 2, title: '42' }]],
    ['events__tags', 'SELECT value FROM compat.events__tags ORDER BY value', [{ value: 'x' }, { value: 'y' }, { value: 'z' }]],
    ['users', 'SELECT sku, name FROM compat.users ORDER BY sku', [{ sku: '7', name: 'ann' }, { sku: 'x8', name: 'bob' }]],
    ['tagged', 'SELECT id, code FROM compat.tagged ORDER BY id', [{ id: 1, code: 'A' }, { id: 2, code: '3' }]],
    ['by_dlt', 'SELECT id, title FROM compat.by_dlt ORDER BY id', [{ id: 1, title: 'a' }, { id: 2, title: '2' }]],
  ])('%s: the values are in its text columns', async (_table, sql, rows) => {
    expect(await q(sql)).toEqual(rows);
  });
});
