import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MockServer } from '../../src/demo/mocks/server';
import { AUTH_KINDS, inBatches, SECRET_ENV, authConfig, leakForms, startAuthApi } from '../fixtures/apis/auth-api';
import { runCli, type CliResult } from '../helpers/cli';
import { connectTestTemporal, createTestDatabase, historyText, type TestTemporal } from '../helpers/env';
import { startCliProcess, type WorkerProcess } from '../helpers/worker-process';

const FORMS = leakForms();
/** The leak forms found in a text (an empty list is the only good answer). */
const leaks = (text: string) => FORMS.filter((f) => text.includes(f));

const items = { name: 'items', endpoint: { path: 'items', data_selector: 'data', paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'cursor' } } };
const denied = { name: 'denied', endpoint: { path: 'denied', paginator: 'single_page' } };

/**
 * Secrets of every auth type (bearer, api_key in header/query/cookie, http_basic, oauth2 client
 * credentials with the access token it obtains) never show up where people and Temporal look:
 * workflow histories, the worker's log (a `rest-sync --verbose worker` process), the failure a
 * refused request produces (the API even echoes the credential back), or `rest-sync run --json`.
 */
describe('secrets stay secret', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let worker: WorkerProcess;
  let dir: string;
  const runs: Record<string, { ok: CliResult; bad: CliResult }> = {};

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startAuthApi()]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-secrets-'));
    const base = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!, TEMPORAL_TASK_QUEUE: temporal.taskQueue };
    worker = await startCliProcess(['--verbose', 'worker'], { ...base, ...SECRET_ENV, REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE! }, 'rest-sync worker:');
    // four kinds at a time: a busy machine must still connect each `run` to Temporal within its 3 s
    await inBatches(AUTH_KINDS, 4, async (kind) => {
      const client = { base_url: `${api.url}/${kind}/`, auth: authConfig(kind, api.url) };
      const write = (name: string, resources: unknown[]) => {
        const file = path.join(dir, `${name}.json`);
        writeFileSync(file, JSON.stringify({ client, resources }));
        return file;
      };
      // the CLI holds no secret: the worker process resolves them
      const run = (file: string, dataset: string) => runCli(['run', file, '--no-worker', '--json', '--dataset', dataset], base, dir);
      const [ok, bad] = await Promise.all([run(write(kind, [items]), `${kind}_ok`), run(write(`${kind}_bad`, [items, denied]), `${kind}_bad`)]);
      runs[kind] = { ok, bad };
    });
  }, 90_000);
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.close();
    await database?.drop();
    await temporal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(AUTH_KINDS)('%s: the sync authenticates and run --json prints counts, no secret', (kind) => {
    const { ok } = runs[kind];
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).resources).toEqual({ items: { rows: 4, pages: 2 } });
    expect(leaks(ok.stdout + ok.stderr)).toEqual([]);
  });

  test.each(AUTH_KINDS)('%s: a refused request fails with the cause, the echoed credential scrubbed', (kind) => {
    const { bad } = runs[kind];
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.message).toMatch(new RegExp(`denied: resource "denied" page 1: GET http://127\\.0\\.0\\.1:\\d+/${kind}/denied\\S* returned HTTP 403`));
    expect(JSON.parse(bad.stdout).error.message).toMatch(/"error":"credential [^"]*\*\*\*[^"]* may not read this"/);
    expect(leaks(bad.stdout + bad.stderr)).toEqual([]);
  });

  test('the api_key in the query string is scrubbed from the URL in the message', () => {
    expect(JSON.parse(runs.api_key_query.bad.stdout).error.message).toMatch(/\/api_key_query\/denied\?api_key=\*\*\* returned HTTP 403/);
  });

  test.each(AUTH_KINDS)('%s: no workflow history holds a secret', async (kind) => {
    for (const dataset of [`${kind}_ok`, `${kind}_bad`]) {
      const ids = [`sync:${dataset}`, `sync:${dataset}:items`, ...(dataset.endsWith('_bad') ? [`sync:${dataset}:denied`] : [])];
      for (const id of ids) {
        const text = await historyText(temporal.client, id);
        expect(text).toContain('"eventType":"EVENT_TYPE_WORKFLOW_EXECUTION_');
        expect(leaks(text)).toEqual([]);
      }
    }
  });

  test("the worker's verbose log reports the failures without a secret", () => {
    const log = worker.output();
    expect(log).toContain('may not read this');
    expect(leaks(log)).toEqual([]);
  });
});
