import type { AxiosInstance } from 'axios';
import { HttpFatalError, HttpRetriableError } from '../../src/errors';
import { applyAuth, OAuthTokens, type AuthContext } from '../../src/activities/http/auth';
import type { AuthSpec } from '../../src/plan/types';

/** OAuth2 token requests go through the worker's injected client, limiter and signal; tokens are cached per set of activities. */
describe('OAuth2 client credentials', () => {
  const auth = {
    type: 'oauth2_client_credentials',
    accessTokenUrl: 'https://auth.test/token',
    clientId: 'id',
    clientSecret: { $secret: 'cs' },
    accessTokenRequestData: { scope: 'read' },
  } as unknown as AuthSpec;
  const req = { method: 'GET', url: '/x', params: {}, headers: {} };

  function context(tokens = new OAuthTokens()) {
    const remembered: string[] = [];
    let issued = 0;
    const post = jest.fn(async (_req: { url: string; data?: string }): Promise<{ status: number; data: string }> => ({ status: 200, data: JSON.stringify({ access_token: `tok-${++issued}`, expires_in: 3600 }) }));
    const scheduled = jest.fn((fn: () => Promise<unknown>) => fn());
    const signal = new AbortController().signal;
    const ctx: AuthContext = {
      secrets: { resolve: () => 'secret', known: () => remembered, remember: (v: string) => void remembered.push(v) },
      tokens,
      http: { request: post } as unknown as AxiosInstance,
      limiter: { schedule: scheduled as <T>(fn: () => Promise<T>) => Promise<T>, observe: () => undefined },
      signal,
      timeoutMs: 5000,
    };
    return { ctx, post, scheduled, signal, remembered };
  }

  test('the token request uses the injected client, the limiter and the signal, follows no redirect, and the token is scrubbed', async () => {
    const { ctx, post, scheduled, signal, remembered } = context();
    const out = await applyAuth(req, auth, ctx);
    expect(out.headers.authorization).toBe('Bearer tok-1');
    expect(scheduled).toHaveBeenCalledTimes(1);
    // dlt's form body: client credentials first, then grant_type and access_token_request_data; no HTTP Basic
    expect(post).toHaveBeenCalledWith(
      expect.objectContaining({ method: 'POST', url: 'https://auth.test/token', data: 'client_id=id&client_secret=secret&grant_type=client_credentials&scope=read', signal, maxRedirects: 0, timeout: 5000 }),
    );
    expect((post.mock.calls[0] as unknown[])[0]).not.toHaveProperty('auth');
    expect(remembered).toContain('tok-1');
  });

  test('a token is reused within one cache, never shared between two', async () => {
    const tokens = new OAuthTokens();
    const a = context(tokens);
    await applyAuth(req, auth, a.ctx);
    await applyAuth(req, auth, a.ctx);
    expect(a.post).toHaveBeenCalledTimes(1);
    const b = context();
    await applyAuth(req, auth, b.ctx);
    expect(b.post).toHaveBeenCalledTimes(1);
  });

  test('a refused token request fails naming the token URL and status', async () => {
    const { ctx, post } = context();
    post.mockResolvedValueOnce({ status: 401, data: '{"error":"invalid_client"}' });
    await expect(applyAuth(req, auth, ctx)).rejects.toThrow('oauth2 token request to https://auth.test/token failed with status 401');
  });

  test.each([
    [429, { 'retry-after': '7' }, HttpRetriableError, 7000],
    [503, {}, HttpRetriableError, undefined],
    [500, {}, HttpRetriableError, undefined],
    [408, {}, HttpRetriableError, undefined],
    [400, {}, HttpFatalError, undefined],
    [403, {}, HttpFatalError, undefined],
  ])('a token endpoint answering %i (headers %j) fails as %p; a retriable error is retried like any request', async (status, headers, kind, retryAfter) => {
    const { ctx, post } = context();
    post.mockResolvedValueOnce({ status, data: '{"error":"busy"}', headers } as never);
    const err = await applyAuth(req, auth, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(kind);
    expect((err as Error).message).toBe(`oauth2 token request to https://auth.test/token failed with status ${status}`);
    if (retryAfter !== undefined) expect((err as HttpRetriableError).retryAfterMs).toBe(retryAfter);
  });

  test('a network fault on the token request is retriable and names no secret', async () => {
    const { ctx, post } = context();
    post.mockRejectedValueOnce(Object.assign(new Error('connect ECONNREFUSED secret'), { code: 'ECONNREFUSED' }));
    const err = await applyAuth(req, auth, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpRetriableError);
    expect((err as Error).message).toBe('oauth2 token request to https://auth.test/token failed: ECONNREFUSED');
  });
});
