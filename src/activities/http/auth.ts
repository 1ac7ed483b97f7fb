/** Auth applied to each request (never stored), and the paginator tokens made fit to store. */
import { DataError } from '../../errors';
import type { AuthSpec, Json, MaybeSecret } from '../../plan/types';
import type { RequestSpec } from '../paginators/types';
import { mapJsonStrings } from '../../plan/json-walk';
import { holdsSecret } from '../secrets';
import type { OAuthTokens, TokenContext } from './tokens';
import { originOf, publicUrl } from './urls';

type Resolved = (v: MaybeSecret) => string;

export { OAuthTokens, isTokenAuth } from './tokens';

/** What applying auth needs besides the request: the secrets, and for token auths the worker's token cache and this call's client, limiter and signal. */
export interface AuthContext extends TokenContext {
  tokens: OAuthTokens;
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
    case 'oauth2_client_credentials':
    case 'oauth2_refresh_token':
      headers.authorization = `Bearer ${await ctx.tokens.get(auth, ctx)}`;
      return { ...req, headers };
    case 'session_token': {
      const value = auth.inject.template.replace(/\{\{\s*session_token\s*\}\}/g, await ctx.tokens.get(auth, ctx));
      if (auth.inject.in === 'query') return { ...req, params: { ...req.params, [auth.inject.name]: value } };
      headers[auth.inject.name.toLowerCase()] = value;
      return { ...req, headers };
    }
  }
}

/** The query params auth puts on every request (an api_key in the query string). */
export function authParamNames(auth: AuthSpec): string[] {
  if (auth.type === 'session_token' && auth.inject.in === 'query') return [auth.inject.name];
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
