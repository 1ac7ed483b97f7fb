/**
 * Tokens obtained at run time, per worker: OAuth2 access tokens (client credentials, refresh-token
 * grant) and session tokens from a login request (Airbyte's SessionTokenAuthenticator). Each token
 * request goes through the worker's HTTP client, the source's limiter and the activity's abort
 * signal like every other request, follows no redirect (the credentials go to the configured URL
 * only), and fails retriable on a network fault, 408, 429 or 5xx. Every token (and a rotated
 * refresh token) is handed to the secret scrubber the moment it arrives.
 */
import type { AxiosInstance } from 'axios';
import { HttpFatalError, HttpRetriableError, RestSyncError } from '../../errors';
import type { AuthSpec, Json, MaybeSecret, SessionTokenAuth } from '../../plan/types';
import { queryAll, walkKeys } from '../json-path';
import { resolveDeep, type SecretResolver } from '../secrets';
import { formEncode } from './body';
import { joinUrl, retryAfterMs } from './client';
import type { Limiter } from './limits';

type OAuth2 = Extract<AuthSpec, { type: 'oauth2_client_credentials' | 'oauth2_refresh_token' }>;

/** What a token request needs: the secrets, this call's client, limiter and signal, and the base URL a login path is relative to. */
export interface TokenContext {
  secrets: SecretResolver;
  http: AxiosInstance;
  limiter?: Limiter;
  signal?: AbortSignal;
  timeoutMs?: number;
  baseUrl?: string;
}

interface Cached {
  token: string;
  expiresAt: number;
  /** the refresh token the server rotated to, if it did */
  refreshToken?: string;
}

interface TokenRequest {
  what: string;
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers: Record<string, string>;
}

type TokenResponse = { status: number; data: unknown; headers?: unknown };

/** Token endpoint answers worth retrying, as for any request: a timeout, 429 and server errors. */
const RETRIABLE_TOKEN_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * The tokens of one worker, kept until 30 s before they expire. Created by createActivities, so
 * two workers in one process never share tokens; `invalidate` drops one after the API refused it
 * (a 401), so the request is retried once with a fresh token.
 */
export class OAuthTokens {
  private readonly cache = new Map<string, Cached>();

  /** The access or session token for `auth`, from the cache or a token request. */
  async get(auth: OAuth2 | SessionTokenAuth, ctx: TokenContext): Promise<string> {
    const key = cacheKey(auth, ctx);
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.token;
    const got = auth.type === 'session_token' ? await login(auth, ctx) : await this.oauth(auth, ctx, hit?.refreshToken);
    ctx.secrets.remember(got.token); // a secret the config never names: scrubbed like the others
    if (got.refreshToken) ctx.secrets.remember(got.refreshToken);
    if (got.expiresAt > Date.now()) this.cache.set(key, got);
    return got.token;
  }

  /** Forgets the token of `auth` (the API answered 401): the next `get` asks for a new one. A rotated refresh token is kept. */
  invalidate(auth: AuthSpec, ctx: TokenContext): void {
    if (!isTokenAuth(auth)) return;
    const key = cacheKey(auth, ctx);
    const hit = this.cache.get(key);
    if (hit) this.cache.set(key, { ...hit, expiresAt: 0 });
  }

  /** dlt's build_access_token_request: client credentials (or the refresh token) in the form body, then access_token_request_data. */
  private async oauth(auth: OAuth2, ctx: TokenContext, rotated?: string): Promise<Cached> {
    const val = (v: MaybeSecret) => (typeof v === 'string' ? v : ctx.secrets.resolve(v.$secret));
    const form: Record<string, Json> =
      auth.type === 'oauth2_client_credentials'
        ? { client_id: val(auth.clientId), client_secret: val(auth.clientSecret), grant_type: 'client_credentials' }
        : { grant_type: 'refresh_token', refresh_token: rotated ?? val(auth.refreshToken), client_id: val(auth.clientId), ...(auth.clientSecret ? { client_secret: val(auth.clientSecret) } : {}) };
    const body = formEncode({ ...form, ...(auth.accessTokenRequestData as Record<string, Json>) });
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const data = await tokenRequest({ what: 'oauth2 token request', url: auth.accessTokenUrl, method: 'POST', body, headers }, ctx);
    const token = data?.access_token;
    if (typeof token !== 'string' || token === '') throw new HttpFatalError(`oauth2 token request to ${auth.accessTokenUrl}: the answer has no access_token`);
    const ttl = Number(data?.expires_in ?? auth.defaultTokenExpiration ?? 3600);
    const next = data?.refresh_token;
    return { token, expiresAt: Date.now() + Math.max(ttl - 30, 1) * 1000, ...(typeof next === 'string' && next ? { refreshToken: next } : {}) };
  }
}

/** Whether `auth` obtains its token at run time (and a 401 may mean the token expired). */
export function isTokenAuth(auth: AuthSpec): auth is OAuth2 | SessionTokenAuth {
  return auth.type === 'oauth2_client_credentials' || auth.type === 'oauth2_refresh_token' || auth.type === 'session_token';
}

/** One cache entry per token endpoint and client (or login request as configured: references, never values). */
function cacheKey(auth: OAuth2 | SessionTokenAuth, ctx: TokenContext): string {
  if (auth.type === 'session_token') return `session ${joinUrl(ctx.baseUrl ?? '', auth.login.url)} ${JSON.stringify(auth.login)}`;
  const id = typeof auth.clientId === 'string' ? auth.clientId : ctx.secrets.resolve(auth.clientId.$secret);
  return `${auth.type} ${auth.accessTokenUrl} ${id}`;
}

/** The login request of a session token; the token at `tokenPath` of its JSON answer. */
async function login(auth: SessionTokenAuth, ctx: TokenContext): Promise<Cached> {
  const l = auth.login;
  const url = joinUrl(ctx.baseUrl ?? '', l.url);
  const headers = resolveDeep(l.headers as Json, ctx.secrets) as Record<string, string>;
  let body: string | undefined;
  if (l.json !== undefined) {
    body = JSON.stringify(resolveDeep(l.json, ctx.secrets));
    headers['content-type'] ??= 'application/json';
  } else if (l.data !== undefined) {
    body = formEncode(resolveDeep(l.data as Json, ctx.secrets) as Record<string, Json>);
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  const data = await tokenRequest({ what: 'session token login', url, method: l.method, body, headers }, ctx);
  const found = Array.isArray(auth.tokenPath) ? walkKeys(data, auth.tokenPath) : queryAll(data, auth.tokenPath)[0];
  if (typeof found !== 'string' && typeof found !== 'number') {
    throw new HttpFatalError(`session token login to ${url}: no token at session_token_path ${JSON.stringify(auth.tokenPath)} in the answer`);
  }
  const ttl = auth.expiresInSeconds;
  return { token: String(found), expiresAt: ttl === undefined ? 0 : Date.now() + Math.max(ttl - 30, 1) * 1000 };
}

/** Sends a token request through the limiter and reads its JSON answer; failures are classified like any request's. */
async function tokenRequest(r: TokenRequest, ctx: TokenContext): Promise<Record<string, unknown> | undefined> {
  const call = () =>
    ctx.http.request<string>({
      method: r.method,
      url: r.url,
      data: r.body,
      headers: r.headers,
      validateStatus: () => true,
      maxRedirects: 0,
      signal: ctx.signal,
      timeout: ctx.timeoutMs,
    });
  let res: TokenResponse;
  try {
    res = ctx.limiter ? await ctx.limiter.schedule(call) : await call();
  } catch (err) {
    if (ctx.signal?.aborted || err instanceof RestSyncError) throw err;
    throw new HttpRetriableError(`${r.what} to ${r.url} failed: ${(err as { code?: string }).code ?? 'network error'}`);
  }
  if (res.status >= 400) {
    const message = `${r.what} to ${r.url} failed with status ${res.status}`;
    if (RETRIABLE_TOKEN_STATUS(res.status)) throw new HttpRetriableError(message, res.status, retryAfterMs(headerText(res.headers, 'retry-after')));
    throw new HttpFatalError(message, res.status);
  }
  return jsonBody(res.data);
}

/** One response header as text (axios headers, or none in a test double). */
function headerText(headers: unknown, name: string): string | undefined {
  const v = (headers as Record<string, unknown> | undefined)?.[name];
  return v === undefined || v === null ? undefined : String(v);
}

/** A token endpoint's JSON answer (the worker's client hands bodies over as text). */
function jsonBody(data: unknown): Record<string, unknown> | undefined {
  if (typeof data !== 'string') return data as Record<string, unknown> | undefined;
  try {
    return JSON.parse(data) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
