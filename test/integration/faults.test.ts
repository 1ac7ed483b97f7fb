import { createSecretResolver } from '../../src/activities/secrets';
import { PAGES, PER_PAGE, records, startFaultApi, type FaultApi, type FaultPlan } from '../fixtures/apis/fault-api';
import { connectTestTemporal, createTestDatabase, historyText, uniqueId, type TestTemporal } from '../helpers/env';
import { rootMessage } from '../helpers/seeds';

/** The api key goes in the query string; `~!()* ` encode differently in URLSearchParams and encodeURIComponent. */
const SECRET = 'k3y~!(x) y*Z9';
const SECRET_FORMS = [SECRET, encodeURIComponent(SECRET), new URLSearchParams({ k: SECRET }).toString().slice(2), Buffer.from(SECRET).toString('base64')];
const ALL = PAGES * PER_PAGE;
const DATASET = 'faults';

const json = (body: unknown) => ({ status: 200, raw: JSON.stringify(body) });
/** Page 2 of each kind misbehaves (cursor_cycle: page 3); `n` counts the requests for that page. */
const plan: FaultPlan = (kind, page, n) => {
  if (kind === 'cursor_cycle') return page === 3 ? json({ data: records(3), next: 'c2' }) : undefined;
  if (page !== 2) return undefined;
  const once = <T>(f: T) => (n === 1 ? f : undefined);
  switch (kind) {
    case 'retry_after_seconds':
      return once({ status: 429, headers: { 'retry-after': '1' }, raw: '{"error":"slow down"}' });
    case 'retry_after_date':
      return once({ status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() }, raw: '{"error":"slow down"}' });
    case 'burst_5xx':
      return n <= 4 ? { status: [500, 502, 503, 504][n - 1], raw: 'upstream trouble' } : undefined;
    case 'reset':
      return n <= 2 ? 'reset' : undefined;
    case 'slow':
      return once('hang' as const);
    case 'truncated':
      return once({ status: 200, raw: '{"data":[{"id":6,"pa' });
    case 'html_200':
      return { status: 200, headers: { 'content-type': 'text/html' }, raw: '<html><body><h1>Service temporarily unavailable</h1></body></html>' };
    case 'missing_selector':
      return json({ items: records(2), meta: {} });
    case 'cursor_repeat':
      return json({ data: records(2), next: 'c2' });
    case 'unauthorized':
      return { status: 401, raw: '{"error":"token expired"}' };
    case 'hang_always':
      return 'hang';
  }
  return undefined;
};

const RETRIED = ['retry_after_seconds', 'retry_after_date', 'burst_5xx', 'reset', 'slow', 'truncated'];
/** kind → [failing page, requests for that page, texts the message must hold] */
const FAILING: Record<string, [number, number, string[]]> = {
  html_200: [2, 1 + 6, ['returned HTTP 200 with a body that is not JSON (text/html', '<html><body><h1>Service temporarily unavailable']],
  missing_selector: [2, 1, ['data_selector "data" not found in response; top-level keys: items, meta']],
  cursor_repeat: [2, 1, ['pagination does not advance: cursor "c2" repeated (page http://']],
  cursor_cycle: [3, 1, ['pagination cycles: cursor "c2" was fetched before in this window']],
  unauthorized: [2, 1, ['returned HTTP 401: {"error":"token expired"}', 'GET http://']],
  hang_always: [2, 1 + 6, ['request to http://', 'got no complete answer within 500 ms (client.timeout)']],
};

function resource(name: string) {
  return { name, endpoint: { path: `/f/${name}`, data_selector: 'data', paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'cursor' } } };
}

/**
 * API faults through a full sync: transient faults are retried (honouring Retry-After) and end
 * with every row exactly once (append, so a page loaded twice would show); lasting or fatal faults
 * fail the resource with a message naming resource, page and cause, with the query-string secret
 * scrubbed, and leave exactly the pages committed before the fault.
 */
describe('API faults', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: FaultApi;
  let failure = '';
  const messages: Record<string, string> = {};
  const workflowIds: string[] = [];

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startFaultApi(SECRET, plan)]);
    const source = {
      client: { base_url: api.url, timeout: 0.5, auth: { type: 'api_key', name: 'key', api_key: { $secret: 'fault_key' }, location: 'query' } },
      resource_defaults: { write_disposition: 'append', endpoint: { error_handler: { max_retries: 5, initial_interval: 0.05, backoff_factor: 1.5 } } },
      resources: [...RETRIED, ...Object.keys(FAILING)].map(resource),
    };
    const secrets = createSecretResolver({ env: { FAULT_KEY: SECRET }, secretsFile: '/nonexistent' });
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets });
    const id = uniqueId(`sync:${DATASET}`);
    workflowIds.push(id, ...source.resources.map((r) => `sync:${DATASET}:${r.name}`));
    try {
      await worker.runUntil(temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: id, args: [{ source, dataset: DATASET }] }));
    } catch (err) {
      failure = rootMessage(err);
    } finally {
      await close();
    }
    for (const name of Object.keys(FAILING)) {
      messages[name] = await temporal.client.workflow.getHandle(`sync:${DATASET}:${name}`).result().then(() => '', rootMessage);
    }
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const rows = async (table: string) =>
    (await database.db.raw(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM ${DATASET}.${table}`)).rows[0];
  const state = async (name: string) => (await database.db.raw(`SELECT pages::int, rows::int FROM ${DATASET}._rest_sync_state WHERE resource = ?`, [name])).rows[0];

  test.each(RETRIED)('%s: retried, every row exactly once', async (name) => {
    expect(await rows(name)).toEqual({ n: ALL, ids: ALL });
    expect(await state(name)).toEqual({ pages: PAGES, rows: ALL });
    expect(failure).not.toMatch(new RegExp(`^${name}:`, 'm'));
  });

  test('429 Retry-After in seconds and as an HTTP date delays the retry as asked', () => {
    const gap = (kind: string) => api.times(kind, 2)[1] - api.times(kind, 2)[0];
    expect(api.times('retry_after_seconds', 2)).toHaveLength(2);
    expect(gap('retry_after_seconds')).toBeGreaterThanOrEqual(950);
    // the date has whole seconds: it lies 1 to 2 s after the 429
    expect(gap('retry_after_date')).toBeGreaterThanOrEqual(950);
  });

  test('a burst of 500/502/503/504 and two connection resets are retried page by page', () => {
    expect(api.times('burst_5xx', 2)).toHaveLength(5);
    expect(api.times('reset', 2)).toHaveLength(3);
    expect(api.times('slow', 2)).toHaveLength(2);
    expect(api.times('slow', 2)[1] - api.times('slow', 2)[0]).toBeGreaterThanOrEqual(450);
  });

  test.each(Object.entries(FAILING))('%s: fails naming resource, page and cause; earlier pages stay, the failing page adds nothing', async (name, [page, requests, texts]) => {
    const message = messages[name];
    expect(message).toContain(`resource "${name}" page ${page}: `);
    for (const t of texts) expect(message).toContain(t);
    expect(failure).toContain(`\n${name}: resource "${name}" page ${page}: `);
    expect(api.times(name, page)).toHaveLength(requests);
    expect(await rows(name)).toEqual({ n: (page - 1) * PER_PAGE, ids: (page - 1) * PER_PAGE });
    expect(await state(name)).toEqual({ pages: page - 1, rows: (page - 1) * PER_PAGE });
  });

  test('URLs in messages keep the query-string key scrubbed', () => {
    expect(messages.unauthorized).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/f\/unauthorized\?cursor=c2&key=\*\*\* returned/);
    expect(messages.hang_always).toContain('key=***');
    for (const text of [failure, ...Object.values(messages)]) for (const form of SECRET_FORMS) expect(text).not.toContain(form);
  });

  test('no workflow history holds the secret in any encoding', async () => {
    for (const id of workflowIds) {
      const text = await historyText(temporal.client, id);
      for (const form of SECRET_FORMS) expect(text).not.toContain(form);
    }
  });
});
