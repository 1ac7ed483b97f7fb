import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MockRequest } from '../../src/demo/mocks/server';
import { AUTH_KINDS, inBatches, LINKED_PAGES, SECRET_ENV, authConfig, leakForms, startAuthApi, startSecondOrigin, type AuthApi } from '../fixtures/apis/auth-api';
import { runCli, type CliResult } from '../helpers/cli';
import { connectTestTemporal, createTestDatabase, historyText, type TestTemporal } from '../helpers/env';
import { startCliProcess, type WorkerProcess } from '../helpers/worker-process';

const FORMS = leakForms();
const leaks = (text: string) => FORMS.filter((f) => text.includes(f));
const requestText = (r: MockRequest) => `${r.method} ${r.path}?${r.query} ${JSON.stringify(r.headers)}`;

const items = { name: 'items', endpoint: { path: 'items', data_selector: 'data', paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'cursor' } } };
const linkPaginator = { type: 'json_link', next_url_path: 'next' };
const linked = { name: 'linked', endpoint: { path: 'linked', data_selector: 'data', paginator: linkPaginator } };
const moved = { name: 'moved', endpoint: { path: 'moved', data_selector: 'data', paginator: 'single_page' } };
const denied = { name: 'denied', endpoint: { path: 'denied', paginator: 'single_page' } };
const stuck = { name: 'stuck', endpoint: { path: 'linked', params: { stop: 5 }, data_selector: 'data', paginator: linkPaginator } };

/**
 * A hostile API, for every auth type plus a custom header from a secret: its next links repeat
 * the query (the api_key too) and echo the credential, it redirects to a second origin, and it
 * echoes credentials JSON-escaped in error bodies. No form of any secret (raw, JSON-escaped,
 * URL-encoded, base64, or its first 8 characters) may show up in `rest-sync run --json`, the
 * worker's log, any table of the dataset schemas, any workflow history, or at the second origin;
 * each request carries the key once, so URLs do not grow.
 */
describe('secrets against a hostile API', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: AuthApi;
  let other: AuthApi;
  let worker: WorkerProcess;
  let dir: string;
  const runs: Record<string, { ok: CliResult; bad: CliResult }> = {};

  beforeAll(async () => {
    [temporal, database, other] = await Promise.all([connectTestTemporal(), createTestDatabase(), startSecondOrigin()]);
    api = await startAuthApi(other.url);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-hostile-'));
    const base = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!, TEMPORAL_TASK_QUEUE: temporal.taskQueue };
    worker = await startCliProcess(['--verbose', 'worker'], { ...base, ...SECRET_ENV, REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE! }, 'rest-sync worker:');
    // four kinds at a time: a busy machine must still connect each `run` to Temporal within its 3 s
    await inBatches(AUTH_KINDS, 4, async (kind) => {
      const client = { base_url: `${api.url}/${kind}/`, auth: authConfig(kind, api.url), headers: { 'X-Tenant-Token': { $secret: 'tenant_token' } } };
      const write = (name: string, resources: unknown[]) => {
        const file = path.join(dir, `${name}.json`);
        writeFileSync(file, JSON.stringify({ client, resources }));
        return file;
      };
      const run = (file: string, dataset: string) => runCli(['run', file, '--no-worker', '--json', '--dataset', dataset], base, dir);
      const [ok, bad] = await Promise.all([run(write(kind, [items, linked, moved]), `h_${kind}_ok`), run(write(`${kind}_bad`, [items, denied, stuck]), `h_${kind}_bad`)]);
      runs[kind] = { ok, bad };
    });
  }, 120_000);
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await Promise.all([api?.close(), other?.close()]);
    await database?.drop();
    await temporal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(AUTH_KINDS)('%s: the syncs load every page; run --json and the failures hold no secret', (kind) => {
    const { ok, bad } = runs[kind];
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).resources).toEqual({ items: { rows: 4, pages: 2 }, linked: { rows: LINKED_PAGES, pages: LINKED_PAGES }, moved: { rows: 2, pages: 1 } });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/stuck: resource "stuck" page 5: GET \S+ returned HTTP 403: \{"error":"credential [^"]*\*\*\*[^"]* may not read page 5"\}/);
    expect(leaks(ok.stdout + ok.stderr + bad.stdout + bad.stderr)).toEqual([]);
  });

  test.each(AUTH_KINDS)('%s: each request carries the key once; next links lose their copy of it and the echo', (kind) => {
    const pages = api.requests.filter((r) => r.path === `/${kind}/linked` && !r.query.has('stop'));
    expect(pages.map((r) => Number(r.query.get('page') ?? 1))).toEqual(Array.from({ length: LINKED_PAGES }, (_, i) => i + 1));
    for (const r of pages) {
      expect(r.query.getAll('api_key')).toHaveLength(kind === 'api_key_query' ? 1 : 0);
      expect(r.query.getAll('sid')).toHaveLength(kind === 'session_token' ? 1 : 0);
      expect(r.query.has('echo')).toBe(false);
    }
    const length = (r: MockRequest) => `${r.query}`.length;
    expect(length(pages[LINKED_PAGES - 1]) - length(pages[1])).toBeLessThanOrEqual(1); // page=2 → page=25
  });

  test('the second origin got the redirected requests, without any secret; the worker log says what was withheld', () => {
    expect(other.requests.map((r) => r.path).sort()).toEqual(AUTH_KINDS.map((k) => `/${k}/moved`).sort());
    expect(leaks(other.requests.map(requestText).join('\n'))).toEqual([]);
    for (const r of other.requests) expect(r.headers['x-tenant-token']).toBeUndefined();
    const withheld = {
      bearer: 'header x-tenant-token, header authorization',
      api_key_header: 'header x-tenant-token, header x-api-key',
      api_key_query: 'header x-tenant-token, the query params holding secrets',
      api_key_cookie: 'header x-tenant-token, header cookie',
      http_basic: 'header x-tenant-token, header authorization',
      oauth2: 'header x-tenant-token, header authorization',
      oauth2_refresh: 'header x-tenant-token, header authorization',
      session_token: 'header x-tenant-token, the query params holding secrets',
    };
    const lines = worker.output().split('\n').filter((l) => l.includes('is not the origin of base_url'));
    expect(lines.sort()).toEqual(
      Object.values(withheld)
        .map((what) => `[warn] resource "moved" page 1: ${other.url} is not the origin of base_url (${api.url}): ${what} not sent there`)
        .sort(),
    );
  });

  test('no table of any dataset schema holds a secret; a failed json_link resource keeps its token without the key', async () => {
    const schemas = AUTH_KINDS.flatMap((k) => [`h_${k}_ok`, `h_${k}_bad`]);
    const tables = await database.db.raw(`SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema = ANY(?)`, [schemas]);
    expect(tables.rows.length).toBeGreaterThanOrEqual(schemas.length * 4);
    let text = '';
    for (const { s, t } of tables.rows) text += (await database.db.raw(`SELECT json_agg(x)::text AS j FROM "${s}"."${t}" x`)).rows[0].j ?? '';
    expect(text).toContain('"outcome":"failed"');
    expect(leaks(text)).toEqual([]);
    const token = await database.db.raw(`SELECT token FROM h_api_key_query_bad._rest_sync_state WHERE resource = 'stuck'`);
    expect(token.rows[0].token).toEqual({ url: `${api.url}/api_key_query/linked?stop=5&page=5` });
  });

  test('no workflow history on the task queue holds a secret', async () => {
    const ids: string[] = [];
    for await (const w of temporal.client.workflow.list({ query: `TaskQueue = '${temporal.taskQueue}'` })) ids.push(w.workflowId);
    expect(ids.length).toBeGreaterThanOrEqual(AUTH_KINDS.length * 8);
    for (const id of ids) expect([id, leaks(await historyText(temporal.client, id))]).toEqual([id, []]);
  });

  test("the worker's log holds no secret", () => {
    expect(worker.output()).toContain('may not read page 5');
    expect(leaks(worker.output())).toEqual([]);
  });
});
