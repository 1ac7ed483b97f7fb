import { AHEAD_PAGES } from '../../src/activities/fetch/fetch-pages';
import { WINDOW_IN_FLIGHT } from '../../src/activities/fetch/walk-stripe';
import { restApiConfig, serveBulkApi } from '../../src/bench/api';
import { killBusiest } from '../../src/bench/kill';
import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, recordHistory, uniqueId, type TestTemporal } from '../helpers/env';
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

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/** Pages committed so far in a dataset's state table (0 before the sync has made it). */
async function committedPages(database: TestDatabase, schema: string): Promise<number> {
  const r = await database.db.raw(`SELECT coalesce(sum(pages), 0) AS n FROM ${schema}._rest_sync_state`).catch(() => ({ rows: [{ n: 0 }] }));
  return Number(r.rows[0].n);
}

/** Waits, 60 s at most, until a dataset has committed `n` pages. */
async function waitForPages(database: TestDatabase, schema: string, n: number): Promise<void> {
  const until = Date.now() + 60_000;
  while ((await committedPages(database, schema)) < n) {
    if (Date.now() > until) throw new Error(`no progress past ${await committedPages(database, schema)} pages`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The environment of a `rest-sync worker` process on the tests' Temporal and database. */
function workerEnv(temporal: TestTemporal, database: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!,
    TEMPORAL_TASK_QUEUE: temporal.taskQueue,
    REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE!,
    ...extra,
  };
}

/** Stops a suite's worker processes, then its API, database and Temporal connection. */
async function closeAll(workers: WorkerProcess[], ...rest: ({ close(): Promise<unknown> } | { drop(): Promise<unknown> } | undefined)[]): Promise<void> {
  await Promise.all(workers.map((w) => w.kill()));
  for (const r of rest) if (r) await ('close' in r ? r.close() : r.drop());
}

/**
 * Crash safety: workers are SIGKILLed mid-sync and replaced. Afterwards each table equals the
 * source exactly (no row missing, none twice, also for append), its nested table too (every child
 * row once, under a root row that exists), and only pages in flight at a kill were fetched again.
 */
describe('worker crashes mid-sync', () => {
  let temporal: TestTemporal;
  let database: TestDatabase;
  let api: MockServer;
  const requests = new Map<string, number>();
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), crashApi(requests)]);
  });
  afterAll(() => closeAll(workers, api, database, temporal));

  test('SIGKILL twice during merge and append resources: exact tables and nested tables, pages refetched only at the kills', async () => {
    const env = workerEnv(temporal, database, { API_KEY: TOKEN });
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
      await waitForPages(database, 'crash', Math.floor(2 * pagesPerResource * at));
      await workers[workers.length - 1].kill('SIGKILL');
      expect(await committedPages(database, 'crash')).toBeLessThan(2 * pagesPerResource); // killed mid-sync
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
    // only pages in flight at a kill: per kill, resource and window, those fetched but not yet committed
    const kills = 2, resources = 2, windows = 4;
    expect(refetched).toBeLessThanOrEqual(kills * resources * windows * AHEAD_PAGES);
    // every page, and past each window's empty page at most the requests a window has out at once
    expect(requests.size).toBeGreaterThanOrEqual(2 * pagesPerResource);
    expect(requests.size).toBeLessThanOrEqual(2 * (pagesPerResource + windows * (WINDOW_IN_FLIGHT - 1)));
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
  let database: TestDatabase;
  let api: PipelineApi;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startPipelineApi(API)]);
  });
  afterAll(() => closeAll(workers, api, database, temporal));

  const state = async () => {
    const res = await database.db.raw(`SELECT resource, pages, done FROM piped._rest_sync_state`).catch(() => ({ rows: [] }));
    const of = (name: string) => res.rows.filter((r: { resource: string }) => r.resource.split('#')[0] === name);
    return {
      parentDone: of('parents').some((r: { done: boolean }) => r.done),
      itemPages: of('items').reduce((a: number, r: { pages: string }) => a + Number(r.pages), 0),
    };
  };

  test('SIGKILL twice while parent and child both run: exact tables', async () => {
    const env = workerEnv(temporal, database);
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

/**
 * A worker killed with windows in flight and not replaced: the worker still running resumes each
 * of them from its committed page, either as a window of its own that finished first taking them
 * over (their holds are no longer renewed) or as the retry after the heartbeat timeout (by
 * default 5 s). The API answers in 200 ms, so the windows are mid-stripe at the kill.
 */
describe('a worker killed or frozen mid-sync, not replaced', () => {
  const RECORDS = 6000;
  let temporal: TestTemporal;
  let database: TestDatabase;
  let api: Awaited<ReturnType<typeof serveBulkApi>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), serveBulkApi(RECORDS, { latencyMs: 200 })]);
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGCONT');
    await closeAll(workers, api, database, temporal);
  });

  test('its windows are resumed by the other worker (taken over by its windows once unrenewed for 2 s, or retried after the heartbeat timeout of 5 s); workflow tasks move off the dead worker after 1 s: exact table', async () => {
    const env = workerEnv(temporal, database);
    workers.push(await startWorkerProcess(env), await startWorkerProcess(env));
    const workflowId = uniqueId('sync:killed');
    const handle = await temporal.client.workflow.start('syncSource', {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [{ source: restApiConfig(api.url, 'offset'), dataset: 'killed' }],
    });
    // the first pages (10, or past the third those of the first second) are the sequential probe: past them, the parallel windows are under way
    await waitForPages(database, 'killed', 14);
    // resource workflows are named after the dataset: sync:<dataset>:<resource>
    const sync = { workflowId, resources: ['sync:killed:items'] };
    const kill = await killBusiest(temporal.client, workers.map((w) => w.child), sync);
    expect(await committedPages(database, 'killed')).toBeLessThan(RECORDS / 100); // killed mid-sync
    const out = (await handle.result()) as SyncSourceOutput;
    const report = await kill.report();
    const survivor = workers[2 - report.worker].child.pid;
    expect(report.inFlight).toBeGreaterThan(0);
    expect(report).toMatchObject({ resumed: report.inFlight, resumedBy: [survivor] });
    const r = await database.db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM killed.items`);
    expect(r.rows[0]).toEqual({ rows: RECORDS, ids: RECORDS });
    expect(out.resources.items.rows).toBe(RECORDS);
    // parallel windows, a dead worker's windows taken over or retried: replayed by replay.test.ts
    recordHistory('syncResource-killed-items-windows', sync.resources[0]);
    const events = (await temporal.client.workflow.getHandle(sync.resources[0]).fetchHistory()).events ?? [];
    const timeouts = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [Number(e.activityTaskScheduledEventAttributes.heartbeatTimeout?.seconds)] : []));
    expect(new Set(timeouts)).toEqual(new Set([5]));
    // a workflow task sent to the dead worker's sticky queue waited there 1 s (the SDK's default is 10 s)
    const ms = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
    const scheduledAt = new Map(events.map((e) => [String(e.eventId), ms(e)]));
    const waits = events.flatMap((e) => (e.workflowTaskTimedOutEventAttributes ? [ms(e) - scheduledAt.get(String(e.workflowTaskTimedOutEventAttributes.scheduledEventId))!] : []));
    for (const wait of waits) expect(wait).toBeLessThan(5000);
  });

  /**
   * A worker frozen (SIGSTOP) with windows in flight: its holds on them stop being renewed, so other
   * calls take them over (a window of the other worker that finished first, or their retries).
   * Woken while the sync goes on, its calls resume where they were (responses to read, pages to
   * commit): their commits find the windows moved on or taken, and write nothing. The resource
   * appends, so a page written twice would show as rows twice.
   */
  test('its windows are walked by other calls while it is frozen; woken, it writes nothing: every record once', async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill())); // the previous test's
    const env = workerEnv(temporal, database);
    workers.push(await startWorkerProcess(env), await startWorkerProcess(env));
    const workflowId = uniqueId('sync:frozen');
    const config = restApiConfig(api.url, 'offset') as { resource_defaults: object };
    const handle = await temporal.client.workflow.start('syncSource', {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [{ source: { ...config, resource_defaults: { write_disposition: 'append' } }, dataset: 'frozen' }],
    });
    await waitForPages(database, 'frozen', 14);
    const holders = async () =>
      new Map<string, string | null>(
        (await database.db.raw(`SELECT resource, CASE WHEN done THEN 'done' ELSE held_by END AS h FROM frozen._rest_sync_state WHERE resource LIKE 'items#w%'`)).rows.map(
          (r: { resource: string; h: string | null }) => [r.resource, r.h],
        ),
      );
    const sync = { workflowId, resources: ['sync:frozen:items'] };
    const frozenHolds = await holders();
    const freeze = await killBusiest(temporal.client, workers.map((w) => w.child), sync, performance.now(), 'SIGSTOP');
    // until every window has another holder than at the freeze, or is done
    for (let moved = false; !moved; await new Promise((r) => setTimeout(r, 100))) {
      const now = await holders();
      moved = [...now].every(([k, h]) => h === 'done' || h !== frozenHolds.get(k));
    }
    const report = freeze.report();
    workers[(await report).worker - 1].child.kill('SIGCONT');
    const out = (await handle.result()) as SyncSourceOutput;
    expect((await report).inFlight).toBeGreaterThan(0);
    const r = await database.db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM frozen.items`);
    expect(r.rows[0]).toEqual({ rows: RECORDS, ids: RECORDS });
    expect(out.resources.items.rows).toBe(RECORDS);
  });
});
