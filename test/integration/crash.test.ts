import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { pipelineSource, startPipelineApi, type PipelineApi, type PipelineApiOptions } from '../fixtures/apis/pipeline-api';

const N = 3000;
const CAP = 10;
const TOKEN = 'crash-token';
const TAGS = ['a', 'b', 'c'];
/** child rows of the N records: 1, 2 or 3 tags each */
const TAG_ROWS = (N / 3) * (1 + 2 + 3);

/** An offset API of N records, serving the page size asked for (so windows run in parallel), a little slow, counting requests per page. */
function crashApi(requests: Map<string, number>): Promise<MockServer> {
  return startMockServer(
    [
      {
        path: '/items',
        handler: (req) => {
          const offset = Number(req.query.get('offset') ?? 0);
          const key = `${req.query.get('copy')}:${offset}`;
          requests.set(key, (requests.get(key) ?? 0) + 1);
          const end = Math.min(offset + Number(req.query.get('limit')), N);
          const data = [];
          // nested: `meta` flattened into columns, `tags` (1 to 3) a child table, as dlt lays them out
          for (let i = offset; i < end; i++) data.push({ id: i, name: `item ${i}`, value: i * 1.5, meta: { k: i }, tags: TAGS.slice(0, (i % 3) + 1) });
          const until = Date.now() + 3;
          while (Date.now() < until); // a slow API: the sync takes a few seconds
          return { body: { data } };
        },
      },
    ],
    (req) => (req.headers.authorization === `Bearer ${TOKEN}` ? undefined : { status: 401 }),
  );
}

/**
 * Crash safety: workers are SIGKILLed mid-sync and replaced. Afterwards each table equals the
 * source exactly (no row missing, none twice, also for append), its nested table too (every child
 * row once, under a root row that exists), and only pages in flight at a kill were fetched again.
 */
describe('worker crashes mid-sync', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  const requests = new Map<string, number>();
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), crashApi(requests)]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const committedPages = async () =>
    Number((await database.db.raw(`SELECT coalesce(sum(pages), 0) AS n FROM crash._rest_sync_state`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);

  async function waitForPages(n: number): Promise<void> {
    const until = Date.now() + 60_000;
    while ((await committedPages()) < n) {
      if (Date.now() > until) throw new Error(`no progress past ${await committedPages()} pages`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('SIGKILL twice during merge and append resources: exact tables and nested tables, pages refetched only at the kills', async () => {
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!,
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      API_KEY: TOKEN,
      REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE!,
    };
    const resource = (name: string, disposition: string) => ({
      name,
      write_disposition: disposition,
      primary_key: 'id',
      endpoint: { path: '/items', params: { copy: name }, data_selector: 'data', paginator: { type: 'offset', limit: CAP } },
    });
    const source = {
      client: { base_url: api.url, auth: { type: 'bearer', token: { $secret: 'api_key' } } },
      resources: [resource('merged', 'merge'), resource('appended', 'append')],
    };
    workers.push(await startWorkerProcess(env));
    const handle = await temporal.client.workflow.start('syncSource', {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('sync:crash'),
      args: [{ source, dataset: 'crash', options: { windowPages: 40, windowSeconds: 5, heartbeatSeconds: 2 } }],
    });
    // N / CAP full pages, then an empty page for each of the 4 parallel windows
    const pagesPerResource = N / CAP + 4;
    for (const at of [0.2, 0.55]) {
      await waitForPages(Math.floor(2 * pagesPerResource * at));
      await workers[workers.length - 1].kill('SIGKILL');
      expect(await committedPages()).toBeLessThan(2 * pagesPerResource); // killed mid-sync
      workers.push(await startWorkerProcess(env));
    }
    const out = (await handle.result()) as SyncSourceOutput;

    for (const table of ['merged', 'appended']) {
      const r = await database.db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM crash.${table}`);
      expect(r.rows[0]).toEqual({ rows: N, ids: N });
      expect(out.resources[table]).toEqual({ rows: N, pages: pagesPerResource });
      const nested = await database.db.raw(
        `SELECT count(*)::int AS rows, count(DISTINCT (t._dlt_parent_id, t._dlt_list_idx))::int AS distinct_rows,
                count(*) FILTER (WHERE p._dlt_id IS NULL)::int AS orphans, count(*) FILTER (WHERE t.value <> (ARRAY['a','b','c'])[t._dlt_list_idx + 1])::int AS wrong
         FROM crash.${table}__tags t LEFT JOIN crash.${table} p ON p._dlt_id = t._dlt_parent_id`,
      );
      expect(nested.rows[0]).toEqual({ rows: TAG_ROWS, distinct_rows: TAG_ROWS, orphans: 0, wrong: 0 });
      expect((await database.db.raw(`SELECT count(*)::int AS n FROM crash.${table} WHERE meta__k = id`)).rows[0].n).toBe(N);
    }
    const refetched = [...requests.values()].reduce((a, n) => a + (n - 1), 0);
    // only pages in flight at a kill: per kill, resource and window, the page being committed and the one prefetched
    const kills = 2, resources = 2, windows = 4;
    expect(refetched).toBeLessThanOrEqual(kills * resources * windows * 2);
    expect(requests.size).toBe(2 * pagesPerResource);
  });
});

/**
 * A child following its running parent survives crashes too: its position is a parent record
 * among the parent's committed pages, so the worker is killed while both run (the child in three
 * lanes, appending) and each table still holds every record once.
 */
describe('worker crashes while a child follows its parent', () => {
  const API: PipelineApiOptions = { parents: 90, parentPage: 3, items: 3, itemPage: 2, latencyMs: 25 };
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: PipelineApi;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startPipelineApi(API)]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const state = async () => {
    const res = await database.db.raw(`SELECT resource, pages, done FROM piped._rest_sync_state`).catch(() => ({ rows: [] }));
    const of = (name: string) => res.rows.filter((r: { resource: string }) => r.resource.split('#')[0] === name);
    return {
      parentDone: of('parents').some((r: { done: boolean }) => r.done),
      itemPages: of('items').reduce((a: number, r: { pages: string }) => a + Number(r.pages), 0),
    };
  };

  test('SIGKILL twice while parent and child both run: exact tables', async () => {
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!,
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE!,
    };
    workers.push(await startWorkerProcess(env));
    const handle = await temporal.client.workflow.start('syncSource', {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('sync:piped'),
      args: [{ source: pipelineSource(api.url, API, { disposition: 'append', parallelized: true }), dataset: 'piped', options: { heartbeatSeconds: 2 } }],
    });
    const killedWhile: boolean[] = [];
    for (const pages of [6, 40]) {
      const until = Date.now() + 60_000;
      while ((await state()).itemPages < pages && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      killedWhile.push(!(await state()).parentDone);
      await workers[workers.length - 1].kill('SIGKILL');
      workers.push(await startWorkerProcess(env));
    }
    const out = (await handle.result()) as SyncSourceOutput;
    // the first kill came while the parent was still fetching pages
    expect(killedWhile[0]).toBe(true);
    const items = API.parents * API.items;
    const count = async (table: string) => (await database.db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM piped.${table}`)).rows[0];
    expect(await count('items')).toEqual({ rows: items, ids: items });
    expect(await count('parents')).toEqual({ rows: API.parents, ids: API.parents });
    expect(out.resources.items.rows).toBe(items);
  });
});
