import axios from 'axios';
import { ConfigError, DataError, HttpFatalError } from '../../errors';
import type { AuthSpec, Json, MaybeSecret } from '../../plan/types';
import type { RequestSpec } from '../paginators/types';
import { holdsSecret, type SecretResolver } from '../secrets';
import { originOf, publicUrl } from './urls';

type Resolved = (v: MaybeSecret) => string;

const tokenCache = new Map<string, { token: string; expiresAt: number }>();

/** OAuth2 client credentials: one token per client, cached in the worker until shortly before expiry. */
async function oauthToken(auth: Extract<AuthSpec, { type: 'oauth2_client_credentials' }>, val: Resolved): Promise<string> {
  const clientId = val(auth.clientId);
  const key = `${auth.accessTokenUrl} ${clientId}`;
  const hit = tokenCache.get(key);
  if (hit && hit.expiresAt > Date.now()) return hit.token;
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...(auth.accessTokenRequestData as Record<string, string>) });
  const res = await axios.post(auth.accessTokenUrl, body.toString(), {
    auth: { username: clientId, password: val(auth.clientSecret) },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    validateStatus: () => true,
    maxRedirects: 0, // the client secret goes to the configured token URL only, never where it redirects
  });
  if (res.status >= 400 || typeof res.data?.access_token !== 'string') {
    throw new HttpFatalError(`oauth2 token request to ${auth.accessTokenUrl} failed with status ${res.status}`, res.status);
  }
  const ttl = Number(res.data.expires_in ?? auth.defaultTokenExpiration ?? 3600);
  tokenCache.set(key, { token: res.data.access_token, expiresAt: Date.now() + Math.max(ttl - 30, 1) * 1000 });
  return res.data.access_token;
}

/** Adds credentials to a request; the secret values exist only in the returned request. */
export async function applyAuth(req: RequestSpec, auth: AuthSpec, secrets: SecretResolver): Promise<RequestSpec> {
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
      const token = await oauthToken(auth, val);
      secrets.remember(token); // a secret the config never names: scrubbed like the others
      headers.authorization = `Bearer ${token}`;
      return { ...req, headers };
    }
    default:
      throw new ConfigError(`unknown auth type ${(auth as { type: string }).type}`, 'client.auth.type');
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
  const clean = (v: Json): Json => {
    if (typeof v === 'string') return originOf(v) ? publicUrl(v, names, secrets) : v;
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)]));
    return v;
  };
  const out = clean(token) as T;
  if (holdsSecret(JSON.stringify(out), secrets)) {
    throw new DataError('the next page token holds a secret value outside a query parameter (the API echoes a credential); it is not stored');
  }
  return out;
}
