import { createSecretResolver } from '../../src/activities/secrets';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { REQUEST_CREDS, REQUEST_ORGS, SESSION_USES, TOKEN_PAGES, startRequestApi, type RequestApi } from '../fixtures/apis/request-api';
import { connectTestTemporal, createTestDatabase, historyText, uniqueId, type TestTemporal } from '../helpers/env';

/** One source with a data body of each kind, processing steps on a parent and a plain resource, and the two token auths. */
function requestSource(baseUrl: string) {
  return {
    client: { base_url: baseUrl },
    resources: [
      { name: 'orgs', endpoint: { path: 'orgs', paginator: 'single_page' }, processing_steps: [{ filter: 'id != 2' }] },
      {
        name: 'search_form',
        endpoint: { path: 'search', method: 'POST', data: { org: '{resources.orgs.id}', q: 'a b&c', tag: ['x', 'y'] }, data_selector: 'hits', paginator: 'single_page' },
      },
      { name: 'search_raw', endpoint: { path: 'graphql', method: 'POST', data: 'query {{ items }}', paginator: 'single_page' } },
      {
        name: 'people',
        endpoint: { path: 'people', paginator: 'single_page' },
        processing_steps: [{ filter: 'age >= 18' }, { map: '$merge([$, {"name": $uppercase(name), "adult": true}])' }],
      },
      {
        name: 'sessioned',
        endpoint: {
          path: 'sessioned',
          data_selector: 'data',
          paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'cursor' },
          auth: {
            type: 'session_token',
            login_requester: { path: '/login', request_body_json: { username: 'ann', password: { $secret: 'login_password' } } },
            session_token_path: ['result', 'token'],
            expiration_duration: 'PT1H',
            request_authentication: { type: 'ApiKey', inject_into: { inject_into: 'header', field_name: 'X-Session' }, api_token: 'Token {{ session_token }}' },
          },
        },
      },
      {
        name: 'refreshed',
        endpoint: {
          path: 'refreshed',
          data_selector: 'data',
          paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'cursor' },
          auth: { type: 'oauth2_refresh_token', access_token_url: `${baseUrl}/token`, client_id: 'app', client_secret: { $secret: 'client_secret' }, refresh_token: { $secret: 'refresh_token' } },
        },
      },
    ],
  };
}

describe('the request side end to end: data bodies, processing steps, token auths', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: RequestApi;
  let out: SyncSourceOutput;
  let history: string;

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startRequestApi()]);
    const env = { LOGIN_PASSWORD: REQUEST_CREDS.password, REFRESH_TOKEN: REQUEST_CREDS.refreshToken, CLIENT_SECRET: REQUEST_CREDS.clientSecret };
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env }) });
    const workflowId = uniqueId('sync:reqside');
    try {
      out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId, args: [{ source: requestSource(api.url), dataset: 'reqside' }] }),
      )) as SyncSourceOutput;
    } finally {
      await close();
    }
    history = await historyText(temporal.client, workflowId);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const rows = async (sql: string) => (await database.db.raw(sql)).rows;

  test('a form body is sent form-encoded per parent record, placeholders filled; the filtered parent fans out only over what it kept', async () => {
    const kept = REQUEST_ORGS.filter((id) => id !== 2);
    expect(await rows('SELECT id::int AS id FROM reqside.orgs ORDER BY id')).toEqual(kept.map((id) => ({ id })));
    expect(out.resources.orgs.rows).toBe(kept.length);
    const forms = api.bodies.filter((b) => b.path === '/search');
    expect(forms.map((b) => b.body).sort()).toEqual(kept.map((id) => `org=${id}&q=a+b%26c&tag=x&tag=y`));
    expect(new Set(forms.map((b) => b.contentType))).toEqual(new Set(['application/x-www-form-urlencoded']));
    expect(await rows('SELECT id, q, tags FROM reqside.search_form ORDER BY id')).toEqual(kept.map((id) => ({ id: `${id}-1`, q: 'a b&c', tags: 'x,y' })));
  });

  test('a raw body is sent as written ({{ }} as literal braces), with no content type of its own', async () => {
    expect(await rows('SELECT body, content_type FROM reqside.search_raw')).toEqual([{ body: 'query { items }', content_type: null }]);
  });

  test('filter then map, in order: dropped records do not load, mapped ones load as mapped', async () => {
    expect(await rows('SELECT name, age::int AS age, adult FROM reqside.people ORDER BY id')).toEqual([
      { name: 'ANN', age: 30, adult: true },
      { name: 'CY', age: 45, adult: true },
    ]);
  });

  test('a session token from a login: reused until the API answers 401, then one fresh login and the page again', async () => {
    expect(out.resources.sessioned.rows).toBe(TOKEN_PAGES);
    expect(api.logins).toBe(Math.ceil(TOKEN_PAGES / SESSION_USES));
  });

  test('an OAuth2 refresh-token grant: one token request for the whole resource', async () => {
    expect(out.resources.refreshed.rows).toBe(TOKEN_PAGES);
    expect(api.refreshes).toBe(1);
  });

  test('no credential or token obtained at run time is in the workflow history or any table', async () => {
    const tables = await rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'reqside'");
    let stored = '';
    for (const { table_name: t } of tables) stored += JSON.stringify(await rows(`SELECT * FROM reqside."${t}"`));
    for (const secret of [REQUEST_CREDS.password, REQUEST_CREDS.refreshToken, REQUEST_CREDS.clientSecret, REQUEST_CREDS.sessionPrefix, REQUEST_CREDS.accessPrefix]) {
      expect(history).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
  });
});
