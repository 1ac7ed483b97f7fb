/**
 * The client part of the plan: base URL, headers, auth and timeout. Secrets stay `{ $secret }`
 * references; only activities resolve them. Pure.
 */
import type { AuthConfig, SourceConfig } from '../config/schema';
import { quoteBrief } from '../config/json-path-syntax';
import { isoDurationSeconds } from '../config/request-rules';
import { ConfigError } from '../errors';
import { textOf } from './config-params';
import type { AuthSpec, ClientPlan, Json, MaybeSecret, RateLimitSpec, SessionTokenAuth } from './types';

/** Request timeout when the config sets none: long enough for slow APIs, short enough to retry. */
export const DEFAULT_TIMEOUT_MS = 60_000;

type SecretText = string | { $secret: string } | { $param: string };

/** A value that may be a secret; `$param`s are already filled by then. */
function secret(value: SecretText): MaybeSecret {
  return typeof value === 'object' && '$secret' in value ? { $secret: value.$secret } : textOf(value as string);
}

/** Header values keep their secret references. */
export function headersOf(headers: Record<string, SecretText> | undefined): Record<string, MaybeSecret> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, secret(v)]));
}

/** dlt auth config to AuthSpec; `basic` is `http_basic`, api_key location `param` is `query`. */
export function authOf(auth: AuthConfig | null | undefined): AuthSpec {
  if (!auth) return { type: 'none' };
  switch (auth.type) {
    case undefined:
    case 'bearer':
      return { type: 'bearer', token: secret(auth.token) };
    case 'api_key':
      return {
        type: 'api_key',
        name: auth.name !== undefined ? textOf(auth.name) : 'Authorization',
        apiKey: secret(auth.api_key),
        location: auth.location === 'param' ? 'query' : (auth.location ?? 'header'),
      };
    case 'http_basic':
    case 'basic':
      return { type: 'http_basic', username: secret(auth.username), password: secret(auth.password) };
    case 'oauth2_client_credentials':
      return {
        type: 'oauth2_client_credentials',
        accessTokenUrl: textOf(auth.access_token_url),
        clientId: secret(auth.client_id),
        clientSecret: secret(auth.client_secret),
        ...(auth.access_token_request_data ? { accessTokenRequestData: auth.access_token_request_data as Record<string, Json> } : {}),
        ...(auth.default_token_expiration !== undefined ? { defaultTokenExpiration: auth.default_token_expiration } : {}),
      };
    case 'oauth2_refresh_token':
      return {
        type: 'oauth2_refresh_token',
        accessTokenUrl: textOf(auth.access_token_url),
        clientId: secret(auth.client_id),
        ...(auth.client_secret !== undefined ? { clientSecret: secret(auth.client_secret) } : {}),
        refreshToken: secret(auth.refresh_token),
        ...(auth.access_token_request_data ? { accessTokenRequestData: auth.access_token_request_data as Record<string, Json> } : {}),
        ...(auth.default_token_expiration !== undefined ? { defaultTokenExpiration: auth.default_token_expiration } : {}),
      };
    case 'session_token':
    case 'SessionTokenAuthenticator':
      return sessionTokenOf(auth);
  }
}

type SessionConfig = Extract<NonNullable<AuthConfig>, { type: 'session_token' | 'SessionTokenAuthenticator' }>;

/** Airbyte's SessionTokenAuthenticator as a plan: the login request, where the token is and where it goes. */
function sessionTokenOf(auth: SessionConfig): SessionTokenAuth {
  const l = auth.login_requester;
  const ra = auth.request_authentication;
  const inject: SessionTokenAuth['inject'] =
    ra?.type === 'ApiKey'
      ? { in: ra.inject_into.inject_into === 'header' ? 'header' : 'query', name: ra.inject_into.field_name, template: ra.api_token ?? '{{ session_token }}' }
      : { in: 'header', name: 'Authorization', template: 'Bearer {{ session_token }}' };
  const expires = auth.expiration_duration;
  return {
    type: 'session_token',
    login: {
      url: textOf((l.url ?? l.path)!),
      method: (l.http_method ?? 'POST').toUpperCase() as 'GET' | 'POST',
      ...(l.request_body_json ? { json: l.request_body_json as Json } : {}),
      ...(l.request_body_data ? { data: Object.fromEntries(Object.entries(l.request_body_data).map(([k, v]) => [k, secret(v)])) } : {}),
      headers: headersOf(l.request_headers),
    },
    tokenPath: auth.session_token_path,
    ...(expires !== undefined ? { expiresInSeconds: typeof expires === 'number' ? expires : isoDurationSeconds(expires)! } : {}),
    inject,
  };
}

/** base_url must be an http(s) URL with a host: anything else could never be fetched. */
function checkBaseUrl(baseUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.hostname === '') {
    throw new ConfigError(`expected an http:// or https:// URL with a host, got ${quoteBrief(baseUrl)}`, 'client.base_url');
  }
}

/** The client plan; a missing or empty base_url is a ConfigError. */
export function clientOf(config: SourceConfig): ClientPlan {
  const client = config.client as Partial<SourceConfig['client']> | undefined;
  const baseUrl = client?.base_url !== undefined ? textOf(client.base_url).trim() : '';
  if (baseUrl === '') throw new ConfigError('base_url is required: the URL every resource path is relative to', 'client.base_url');
  checkBaseUrl(baseUrl);
  return {
    baseUrl,
    headers: headersOf(client?.headers),
    auth: authOf(client?.auth),
    timeoutMs: client?.timeout !== undefined ? Math.round(client.timeout * 1000) : DEFAULT_TIMEOUT_MS,
    ...(client?.max_response_bytes !== undefined ? { maxResponseBytes: client.max_response_bytes } : {}),
    ...limitsOf(client ?? {}),
  };
}

/** `rate_limit` (a number is requests per second; burst defaults to 1: no second ever sees more than the rate) and `max_concurrency`. */
export function limitsOf(c: { rate_limit?: number | { requests_per_second: number; burst?: number }; max_concurrency?: number }): {
  rateLimit?: RateLimitSpec;
  maxConcurrency?: number;
} {
  const rl = c.rate_limit;
  const rps = typeof rl === 'number' ? rl : rl?.requests_per_second;
  const burst = typeof rl === 'number' ? undefined : rl?.burst;
  return {
    ...(rps !== undefined ? { rateLimit: { requestsPerSecond: rps, burst: burst ?? 1 } } : {}),
    ...(c.max_concurrency !== undefined ? { maxConcurrency: c.max_concurrency } : {}),
  };
}
