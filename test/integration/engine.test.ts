import { createSecretResolver } from '../../src/activities/secrets';
import type { MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { ORGS, startEngineApi, type EngineApiState } from '../fixtures/apis/engine-api';
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

  test('a selected object is one record, its nested list in a child table as dlt lays it out', async () => {
    const values = await rows(`SELECT t.value FROM engine.single s JOIN engine.single__nested__a t ON t._dlt_parent_id = s._dlt_id ORDER BY t._dlt_list_idx`);
    expect(values).toEqual([{ value: 1 }, { value: 2 }]);
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
    // the boundary record (2024-02-10) again, plus the two changed ones
    expect(second.resources.events.rows).toBe(3);
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
