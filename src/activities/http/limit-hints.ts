import { retryAfterMs } from './client';

/** Milliseconds until a RateLimit/X-RateLimit reset: delta seconds, or an epoch timestamp. */
function resetMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000; // epoch seconds vs delta seconds
}

/** The pause an answer asks for: Retry-After on a 429, or until the reset when no request is left. */
export function hintOf(status: number, headers: Record<string, string>, now: number): { ms: number; why: string } | undefined {
  const reset = resetMs(headers['ratelimit-reset'] ?? headers['x-ratelimit-reset'], now);
  if (status === 429) {
    const ms = retryAfterMs(headers['retry-after'], now) ?? reset ?? 1000;
    return { ms, why: `HTTP 429, waiting ${ms} ms` };
  }
  const remaining = headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining'];
  if (remaining === undefined || Number(remaining) > 0) return undefined;
  return { ms: reset ?? 1000, why: `rate limit remaining 0, waiting ${reset ?? 1000} ms for the reset` };
}
