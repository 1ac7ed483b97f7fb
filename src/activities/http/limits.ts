import Bottleneck from 'bottleneck';
import type { RateLimitSpec } from '../../plan/types';
import { retryAfterMs } from './client';

const TICK_MS = 50;

/** What a limiter waits on: its own budget, and a pause the server asked for. */
export interface Limiter {
  schedule<T>(fn: () => Promise<T>): Promise<T>;
  /** reads an answer's rate-limit hints; a 429 or an exhausted budget pauses every request of the source */
  observe(status: number, headers: Record<string, string>): void;
}

export interface LimitSpec {
  rateLimit?: RateLimitSpec;
  maxConcurrency?: number;
}

/** Seconds until a RateLimit/X-RateLimit reset: delta seconds, or an epoch timestamp. */
function resetMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000; // epoch seconds vs delta seconds
}

/**
 * One limiter per source per worker process: a token bucket (`rate_limit`: requests per second
 * with a burst) and a cap on requests in flight (`max_concurrency`), shared by every window and
 * child of the source, plus pauses from the server: Retry-After on a 429, and
 * `RateLimit-Remaining: 0` / `X-RateLimit-Remaining: 0` until the reset, before a 429 happens.
 */
class SourceLimiter implements Limiter {
  private pausedUntil = 0;
  private readonly bottleneck?: Bottleneck;

  constructor(
    spec: LimitSpec,
    private readonly onPause: (ms: number, why: string) => void,
  ) {
    const rl = spec.rateLimit;
    if (!rl && !spec.maxConcurrency) return;
    // Bottleneck refills its reservoir once per heartbeat: refill `rps × tick` every tick.
    const perTick = rl ? (rl.requestsPerSecond * TICK_MS) / 1000 : 0;
    const burst = rl ? Math.max(1, Math.floor(rl.burst), perTick) : undefined;
    this.bottleneck = new Bottleneck({
      maxConcurrent: spec.maxConcurrency ?? null,
      ...(rl
        ? {
            reservoir: burst,
            reservoirIncreaseAmount: perTick,
            reservoirIncreaseInterval: TICK_MS,
            reservoirIncreaseMaximum: burst,
            heartbeatInterval: TICK_MS,
          }
        : {}),
    });
  }

  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      for (let wait = this.pausedUntil - Date.now(); wait > 0; wait = this.pausedUntil - Date.now()) {
        await new Promise((r) => setTimeout(r, wait));
      }
      return fn();
    };
    return this.bottleneck ? this.bottleneck.schedule(run) : run();
  }

  observe(status: number, headers: Record<string, string>): void {
    const now = Date.now();
    if (status === 429) {
      const ms = retryAfterMs(headers['retry-after'], now) ?? resetMs(headers['ratelimit-reset'] ?? headers['x-ratelimit-reset'], now) ?? 1000;
      this.pause(now + ms, `HTTP 429, waiting ${ms} ms`);
      return;
    }
    const remaining = headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining'];
    if (remaining !== undefined && Number(remaining) <= 0) {
      const ms = resetMs(headers['ratelimit-reset'] ?? headers['x-ratelimit-reset'], now) ?? 1000;
      this.pause(now + ms, `rate limit remaining 0, waiting ${ms} ms for the reset`);
    }
  }

  private pause(until: number, why: string): void {
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.onPause(until - Date.now(), why);
  }
}

/** The limiters of one worker process, by source. */
export class Limits {
  private readonly bySource = new Map<string, SourceLimiter>();

  constructor(private readonly log?: (message: string) => void) {}

  /** The limiter of a source (and, nested in it, of a resource with its own settings). */
  get(source: string, spec: LimitSpec, resource?: { name: string } & LimitSpec): Limiter {
    const outer = this.limiter(source, spec);
    if (!resource || (!resource.rateLimit && !resource.maxConcurrency)) return outer;
    const inner = this.limiter(`${source}/${resource.name}`, resource);
    return {
      schedule: (fn) => inner.schedule(() => outer.schedule(fn)),
      observe: (s, h) => outer.observe(s, h),
    };
  }

  private limiter(key: string, spec: LimitSpec): SourceLimiter {
    let l = this.bySource.get(key);
    if (!l) {
      l = new SourceLimiter(spec, (ms, why) => this.log?.(`source ${key}: ${why}`));
      this.bySource.set(key, l);
    }
    return l;
  }
}
