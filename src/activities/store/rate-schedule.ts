import type { Knex } from 'knex';
import type { RateLimitSpec } from '../../plan/types';
import { RATES, ensureLimitTables } from './limit-tables';

/**
 * Slack per second of schedule: requests are spaced (1 s + SLACK_MS) / R apart, so R of them span
 * more than a second even when an earlier one leaves up to SLACK_MS after its slot and a later one
 * on time. Together with LATE_MS (a request that wakes later than that takes a new slot) it keeps
 * "at most R in any second" true as the API measures it, at 4.8% below R: with several worker
 * processes sharing 2 cores, a request may reach the API's clock tens of ms after its slot.
 */
export const SLACK_MS = 50;
export const LATE_MS = 10;

const MS = `* interval '1 millisecond'`;

/** GCRA's constants for a rate: the emission interval T and the burst tolerance τ = (burst − 1)·T. */
export function gcraOf(spec: RateLimitSpec): { intervalMs: number; toleranceMs: number } {
  const intervalMs = (1000 + SLACK_MS) / spec.requestsPerSecond;
  return { intervalMs, toleranceMs: (Math.max(1, spec.burst) - 1) * intervalMs };
}

/**
 * A source's schedule, one row in Postgres shared by every worker (GCRA, virtual scheduling).
 * Each request takes the next slot with one statement: `tat = greatest(tat, now) + T`, its slot
 * being the old `greatest(tat, now) − τ`. Only Postgres' clock is read, so the workers' clocks
 * may disagree; the caller sleeps the returned delay. A server's pause pushes the schedule past its
 * end, for every worker, and is kept in `paused_until` for requests already holding a slot.
 */
export class RateSchedule {
  constructor(
    private readonly db: Knex,
    private readonly key: string,
  ) {}

  /**
   * Takes the next slot of the schedule: `waitMs` until it, and `slotAt`, the slot in this
   * process' `performance.now()`: when the statement left (after the pool gave a connection), plus
   * the time it queued in Postgres for the row, plus the wait. A response read late by a busy event
   * loop thus shows as lateness.
   */
  async reserve(spec: RateLimitSpec): Promise<{ waitMs: number; slotAt: number }> {
    const { intervalMs: t, toleranceMs: tau } = gcraOf(spec);
    await ensureLimitTables(this.db);
    let sentAt = performance.now();
    const query = this.db.raw(
      `INSERT INTO ${RATES} AS r (key, tat) VALUES (?, clock_timestamp() + ? ${MS})
       ON CONFLICT (key) DO UPDATE SET tat = greatest(r.tat, clock_timestamp()) + ? ${MS}
       RETURNING greatest(0, extract(epoch FROM r.tat - clock_timestamp()) * 1000 - ? - ?)::float8 AS wait,
                 (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::float8 AS queued`,
      [this.key, t, t, t, tau],
    );
    const r = await query.on('query', () => (sentAt = performance.now()));
    return { waitMs: r.rows[0].wait, slotAt: sentAt + r.rows[0].queued + r.rows[0].wait };
  }

  /** Pauses the source everywhere for `ms`; the first slot after it is its end (no burst). */
  async pause(ms: number, spec?: RateLimitSpec): Promise<void> {
    const tau = spec ? gcraOf(spec).toleranceMs : 0;
    await ensureLimitTables(this.db);
    await this.db.raw(
      `INSERT INTO ${RATES} AS r (key, tat, paused_until) VALUES (?, clock_timestamp() + ? ${MS}, clock_timestamp() + ? ${MS})
       ON CONFLICT (key) DO UPDATE SET tat = greatest(r.tat, excluded.tat), paused_until = greatest(r.paused_until, excluded.paused_until)`,
      [this.key, ms + tau, ms],
    );
  }

  /** Milliseconds the source is still paused for (0 when it is not). */
  async pausedFor(): Promise<number> {
    await ensureLimitTables(this.db);
    const r = await this.db.raw(
      `SELECT greatest(0, extract(epoch FROM paused_until - clock_timestamp()) * 1000)::float8 AS ms FROM ${RATES} WHERE key = ?`,
      [this.key],
    );
    return r.rows[0]?.ms ?? 0;
  }
}
