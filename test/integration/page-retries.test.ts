import { createSecretResolver } from '../../src/activities/secrets';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { flakesFor, startFlakyApi, type FlakyApi } from '../fixtures/apis/flaky-api';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';

const TOTAL = 300;
const PER = 20;
const PAGES = TOTAL / PER;

/**
 * Each page has its own retry budget: an API whose every page fails once or twice (429, 503, an
 * HTML 502, a reset connection) loads exactly with the default retry policy (3 attempts), for
 * offset (parallel windows) and cursor resources; so does an API that throttles like Django REST
 * framework (429 + Retry-After 1 beyond 3 requests a second), which fails over and over in one
 * window. Append tables: a page loaded twice would show.
 */
describe('per-page retry budget', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: FlakyApi;
  let out: SyncSourceOutput;
  const dataset = uniqueId('flaky').replace('-', '_');

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startFlakyApi(TOTAL, PER, 3)]);
    const source = {
      client: { base_url: api.url },
      resource_defaults: {
        write_disposition: 'append',
        // the default 3 attempts and backoff 2; only the first interval is short, to keep the test quick
        endpoint: { data_selector: 'items', error_handler: { initial_interval: 0.05 } },
      },
      resources: [
        { name: 'offset', endpoint: { path: '/offset', paginator: { type: 'offset', limit: PER, total_path: 'total' } } },
        { name: 'cursor', endpoint: { path: '/cursor', paginator: { type: 'cursor', cursor_path: 'next_cursor', cursor_param: 'cursor' } } },
        {
          name: 'throttled',
          endpoint: { path: '/throttled', data_selector: 'results', paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'page' } },
        },
      ],
    };
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    try {
      out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: uniqueId('sync:flaky'), args: [{ source, dataset }] }),
      )) as SyncSourceOutput;
    } finally {
      await close();
    }
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  test.each(['offset', 'cursor', 'throttled'])('%s: every record exactly once', async (table) => {
    const r = await database.db.raw(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${dataset}.${table}`);
    expect(r.rows[0]).toEqual({ n: TOTAL, d: TOTAL });
    expect(out.resources[table]).toEqual({ rows: TOTAL, pages: expect.any(Number) });
  });

  test.each(['offset', 'cursor'])('%s: each page met its faults and was fetched once more after them, never given up', (kind) => {
    for (let page = 1; page <= PAGES; page++) expect([page, api.requests(`/${kind}`, page)]).toEqual([page, flakesFor(page).length + 1]);
  });

  test('the throttled resource was refused many times in one sync and still completed', () => {
    // three refusals in one window exhausted the whole window's budget before
    expect(api.throttled()).toBeGreaterThanOrEqual(3);
  });
});
