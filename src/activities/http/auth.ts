import axios from 'axios';
import { ConfigError, HttpFatalError } from '../../errors';
import type { AuthSpec, MaybeSecret } from '../../plan/types';
import type { RequestSpec } from '../paginators/types';
import type { SecretResolver } from '../secrets';

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
