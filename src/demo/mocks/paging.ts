import type { MockGuard, MockRequest, MockResponse } from './server';

/**
 * Pieces the seed mocks share: the auth schemes and page shapes of public APIs that the seed
 * documents describe, kept here so each seed's mock only lists its routes and data.
 */

/** HTTP basic auth as APIs do it: 401 with a challenge without the right credentials. */
export function basicGuard(username: string, password: string): MockGuard {
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return (req) =>
    req.headers.authorization === expected
      ? undefined
      : { status: 401, headers: { 'www-authenticate': 'Basic realm="api"' }, body: { message: 'unauthorized' } };
}

/** An API key in a request header (`name` as sent; Node lower-cases incoming header names). */
export function headerKeyGuard(name: string, key: string): MockGuard {
  return (req) => (req.headers[name.toLowerCase()] === key ? undefined : { status: 401, body: { message: 'You must log in first.' } });
}

/** A positive integer query param (first of several spellings), or `fallback`. */
export function intParam(req: MockRequest, names: string[], fallback: number): number {
  for (const n of names) {
    const v = req.query.get(n);
    if (v !== null && /^\d+$/.test(v)) return Number(v);
  }
  return fallback;
}

/**
 * Time-cursor pages (Vercel style): rows newest first, `until` (exclusive, epoch ms) from the
 * previous page's `pagination.next`, `limit` capped at `cap` (also the default). The last page
 * has `next: null`.
 */
export function untilPage(rows: Array<Record<string, unknown> & { createdAt: number }>, req: MockRequest, key: string, cap: number): MockResponse {
  const limit = Math.min(intParam(req, ['limit'], cap), cap);
  const until = req.query.get('until');
  const from = until === null ? rows : rows.filter((r) => r.createdAt < Number(until));
  const page = from.slice(0, limit);
  const next = from.length > page.length && page.length > 0 ? page[page.length - 1].createdAt : null;
  return { body: { [key]: page, pagination: { count: page.length, next, prev: page[0]?.createdAt ?? null } } };
}

/**
 * Opaque-token pages (CircleCI style): `{ items, next_page_token }`, `page-token` from the
 * previous page, a fixed page size; an unknown token is a 400 as the real API answers.
 */
export function tokenPage(rows: unknown[], req: MockRequest, size: number): MockResponse {
  const token = req.query.get('page-token');
  const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^p:/, ''));
  if (!Number.isInteger(start) || start < 0 || start > rows.length) return { status: 400, body: { message: 'invalid page token' } };
  const end = start + size;
  const next = end < rows.length ? Buffer.from(`p:${end}`).toString('base64url') : null;
  return { body: { items: rows.slice(start, end), next_page_token: next } };
}

/**
 * A transient fault, answered once per server for each listed key (`key` → status): a 429 with
 * `Retry-After: 1` as rate limiters send it, or a proxy's HTML error page for a 5xx. `served`
 * records the keys answered so far; undefined means no fault for this request.
 */
export function faultOnce(faults: Record<string, number>, served: string[], key: string): MockResponse | undefined {
  const status = faults[key];
  if (!status || served.includes(key)) return undefined;
  served.push(key);
  return status === 429
    ? { status, headers: { 'retry-after': '1' }, body: { message: 'rate limit exceeded' } }
    : { status, raw: `<html><body>${status} Service Temporarily Unavailable</body></html>` };
}
