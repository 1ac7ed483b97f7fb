import type { Knex } from 'knex';
import type { RateLimitSpec } from '../../plan/types';
import { FlightSlots, SlotHolder } from '../store/flight-slots';
import { hintOf } from './limit-hints';
import { LATE_MS, RateSchedule, gcraOf } from '../store/rate-schedule';

/** What a limiter waits on: the source's schedule and slots, and a pause the server asked for. */
export interface Limiter {
  schedule<T>(fn: () => Promise<T>): Promise<T>;
  /** reads an answer's rate-limit hints; a 429 or an exhausted budget pauses every request of the source */
  observe(status: number, headers: Record<string, string>): void;
}

export interface LimitSpec {
  rateLimit?: RateLimitSpec;
  maxConcurrency?: number;
}

/** A request that woke late this many times in a row goes anyway (a starved process must progress). */
const MAX_LATE_RETAKES = 3;
/** How long before its slot a request looks for a pause (the look is a round trip to Postgres). */
const PAUSE_CHECK_AHEAD_MS = 25;

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/**
 * One source's limits, held in Postgres so they bind every worker of a deployment: the rate
 * (a shared GCRA schedule, see rate-schedule.ts), requests in flight (flight-slots.ts), and the
 * server's pauses (429 with Retry-After, `RateLimit-Remaining: 0` until the reset), which move the
 * shared schedule. A source with neither `rate_limit` nor `max_concurrency` costs no round trip:
 * its pauses hold in this process only.
 */
class SourceLimiter implements Limiter {
  private pausedUntil = 0;
  private pauseWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: LimitSpec,
    private readonly shared: RateSchedule | undefined,
    private readonly slots: FlightSlots | undefined,
    private readonly onPause: (ms: number, why: string) => void,
  ) {}

  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.shared) {
      await sleep(this.pausedUntil - Date.now());
      return fn();
    }
    const slot = await this.slots?.acquire();
    try {
      await (this.spec.rateLimit ? this.rateSlot(this.spec.rateLimit) : this.pauseEnd());
      return await fn();
    } finally {
      if (slot !== undefined) await this.slots!.release(slot);
    }
  }

  observe(status: number, headers: Record<string, string>): void {
    const now = Date.now();
    const hint = hintOf(status, headers, now);
    if (!hint || now + hint.ms <= this.pausedUntil) return;
    this.pausedUntil = now + hint.ms;
    this.onPause(hint.ms, hint.why);
    const shared = this.shared;
    if (shared) this.pauseWrite = this.pauseWrite.then(() => shared.pause(hint.ms, this.spec.rateLimit)).catch(() => undefined);
  }

  /**
   * Takes the next slot of the shared schedule and sleeps until it. Shortly before the slot it
   * looks for a pause that began meanwhile (another worker's 429) and, if so, takes a slot after
   * it. Waking more than LATE_MS after the slot (a busy event loop) also means a new slot: a late
   * request would crowd the next second.
   */
  private async rateSlot(spec: RateLimitSpec): Promise<void> {
    for (let late = 0; ; ) {
      await this.pauseWrite;
      const { waitMs, slotAt } = await this.shared!.reserve(spec);
      const due = waitMs <= 0 && this.pausedUntil <= Date.now();
      // within a burst, a slot already due goes at once: lateness inside the burst tolerance is what
      // the burst allows; with burst 1 (the default) every request keeps to its slot
      if (due && spec.burst > 1 && performance.now() - slotAt <= LATE_MS + gcraOf(spec).toleranceMs) return;
      if (!due) {
        await sleep(slotAt - PAUSE_CHECK_AHEAD_MS - performance.now());
        const paused = await this.pausedMs();
        if (paused > 0) {
          await sleep(paused);
          continue;
        }
        await sleep(slotAt - performance.now());
      }
      if (performance.now() - slotAt <= LATE_MS || ++late > MAX_LATE_RETAKES) return;
    }
  }

  /** Without a rate: waits out the source's pause, wherever it was observed. */
  private async pauseEnd(): Promise<void> {
    await this.pauseWrite;
    for (let ms = await this.pausedMs(); ms > 0; ms = await this.pausedMs()) await sleep(ms);
  }

  private async pausedMs(): Promise<number> {
    return Math.max(this.pausedUntil - Date.now(), await this.shared!.pausedFor());
  }
}

/** The limit key of a source: its dataset and base_url origin (a limit is the API's, per client). */
export function sourceKey(dataset: string, baseUrl: string): string {
  let origin = baseUrl;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    // validated at plan time; keep the text as it is
  }
  return `${dataset} ${origin}`;
}

/** The limiters of one worker process; their state lives in Postgres, shared by every worker. */
export class Limits {
  private readonly byKey = new Map<string, SourceLimiter>();
  private readonly holder: SlotHolder;

  constructor(
    private readonly db: Knex,
    private readonly log?: (message: string) => void,
  ) {
    this.holder = new SlotHolder(db);
  }

  /** The limiter of a source (and, nested in it, of a resource with its own settings). */
  get(dataset: string, client: LimitSpec & { baseUrl: string }, resource?: { name: string } & LimitSpec): Limiter {
    const source = sourceKey(dataset, client.baseUrl);
    const outer = this.limiter(source, client);
    if (!resource || (!resource.rateLimit && !resource.maxConcurrency)) return outer;
    const inner = this.limiter(`${source}/${resource.name}`, resource);
    return {
      schedule: (fn) => inner.schedule(() => outer.schedule(fn)),
      observe: (s, h) => outer.observe(s, h),
    };
  }

  private limiter(key: string, spec: LimitSpec): SourceLimiter {
    const { rateLimit, maxConcurrency } = spec;
    const id = `${key} ${JSON.stringify([rateLimit, maxConcurrency])}`; // a changed config gets a limiter of its own
    let l = this.byKey.get(id);
    if (!l) {
      const limited = rateLimit !== undefined || maxConcurrency !== undefined;
      l = new SourceLimiter(
        { rateLimit, maxConcurrency },
        limited ? new RateSchedule(this.db, key) : undefined,
        maxConcurrency !== undefined ? new FlightSlots(this.db, key, maxConcurrency, this.holder) : undefined,
        (ms, why) => this.log?.(`source ${key}: ${why}`),
      );
      this.byKey.set(id, l);
    }
    return l;
  }
}
