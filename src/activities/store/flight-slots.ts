import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { SLOTS, ensureLimitTables } from './limit-tables';

/**
 * A slot not renewed for this long belongs to a worker that died mid-request: it is free again.
 * As long as the activities' heartbeat timeout (5 s), so a killed worker's slots are free by the
 * time its windows are retried elsewhere; renewed every second, a live holder has 4 s of slack.
 */
export const SLOT_TTL_MS = 5_000;
const RENEW_MS = 1_000;
/** How often the first waiter of a process looks for a slot freed by another process. */
const POLL_MS = 20;

const MS = `* interval '1 millisecond'`;

/**
 * The slots one worker process holds, renewed together while it holds any: a request that takes
 * minutes keeps its slot, and a killed worker's slots expire after SLOT_TTL_MS.
 */
export class SlotHolder {
  readonly id = randomUUID();
  private held = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: Knex) {}

  took(): void {
    if (this.held++ > 0) return;
    this.timer = setInterval(() => {
      this.db.raw(`UPDATE ${SLOTS} SET expires_at = clock_timestamp() + ? ${MS} WHERE holder = ?`, [SLOT_TTL_MS, this.id]).catch(() => undefined);
    }, RENEW_MS);
    this.timer.unref();
  }

  gave(): void {
    if (--this.held === 0) clearInterval(this.timer);
  }
}

/**
 * `max_concurrency` across every worker sharing the Postgres: a request holds one of the source's
 * rows in `_rest_sync.source_slots` while in flight (taken with SKIP LOCKED, so takers never wait
 * on each other). The waiters of one process queue behind each other and only the first polls,
 * so a busy source costs each process at most one poll per POLL_MS.
 */
export class FlightSlots {
  private queue: Promise<unknown> = Promise.resolve();
  private seeded = false;
  private wake?: () => void;

  constructor(
    private readonly db: Knex,
    private readonly key: string,
    private readonly max: number,
    private readonly holder: SlotHolder,
  ) {}

  /** Waits for a free slot and takes it. */
  acquire(): Promise<number> {
    const turn = this.queue.then(() => this.take());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Frees a slot; a failure (Postgres down) leaves it to expire. */
  async release(slot: number): Promise<void> {
    try {
      await this.db.raw(`UPDATE ${SLOTS} SET holder = NULL WHERE key = ? AND slot = ? AND holder = ?`, [this.key, slot, this.holder.id]);
    } catch {
      // expires after SLOT_TTL_MS
    } finally {
      this.holder.gave();
      this.wake?.();
    }
  }

  private async take(): Promise<number> {
    await this.seed();
    for (;;) {
      const slot = await this.tryTake();
      if (slot !== undefined) return slot;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        this.wake = () => (clearTimeout(t), resolve());
      });
      this.wake = undefined;
    }
  }

  private async tryTake(): Promise<number | undefined> {
    const r = await this.db.raw(
      `UPDATE ${SLOTS} s SET holder = ?, expires_at = clock_timestamp() + ? ${MS}
       FROM (SELECT slot FROM ${SLOTS} WHERE key = ? AND slot < ? AND (holder IS NULL OR expires_at < clock_timestamp())
             ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) free
       WHERE s.key = ? AND s.slot = free.slot RETURNING s.slot`,
      [this.holder.id, SLOT_TTL_MS, this.key, this.max, this.key],
    );
    if (r.rows.length === 0) return undefined;
    this.holder.took();
    return r.rows[0].slot as number;
  }

  /** The source's rows, made once (a larger max_concurrency adds rows; a smaller one ignores the rest). */
  private async seed(): Promise<void> {
    if (this.seeded) return;
    await ensureLimitTables(this.db);
    await this.db.raw(`INSERT INTO ${SLOTS} (key, slot) SELECT ?, generate_series(0, ? - 1) ON CONFLICT DO NOTHING`, [this.key, this.max]);
    this.seeded = true;
  }
}
