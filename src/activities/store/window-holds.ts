import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { qualified } from './names';
import { STATE_TABLE } from './state';

/**
 * A parallel window's holder not heard from for this long is gone (its worker died): another
 * call of the same resource may take the window over. Renewed every half second, so a live holder
 * has 1.5 s of slack; a holder wrongly presumed gone costs only repeated requests (it stops at its
 * next commit), never a row twice (every commit is guarded by the window's committed page count).
 */
export const HOLD_TTL_MS = 2_000;
const RENEW_MS = 500;
const MS = `* interval '1 millisecond'`;

/** The windows of a resource not done yet: those no live call holds (`free`; `gone`: its holder died), and how many one does (`busy`). */
export interface OpenWindows {
  free: { key: string; gone: boolean }[];
  busy: number;
}

/**
 * The parallel windows one activity call holds, by their state rows (`held_by`, `held_until`).
 * A window's own call holds it while it walks it; a call whose window is done takes over a
 * sibling window whose holder is gone, instead of leaving it to the heartbeat timeout and the
 * retry of its activity. Renewed together, every half second, while any is held.
 */
export class WindowHolds {
  readonly holder = randomUUID();
  private readonly held = new Set<string>();
  private readonly gone = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Knex,
    private readonly schema: string,
    private readonly syncId: string,
  ) {}

  private get table(): string {
    return qualified(this.schema, STATE_TABLE);
  }

  /** Takes the window when no live call holds it (or this one does); false when another does. */
  async take(key: string): Promise<boolean> {
    const r = await this.db.raw(
      `UPDATE ${this.table} SET held_by = ?, held_until = clock_timestamp() + ? ${MS}
       WHERE resource = ? AND sync_id = ? AND (held_by IS NULL OR held_by = ? OR held_until < clock_timestamp()) RETURNING 1`,
      [this.holder, HOLD_TTL_MS, key, this.syncId, this.holder],
    );
    if (r.rows.length === 0) return false;
    this.held.add(key);
    this.gone.delete(key);
    this.timer ??= setInterval(() => void this.renew(), RENEW_MS);
    return true;
  }

  /** True once a renewal found the window taken by another call: this one stops walking it. */
  lost(key: string): boolean {
    return this.gone.has(key);
  }

  /** Gives the window back (a failure leaves it to expire). */
  async release(key: string): Promise<void> {
    if (!this.held.delete(key)) return;
    if (this.held.size === 0) this.stop();
    await this.db
      .raw(`UPDATE ${this.table} SET held_by = NULL, held_until = NULL WHERE resource = ? AND held_by = ?`, [key, this.holder])
      .catch(() => undefined);
  }

  /** The windows among `keys` not done in this sync: free to take, or held by a live call. */
  async open(keys: string[]): Promise<OpenWindows> {
    const r = await this.db.raw(
      `SELECT resource, (held_by IS NULL OR held_until < clock_timestamp()) AS free, held_by IS NOT NULL AS gone FROM ${this.table}
       WHERE sync_id = ? AND resource = ANY(?) AND NOT done ORDER BY resource`,
      [this.syncId, keys],
    );
    const rows = r.rows as { resource: string; free: boolean; gone: boolean }[];
    return { free: rows.filter((w) => w.free).map((w) => ({ key: w.resource, gone: w.gone })), busy: rows.filter((w) => !w.free).length };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    const keys = [...this.held];
    if (keys.length === 0) return;
    try {
      const r = await this.db.raw(
        `UPDATE ${this.table} SET held_until = clock_timestamp() + ? ${MS} WHERE resource = ANY(?) AND held_by = ? RETURNING resource`,
        [HOLD_TTL_MS, keys, this.holder],
      );
      const kept = new Set((r.rows as { resource: string }[]).map((w) => w.resource));
      for (const k of keys) if (!kept.has(k) && this.held.has(k)) this.gone.add(k);
    } catch {
      // Postgres unreachable: the commits fail too, and the window ends at its committed page
    }
  }
}
