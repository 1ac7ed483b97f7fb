import { createSecretResolver } from '../../src/activities/secrets';
import type { MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { ORGS, startEngineApi, type EngineApiState } from '../fixtures/apis/engine-api';
import { startIncrApi, type IncrApiState } from '../fixtures/apis/incr-api';
import { dedupDigest } from '../../src/activities/dedup';
import { readDatasetState } from '../../src/activities/store/admin';
import { formatState } from '../../src/cli/state';
import { connectTestTemporal, createTestDatabase, historyText, recordHistory, uniqueId, type TestTemporal } from '../helpers/env';

const ep = (path: string, extra: Record<string, unknown> = {}) => ({ path, ...extra });

/** A dlt config that uses every paginator, selector form, parent form and response action. */
function engineSource(baseUrl: string) {
  return {
    client: { base_url: baseUrl },
    resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
    resources: [
      { name: 'json_link', endpoint: ep('/json-link', { data_selector: 'items', paginator: { type: 'json_link', next_url_path: 'next' } }) },
      { name: 'header_link', endpoint: ep('/header-link', { paginator: 'header_link' }) },
      { name: 'page_number', endpoint: ep('/page-number', { data_selector: '$.data', paginator: { type: 'page_number', base_page: 1, total_path: 'meta.total_pages' } }) },
      { name: 'cursor', endpoint: ep('/cursor', { data_selector: ['results'], paginator: { type: 'cursor', cursor_path: 'cursors.next', cursor_param: 'after' } }) },
      { name: 'single', endpoint: ep('/single', { data_selector: [], paginator: 'single_page' }) },
      { name: 'auto', endpoint: ep('/auto') },
      { name: 'orgs', endpoint: ep('/orgs', { data_selector: 'orgs', paginator: 'single_page' }) },
      { name: 'repos', include_from_parent: ['name'], endpoint: ep('/orgs/{resources.orgs.id}/repos', { paginator: 'single_page' }) },
      {
        name: 'members',
        primary_key: 'login',
        endpoint: ep('/orgs/{org}/members', { data_selector: 'members', response_actions: [{ status_code: 404, action: 'ignore' }] }),
      },
      {
        name: 'audit',
        endpoint: ep('/audit', {
          params: { org: '{resources.orgs.id}' },
          data_selector: 'entries',
          response_actions: [{ content: 'no data', action: 'ignore' }],
        }),
      },
      {
        name: 'events',
        endpoint: ep('/events', {
          data_selector: 'events',
          incremental: { cursor_path: 'updated_at', start_param: 'since', initial_value: '2024-01-01T00:00:00Z' },
        }),
      },
      { name: 'guarded', endpoint: ep('/guarded', { paginator: 'single_page', auth: { type: 'bearer', token: 'endpoint-token' } }) },
      {
        name: 'org_info',
        endpoint: ep('/org-info', { headers: { 'X-Org': 'org-{resources.orgs.id}' }, params: { query: '{{ org {{ id }} }}' }, data_selector: 'info', paginator: 'single_page' }),
      },
      {
        name: 'backfill',
        endpoint: ep('/backfill', {
          data_selector: 'events',
          paginator: 'single_page',
          incremental: { cursor_path: 'updated_at', start_param: 'from', end_param: 'to', initial_value: '2024-02-03T00:00:00Z', end_value: '2024-02-06T00:00:00Z' },
        }),
      },
      { name: 'flaky', endpoint: ep('/flaky', { paginator: 'single_page' }) },
      { name: 'many', endpoint: ep('/many', { data_selector: 'data', paginator: { type: 'offset', limit: 5 } }) },
      {
        name: 'link_page_only',
        endpoint: ep('/link-page-only', { params: { per_page: 4 }, data_selector: 'value', paginator: { type: 'json_link', next_url_path: "['@odata.nextLink']" } }),
      },
      { name: 'auto_cursor', endpoint: ep('/auto-cursor') },
      { name: 'auto_pages', endpoint: ep('/auto-pages') },
      { name: 'header_cursor', endpoint: ep('/header-cursor', { paginator: { type: 'header_cursor', cursor_key: 'NextPageToken', cursor_param: 'page_token' } }) },
    ],
  };
}

describe('the sync engine: paginators, selectors, parents, incremental, response actions, retries', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  const state: EngineApiState = {
    events: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, updated_at: `2024-02-${String(i + 1).padStart(2, '0')}T00:00:00Z` })),
    sinceSeen: [],
    backfillSeen: [],
    flakyAt: [],
  };

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startEngineApi(state)]);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  async function sync(workflowId: string): Promise<SyncSourceOutput> {
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    try {
      return (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId,
          // tiny windows: resources continue-as-new many times and must keep their state
          args: [{ source: engineSource(api.url), dataset: 'engine', options: { windowPages: 1, windowsPerRun: 2, parallelWindows: 1 } }],
        }),
      )) as SyncSourceOutput;
    } finally {
      await close();
    }
  }

  const rows = async (sql: string) => (await database.db.raw(sql)).rows;
  const count = async (table: string) => (await rows(`SELECT count(*)::int AS n FROM engine.${table}`))[0].n;

  let first: SyncSourceOutput;
  beforeAll(async () => {
    const id = uniqueId('sync:engine');
    first = await sync(id);
    recordHistory('syncSource-engine', id);
    recordHistory('syncResource-engine-repos-children', 'sync:engine:repos');
    recordHistory('syncResource-engine-flaky-retry', 'sync:engine:flaky');
  }, 120_000);

  test.each([
    ['json_link', 33],
    ['header_link', 25],
    ['page_number', 18],
    ['cursor', 22],
    ['single', 1],
    ['auto', 12],
    ['orgs', 3],
    ['repos', 2 + 3 + 4],
    ['members', 2],
    ['audit', 2],
    ['events', 10],
    ['flaky', 2],
    ['many', 45],
    ['auto_cursor', 25],
    ['auto_pages', 25],
    ['header_cursor', 13],
    ['guarded', 1],
  ])('%s loads exactly %i rows', async (table, n) => {
    expect(await count(table)).toBe(n);
    expect(first.resources[table].rows).toBe(n);
  });

  test('a next link is followed as the API gives it: the first page size is not sent again (as dlt)', async () => {
    const ids = (await rows('SELECT id FROM engine.link_page_only ORDER BY id')).map((r: { id: number }) => Number(r.id));
    expect(ids).toEqual([1, 2, 3, 4, ...Array.from({ length: 10 }, (_, i) => 11 + i)]);
  });

  test('include_from_parent adds _<parent>_<field> columns', async () => {
    const r = await rows(`SELECT DISTINCT _orgs_name FROM engine.repos ORDER BY 1`);
    expect(r.map((x: any) => x._orgs_name)).toEqual(['Acme', 'Globex', 'Initech']);
  });

  test('a selected object is one record, its nested values kept as jsonb', async () => {
    expect(await rows(`SELECT nested FROM engine.single`)).toEqual([{ nested: { a: [1, 2] } }]);
  });

  test('429 with Retry-After is retried after the delay the server asked for', () => {
    expect(state.flakyAt.length).toBe(2);
    expect(state.flakyAt[1] - state.flakyAt[0]).toBeGreaterThanOrEqual(1900);
  });

  test('a resource workflow continued-as-new with its progress intact', async () => {
    const text = await historyText(temporal.client, 'sync:engine:many');
    expect(text).toContain('"name":"syncResource"');
    const runs = [];
    for await (const w of temporal.client.workflow.list({ query: `WorkflowId = "sync:engine:many"` })) runs.push(w);
    expect(runs.length).toBeGreaterThan(3);
    expect(runs.filter((w) => w.status.name === 'CONTINUED_AS_NEW').length).toBe(runs.length - 1);
  });

  test('incremental: the next run starts from the last value and loads only what is new', async () => {
    expect(state.sinceSeen).toEqual(['2024-01-01T00:00:00Z']);
    state.events.push({ id: 11, updated_at: '2024-03-01T00:00:00Z' }, { id: 3, updated_at: '2024-03-02T00:00:00Z' });
    const second = await sync(uniqueId('sync:engine'));
    expect(state.sinceSeen[1]).toBe('2024-02-10T00:00:00Z');
    // the boundary record (2024-02-10) comes again and is dropped (dlt's boundary deduplication by primary key): the two changed ones load
    expect(second.resources.events.rows).toBe(2);
    expect(await count('events')).toBe(11);
    const last = await rows(`SELECT last_value FROM engine._rest_sync_incremental WHERE resource = 'events'`);
    expect(last[0].last_value).toBe('2024-03-02T00:00:00Z');
  }, 120_000);

  test('incremental with end_value (a backfill): the same window every run, no state saved', async () => {
    // runs after the test above: the second run asked for the same window again
    const window = '2024-02-03T00:00:00Z..2024-02-06T00:00:00Z';
    expect(state.backfillSeen).toEqual([window, window]);
    expect(first.resources.backfill.rows).toBe(3);
    const ids = await rows(`SELECT id FROM engine.backfill ORDER BY id`);
    expect(ids.map((r: { id: unknown }) => Number(r.id))).toEqual([3, 4, 5]);
    expect(await rows(`SELECT * FROM engine._rest_sync_incremental WHERE resource = 'backfill'`)).toEqual([]);
  });

  test('a header placeholder is filled from each parent record; {{ }} is sent as literal braces', async () => {
    const got = await rows(`SELECT id, query FROM engine.org_info ORDER BY id`);
    expect(got).toEqual(ORGS.map((o) => ({ id: `org-${o.id}`, query: '{ org { id } }' })));
  });
});

/**
 * Incremental as dlt across two runs, on append tables (a record loaded twice would show as two
 * rows): boundary deduplication by primary key and by row hash, lag, last_value_func min, and a
 * child's state per parent record.
 */
describe('incremental across two runs as dlt', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  const ev = (id: number, at: number) => ({ id, at });
  const state: IncrApiState = {
    events: [ev(1, 1), ev(2, 2), ev(3, 3), ev(4, 4), ev(5, 4)],
    older: [ev(1, 10), ev(2, 9), ev(3, 8), ev(4, 8)],
    comments: [
      { id: 1, post: 1, at: 5 },
      { id: 2, post: 1, at: 6 },
      { id: 3, post: 2, at: 1 },
      { id: 4, post: 2, at: 2 },
    ],
    newest: [ev(1, 1), ev(2, 2), ev(3, 3), ev(4, 4), ev(5, 5)],
    seen: {},
  };
  const since = (client: string, extra: Record<string, unknown> = {}) => ({
    data_selector: 'events',
    paginator: 'single_page',
    params: { client },
    incremental: { cursor_path: 'at', start_param: 'since', initial_value: 0, ...extra },
  });
  const source = (baseUrl: string) => ({
    client: { base_url: baseUrl },
    resource_defaults: { write_disposition: 'append' },
    resources: [
      { name: 'by_key', primary_key: 'id', endpoint: { path: '/events', ...since('by_key') } },
      { name: 'by_hash', endpoint: { path: '/events', ...since('by_hash') } },
      { name: 'lagged', primary_key: 'id', endpoint: { path: '/events', ...since('lagged', { lag: 2 }) } },
      {
        name: 'older',
        primary_key: 'id',
        endpoint: { path: '/older', data_selector: 'events', paginator: 'single_page', incremental: { cursor_path: 'at', start_param: 'until', initial_value: 100, last_value_func: 'min' } },
      },
      { name: 'posts', primary_key: 'id', endpoint: { path: '/posts', paginator: 'single_page' } },
      {
        name: 'comments',
        primary_key: 'id',
        endpoint: {
          path: '/posts/{resources.posts.id}/comments',
          data_selector: 'comments',
          paginator: 'json_link',
          incremental: { cursor_path: 'at', start_param: 'since', initial_value: 0, per_parent: true },
        },
      },
      {
        name: 'newest',
        primary_key: 'id',
        endpoint: {
          path: '/newest',
          data_selector: 'items',
          paginator: { type: 'offset', limit: 2, total_path: 'total' },
          incremental: { cursor_path: 'at', initial_value: 0, row_order: 'desc' },
        },
      },
    ],
  });

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startIncrApi(state)]);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  async function sync(): Promise<SyncSourceOutput> {
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    try {
      return (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId: uniqueId('sync:incr'),
          args: [{ source: source(api.url), dataset: 'incr', options: { windowPages: 1, windowsPerRun: 2, parallelWindows: 1 } }],
        }),
      )) as SyncSourceOutput;
    } finally {
      await close();
    }
  }
  const rows = async (sql: string) => (await database.db.raw(sql)).rows;
  const ids = async (table: string) => (await rows(`SELECT id FROM incr.${table} ORDER BY id`)).map((r: { id: unknown }) => Number(r.id));

  let first: SyncSourceOutput;
  let second: SyncSourceOutput;
  beforeAll(async () => {
    first = await sync();
    // between the runs: new records at the boundary values and past them
    state.events.push(ev(6, 4), ev(7, 5));
    state.older.push(ev(5, 8), ev(6, 7));
    state.comments.push({ id: 5, post: 2, at: 3 });
    state.newest.push(ev(6, 6));
    second = await sync();
  }, 180_000);

  test.each([
    // run 2 asks since 4 and gets 4, 5 (loaded at 4 by run 1), 6 and 7: only 6 and 7 load
    ['by_key', 5, 2, [1, 2, 3, 4, 5, 6, 7]],
    ['by_hash', 5, 2, [1, 2, 3, 4, 5, 6, 7]],
    // lag 2: run 2 starts at 4 - 2 and reloads 2..5 (no deduplication under lag, as dlt), plus 6 and 7
    ['lagged', 5, 6, [1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7]],
    // min: run 2 asks until 8 and gets 3, 4 (loaded at 8 by run 1), 5 (new at 8) and 6 (at 7)
    ['older', 4, 2, [1, 2, 3, 4, 5, 6]],
    // per parent: post 1 asks since 6 (nothing new), post 2 since 2 (its comment at 3 is new)
    ['comments', 4, 1, [1, 2, 3, 4, 5]],
    // row_order desc: run 2's first page (6, 5) reaches the kept value 5, loaded already: paging stops there
    ['newest', 5, 1, [1, 2, 3, 4, 5, 6]],
  ])('%s: run 1 loads %i rows, run 2 %i; the table holds exactly %p', async (table, n1, n2, expected) => {
    expect(first.resources[table].rows).toBe(n1);
    expect(second.resources[table].rows).toBe(n2);
    expect(await ids(table)).toEqual(expected);
  });

  test('the start values each run asked for', () => {
    expect(state.seen['events:by_key']).toEqual(['0', '4']);
    expect(state.seen['events:lagged']).toEqual(['0', '2']);
    expect(state.seen.older).toEqual(['100', '8']);
    // a post's pages, one comment each, keep the post's window; run 2 asks each post from its own last value
    expect(state.seen.post1).toEqual(['0#0', '0#1', '6#0']);
    expect(state.seen.post2).toEqual(['0#0', '0#1', '2#0', '2#1']);
    // offsets asked: every page in run 1 (total 5), only the first in run 2
    expect(state.seen.newest).toEqual(['0', '2', '4', '0']);
  });

  test('the state kept: the last value and the hashes of the records loaded at it', async () => {
    const kept = await rows(`SELECT resource, last_value, unique_hashes FROM incr._rest_sync_incremental ORDER BY resource`);
    expect(kept).toEqual([
      { resource: 'by_hash', last_value: 5, unique_hashes: [dedupDigest({ at: 5, id: 7 })] },
      { resource: 'by_key', last_value: 5, unique_hashes: [dedupDigest(7)] },
      // lag: the value never moves back, no hashes (dlt turns deduplication off under lag)
      { resource: 'lagged', last_value: 5, unique_hashes: [] },
      { resource: 'newest', last_value: 6, unique_hashes: [dedupDigest(6)] },
      { resource: 'older', last_value: 7, unique_hashes: [dedupDigest(6)] },
    ]);
    const parents = await rows(`SELECT parent, last_value, unique_hashes FROM incr._rest_sync_incremental_parents WHERE resource = 'comments' ORDER BY parent->>'id'`);
    expect(parents).toEqual([
      { parent: { id: 1 }, last_value: 6, unique_hashes: [dedupDigest(2)] },
      { parent: { id: 2 }, last_value: 3, unique_hashes: [dedupDigest(5)] },
    ]);
  });

  test('state show lists a per_parent child\'s value of each parent record', async () => {
    const shown = await readDatasetState(database.db, 'incr', 'comments');
    expect(shown.incremental.map((v) => [v.resource, v.parent, v.lastValue])).toEqual([
      ['comments', { id: 1 }, 6],
      ['comments', { id: 2 }, 3],
    ]);
    expect(formatState(shown)).toContain('comments {"id":2}');
  });
});
