import type { AxiosInstance } from 'axios';
import { applyAuth, authParamNames, OAuthTokens, type AuthContext } from '../../src/activities/http/auth';
import { parseSourceConfig } from '../../src/config/validate';
import { buildPlan } from '../../src/plan/build';
import type { AuthSpec } from '../../src/plan/types';

type Call = { method: string; url: string; data?: string; headers: Record<string, string> };
const req = { method: 'GET', url: '/x', params: {}, headers: {} };
const SECRETS: Record<string, string> = { rt: 'refresh-0', cs: 'client-secret', user: 'ann', pw: 'pass word' };

/** A token endpoint double answering each call with the next of `answers`; the context records what was scrubbed. */
function context(answers: Array<{ status: number; body: unknown }>, tokens = new OAuthTokens()) {
  const remembered: string[] = [];
  const calls: Call[] = [];
  const request = jest.fn(async (c: Call) => {
    calls.push(c);
    const a = answers.shift() ?? { status: 500, body: {} };
    return { status: a.status, data: JSON.stringify(a.body), headers: {} };
  });
  const ctx: AuthContext = {
    secrets: { resolve: (n: string) => SECRETS[n], known: () => remembered, remember: (v: string) => void remembered.push(v) },
    tokens,
    http: { request } as unknown as AxiosInstance,
    timeoutMs: 5000,
    baseUrl: 'https://api.test/v1',
  };
  return { ctx, calls, remembered };
}

const authOf = (auth: unknown): AuthSpec => buildPlan(parseSourceConfig({ client: { base_url: 'https://api.test/v1', auth }, resources: ['r'] }), {}).client.auth;

describe('OAuth2 refresh-token grant', () => {
  const auth = authOf({ type: 'oauth2_refresh_token', access_token_url: 'https://auth.test/token', client_id: 'id', client_secret: { $secret: 'cs' }, refresh_token: { $secret: 'rt' } });

  test.each([
    ['a token with a lifetime', { access_token: 'at-1', expires_in: 3600 }, 'Bearer at-1', 1],
    ['a token that expires at once is asked for again', { access_token: 'at-1', expires_in: 1 }, 'Bearer at-1', 2],
  ])('%s', async (_name, answer, header, requests) => {
    const { ctx, calls, remembered } = context([{ status: 200, body: answer }, { status: 200, body: answer }]);
    expect((await applyAuth(req, auth, ctx)).headers.authorization).toBe(header);
    if (requests === 2) (ctx.tokens as unknown as { cache: Map<string, { expiresAt: number }> }).cache.forEach((v) => (v.expiresAt = 0));
    await applyAuth(req, auth, ctx);
    expect(calls).toHaveLength(requests);
    expect(calls[0]).toMatchObject({ method: 'POST', url: 'https://auth.test/token', data: 'grant_type=refresh_token&refresh_token=refresh-0&client_id=id&client_secret=client-secret', maxRedirects: 0 });
    expect(remembered).toContain('at-1');
  });

  test('a rotated refresh token is used for the next refresh and scrubbed; invalidate (after a 401) asks again', async () => {
    const { ctx, calls, remembered } = context([
      { status: 200, body: { access_token: 'at-1', refresh_token: 'refresh-1' } },
      { status: 200, body: { access_token: 'at-2' } },
    ]);
    await applyAuth(req, auth, ctx);
    ctx.tokens.invalidate(auth, ctx);
    expect((await applyAuth(req, auth, ctx)).headers.authorization).toBe('Bearer at-2');
    expect(calls[1].data).toContain('refresh_token=refresh-1');
    expect(remembered).toEqual(expect.arrayContaining(['at-1', 'refresh-1', 'at-2']));
  });

  test.each([
    [400, 'oauth2 token request to https://auth.test/token failed with status 400'],
    [200, 'oauth2 token request to https://auth.test/token: the answer has no access_token'],
  ])('an answer %i without a token fails naming the URL, never the refresh token', async (status, message) => {
    const { ctx } = context([{ status, body: { error: 'invalid_grant' } }]);
    const err = (await applyAuth(req, auth, ctx).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(message);
  });
});

describe('session token login (Airbyte SessionTokenAuthenticator)', () => {
  const login = { path: '/login', request_body_json: { username: { $secret: 'user' }, password: { $secret: 'pw' } } };
  test.each([
    ['Bearer, a key-list path', { request_authentication: { type: 'Bearer' }, session_token_path: ['data', 'token'] }, { data: { token: 's-1' } }, { authorization: 'Bearer s-1' }, {}],
    ['ApiKey header with a template', { request_authentication: { type: 'ApiKey', inject_into: { inject_into: 'header', field_name: 'X-Session' }, api_token: 'Token {{ session_token }}' }, session_token_path: '$.token' }, { token: 's-1' }, { 'x-session': 'Token s-1' }, {}],
    ['ApiKey in the query', { request_authentication: { type: 'ApiKey', inject_into: { inject_into: 'request_parameter', field_name: 'sid' } }, session_token_path: ['token'] }, { token: 's-1' }, {}, { sid: 's-1' }],
  ])('%s', async (_name, cfg, answer, headers, params) => {
    const auth = authOf({ type: 'session_token', login_requester: login, ...cfg });
    const { ctx, calls, remembered } = context([{ status: 200, body: answer }]);
    const out = await applyAuth(req, auth, ctx);
    expect(out.headers).toEqual(headers);
    expect(out.params).toEqual(params);
    expect(calls[0]).toMatchObject({ method: 'POST', url: 'https://api.test/v1/login', data: '{"username":"ann","password":"pass word"}', headers: { 'content-type': 'application/json' } });
    expect(remembered).toContain('s-1');
    expect(authParamNames(auth)).toEqual(Object.keys(params));
  });

  test.each([
    ['without expiration_duration a login precedes every request (Airbyte)', undefined, 2],
    ['with PT1H the token is reused', 'PT1H', 1],
    ['with seconds the token is reused', 600, 1],
  ])('%s', async (_name, expiration, logins) => {
    const auth = authOf({ type: 'SessionTokenAuthenticator', login_requester: { url: 'https://auth.test/session', request_body_data: { u: { $secret: 'user' } } }, session_token_path: ['t'], ...(expiration ? { expiration_duration: expiration } : {}) });
    const { ctx, calls } = context([{ status: 200, body: { t: 'a' } }, { status: 200, body: { t: 'b' } }]);
    await applyAuth(req, auth, ctx);
    await applyAuth(req, auth, ctx);
    expect(calls).toHaveLength(logins);
    expect(calls[0]).toMatchObject({ url: 'https://auth.test/session', data: 'u=ann', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  });

  test('no token at the path fails naming the path', async () => {
    const auth = authOf({ type: 'session_token', login_requester: login, session_token_path: ['token'] });
    const { ctx } = context([{ status: 200, body: { other: 1 } }]);
    await expect(applyAuth(req, auth, ctx)).rejects.toThrow('session token login to https://api.test/v1/login: no token at session_token_path ["token"] in the answer');
  });

  test.each([
    ['no url or path', { login_requester: {}, session_token_path: ['t'] }, 'client.auth.login_requester: set url or path (one of them)'],
    ['a bad duration', { login_requester: login, session_token_path: ['t'], expiration_duration: '1 hour' }, 'client.auth.expiration_duration: expected an ISO 8601 duration such as PT1H or P1D, got "1 hour"'],
    ['an unknown request_authentication', { login_requester: login, session_token_path: ['t'], request_authentication: { type: 'Basic' } }, 'client.auth.request_authentication.type'],
  ])('refuses %s', (_name, cfg, message) => {
    expect(() => authOf({ type: 'session_token', ...cfg })).toThrow(message);
  });
});
