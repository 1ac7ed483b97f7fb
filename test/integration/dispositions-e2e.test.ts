import { createSecretResolver } from '../../src/activities/secrets';
import { rowHash } from '../../src/activities/store/row-id';
import { startMockServer, type MockRequest, type MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';

/** What the API serves in each sync: two pages per endpoint, the second sync's data changed. */
const DATA: Record<string, Record<string, unknown>[][]>[] = [
  {
    events: [[{ id: 1, v: 'a' }, { id: 1, v: 'b' }], [{ id: 2, v: 'c' }]],
    days: [[{ day: 1, v: 'a' }, { day: 1, v: 'b' }], [{ day: 1, v: 'c' }, { day: 2, v: 'x' }]],
    users: [[{ id: 1, name: 'ann', ts: 1 }, { id: 1, name: 'ann2', ts: 3 }], [{ id: 1, name: 'ann1', ts: 2 }, { id: 2, name: 'bob', ts: 1 }]],
    history: [[{ id: 1, v: 'a' }], [{ id: 2, v: 'b' }]],
    parents: [[{ id: 10 }], [{ id: 20 }]],
  },
  {
    events: [[{ id: 3, v: 'd' }], []],
    days: [[{ day: 1, v: 'z' }], []],
    users: [[{ id: 2, name: 'bob2', ts: 0 }], [{ id: 3, name: 'cy', ts: 0 }, { id: 1, deleted: true }]],
    history: [[{ id: 1, v: 'a' }], [{ id: 2, v: 'b2' }]],
    parents: [[{ id: 10 }], []],
  },
];

/** Every disposition and strategy in one source, run twice through Temporal. */
function source(baseUrl: string) {
  const paged = (name: string, extra: Record<string, unknown> = {}, path = name) => ({
    name,
    ...extra,
    endpoint: { path: `/${path}`, data_selector: 'data', paginator: { type: 'page_number', base_page: 0, total_path: null, maximum_page: 2 } },
  });
  return {
    client: { base_url: baseUrl },
    resources: [
      paged('events', { primary_key: 'id' }),
      paged('snapshot', { write_disposition: 'replace', primary_key: 'id' }, 'events'),
      paged('days', { write_disposition: 'merge', merge_key: 'day' }),
      paged('users', { write_disposition: 'merge', primary_key: 'id', columns: { ts: { dedup_sort: 'desc' }, deleted: { hard_delete: true } } }),
      paged('history', { write_disposition: { disposition: 'merge', strategy: 'scd2' } }),
      paged('parents', { write_disposition: 'skip' }),
      { name: 'kids', primary_key: 'id', write_disposition: { disposition: 'merge', strategy: 'upsert' }, endpoint: { path: '/parents/{resources.parents.id}/kids', paginator: 'single_page' } },
    ],
  };
}

describe('write dispositions end to end through Temporal, two syncs', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let sync = 0;
  const outs: SyncSourceOutput[] = [];

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
    const page = (name: string) => (req: MockRequest) => ({ body: { data: DATA[sync][name][Number(req.query.get('page') ?? 0)] ?? [] } });
    api = await startMockServer([
      ...Object.keys(DATA[0]).map((name) => ({ path: `/${name}`, handler: page(name) })),
      { path: '/parents/:id/kids', handler: (req: MockRequest) => ({ body: [{ id: Number(req.params.id) + 1, sync }] }) },
    ]);
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    try {
      await worker.runUntil(async () => {
        for (sync = 0; sync < 2; sync++) {
          const args = [{ source: source(api.url), dataset: 'dispo' }];
          outs.push((await temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: uniqueId('sync:dispo'), args })) as SyncSourceOutput);
        }
      });
    } finally {
      await close();
    }
  }, 180_000);
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const q = async (sql: string) => (await database.db.raw(sql)).rows;

  test.each<[string, string, object[]]>([
    ['append: every record of both syncs', 'SELECT id, v FROM dispo.events ORDER BY id, v', [{ id: 1, v: 'a' }, { id: 1, v: 'b' }, { id: 2, v: 'c' }, { id: 3, v: 'd' }]],
    ['replace: every record of the last sync', 'SELECT id, v FROM dispo.snapshot ORDER BY id, v', [{ id: 3, v: 'd' }]],
    ['delete-insert by merge_key: the second sync replaced day 1 only', 'SELECT day, v FROM dispo.days ORDER BY day, v', [{ day: 1, v: 'z' }, { day: 2, v: 'x' }]],
    [
      'delete-insert by primary key with dedup_sort and hard_delete',
      'SELECT id, name, ts FROM dispo.users ORDER BY id',
      [{ id: 2, name: 'bob2', ts: 0 }, { id: 3, name: 'cy', ts: 0 }],
    ],
    ['upsert of a child of a skipped parent', 'SELECT id, sync FROM dispo.kids ORDER BY id', [{ id: 11, sync: 1 }, { id: 21, sync: 0 }]],
  ])('%s', async (_what, sql, expected) => {
    expect(await q(sql)).toEqual(expected);
  });

  test('skip loads nothing of its own', async () => {
    expect(await q(`SELECT to_regclass('dispo.parents') AS t`)).toEqual([{ t: null }]);
  });

  test('scd2: the changed version retired at the second sync, the unchanged one kept', async () => {
    const loads = (await q('SELECT load_id FROM dispo._dlt_loads ORDER BY load_id')).map((r: { load_id: string }) => r.load_id);
    expect(await q('SELECT id, v, _dlt_id, _dlt_load_id, _dlt_valid_to IS NULL AS active FROM dispo.history ORDER BY id, v')).toEqual([
      { id: 1, v: 'a', _dlt_id: rowHash({ id: 1, v: 'a' }), _dlt_load_id: loads[0], active: true },
      { id: 2, v: 'b', _dlt_id: rowHash({ id: 2, v: 'b' }), _dlt_load_id: loads[0], active: false },
      { id: 2, v: 'b2', _dlt_id: rowHash({ id: 2, v: 'b2' }), _dlt_load_id: loads[1], active: true },
    ]);
  });

  test('each completed sync is one row of _dlt_loads, status 0, and its load id is on the rows it wrote', async () => {
    const loads = await q('SELECT load_id, schema_name, status FROM dispo._dlt_loads ORDER BY load_id');
    expect(loads.map((l: { status: number; schema_name: string }) => [l.schema_name, l.status])).toEqual([['rest_api', 0], ['rest_api', 0]]);
    const used = await q('SELECT DISTINCT _dlt_load_id AS id FROM dispo.events ORDER BY 1');
    expect(used.map((u: { id: string }) => u.id)).toEqual(loads.map((l: { load_id: string }) => l.load_id));
    expect(outs[1].resources.events.rows).toBe(1);
  });
});
