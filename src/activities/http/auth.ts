import type { AxiosInstance } from 'axios';
import { DataError, HttpFatalError, HttpRetriableError, RestSyncError } from '../../errors';
import type { AuthSpec, Json, MaybeSecret } from '../../plan/types';
import type { RequestSpec } from '../paginators/types';
import { mapJsonStrings } from '../../plan/json-walk';
import { holdsSecret, type SecretResolver } from '../secrets';
import { retryAfterMs } from './client';
import type { Limiter } from './limits';
import { originOf, publicUrl } from './urls';

type Resolved = (v: MaybeSecret) => string;
type OAuth2 = Extract<AuthSpec, { type: 'oauth2_client_credentials' }>;

/** What applying auth needs besides the request: the secrets, and for OAuth2 the worker's token cache and this call's client, limiter and signal. */
export interface AuthContext {
  secrets: SecretResolver;
  tokens: OAuthTokens;
  http: AxiosInstance;
  limiter?: Limiter;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * OAuth2 client credentials tokens of one worker (one per client, kept until shortly before
 * expiry). Created by createActivities, so two workers in one process never share tokens. The
 * token request goes through the worker's HTTP client, the source's limiter and the activity's
 * abort signal, like every other request.
 */
export class OAuthTokens {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();

  async get(auth: OAuth2, val: Resolved, ctx: AuthContext): Promise<string> {
    const clientId = val(auth.clientId);
    const key = `${auth.accessTokenUrl} ${clientId}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.token;
    // dlt's build_access_token_request: the client credentials in the form body, then access_token_request_data
    const body = new URLSearchParams({
      client_id: clientId,
      client_secret: val(auth.clientSecret),
      grant_type: 'client_credentials',
      ...(auth.accessTokenRequestData as Record<string, string>),
    });
    const post = () =>
      ctx.http.post<string>(auth.accessTokenUrl, body.toString(), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        validateStatus: () => true,
        maxRedirects: 0, // the client secret goes to the configured token URL only, never where it redirects
        signal: ctx.signal,
        timeout: ctx.timeoutMs,
      });
    const res = await tokenRequest(auth, ctx, post);
    const data = tokenBody(res.data);
    if (res.status >= 400 || typeof data?.access_token !== 'string') {
      const message = `oauth2 token request to ${auth.accessTokenUrl} failed with status ${res.status}`;
      if (RETRIABLE_TOKEN_STATUS(res.status)) throw new HttpRetriableError(message, res.status, retryAfterMs(headerText(res.headers, 'retry-after')));
      throw new HttpFatalError(message, res.status);
    }
    const ttl = Number(data.expires_in ?? auth.defaultTokenExpiration ?? 3600);
    this.cache.set(key, { token: data.access_token, expiresAt: Date.now() + Math.max(ttl - 30, 1) * 1000 });
    return data.access_token;
  }
}

/** Token endpoint answers worth retrying, as for any request: a timeout, 429 and server errors. */
const RETRIABLE_TOKEN_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

type TokenResponse = { status: number; data: unknown; headers?: unknown };

/** Sends the token request through the limiter; a network fault is retriable like any request's (an abort stays an abort). */
async function tokenRequest(auth: OAuth2, ctx: AuthContext, post: () => Promise<TokenResponse>): Promise<TokenResponse> {
  try {
    return ctx.limiter ? await ctx.limiter.schedule(post) : await post();
  } catch (err) {
    if (ctx.signal?.aborted || err instanceof RestSyncError) throw err;
    const code = (err as { code?: string }).code ?? 'network error';
    throw new HttpRetriableError(`oauth2 token request to ${auth.accessTokenUrl} failed: ${code}`);
  }
}

/** One response header as text (axios headers, or none in a test double). */
function headerText(headers: unknown, name: string): string | undefined {
  const v = (headers as Record<string, unknown> | undefined)?.[name];
  return v === undefined || v === null ? undefined : String(v);
}

/** The token endpoint's JSON answer (the worker's client hands bodies over as text). */
function tokenBody(data: unknown): { access_token?: unknown; expires_in?: unknown } | undefined {
  if (typeof data !== 'string') return data as { access_token?: unknown } | undefined;
  try {
    return JSON.parse(data) as { access_token?: unknown };
  } catch {
    return undefined;
  }
}

/** Adds credentials to a request; the secret values exist only in the returned request. */
export async function applyAuth(req: RequestSpec, auth: AuthSpec, ctx: AuthContext): Promise<RequestSpec> {
  const { secrets } = ctx;
  const val: Resolved = (v) => (typeof v === 'string' ? v : secrets.resolve(v.$secret));
  const headers = { ...req.headers };
  switch (auth.type) {
    case 'none':
      return req;
    case 'bearer':
      headers.authorization = `Bearer ${val(auth.token)}`;
      return { ...req, headers };
    case 'http_basic': {
      // the encoded pair is scrubbed too: an API that echoes the header would reveal the password
      const pair = Buffer.from(`${val(auth.username)}:${val(auth.password)}`).toString('base64');
      secrets.remember(pair);
      headers.authorization = `Basic ${pair}`;
      return { ...req, headers };
    }
    case 'api_key': {
      const key = val(auth.apiKey);
      if (auth.location === 'query') return { ...req, params: { ...req.params, [auth.name]: key } };
      if (auth.location === 'cookie') {
        headers.cookie = [headers.cookie, `${auth.name}=${key}`].filter(Boolean).join('; ');
      } else headers[auth.name.toLowerCase()] = key;
      return { ...req, headers };
    }
    case 'oauth2_client_credentials': {
      const token = await ctx.tokens.get(auth, val, ctx);
      secrets.remember(token); // a secret the config never names: scrubbed like the others
      headers.authorization = `Bearer ${token}`;
      return { ...req, headers };
    }
  }
}

/** The query params auth puts on every request (an api_key in the query string). */
export function authParamNames(auth: AuthSpec): string[] {
  return auth.type === 'api_key' && auth.location === 'query' ? [auth.name] : [];
}

/**
 * A paginator token fit to commit and return: every URL in it without the auth params and
 * without params holding a secret (an API's next link often repeats the query, key included).
 * The key is applied again to each request, once. A secret anywhere else in the token (a path
 * segment, a cursor) cannot be removed safely: the page fails rather than store it.
 */
export function publicToken<T extends Json>(token: T, auth: AuthSpec, secrets: string[]): T {
  const names = authParamNames(auth);
  const out = mapJsonStrings(token, (v) => (originOf(v) ? publicUrl(v, names, secrets) : v)) as T;
  if (holdsSecret(JSON.stringify(out), secrets)) {
    throw new DataError('the next page token holds a secret value outside a query parameter (the API echoes a credential); it is not stored');
  }
  return out;
}
