import type { Knex } from 'knex';
import { syncProgress } from '../activities/store/state';

export interface ProgressRow {
  resource: string;
  pages: number;
  rows: number;
  done: boolean;
}

/** One frame of the live display: a line per resource with pages, rows and the rows/s rate. */
export function renderFrame(rows: ProgressRow[], rates: Map<string, number>, order: string[]): string[] {
  const w = Math.max(8, ...order.map((n) => n.length));
  return order.map((name) => {
    const r = rows.find((x) => x.resource === name);
    if (!r) return `${name.padEnd(w)}  waiting`;
    const rate = rates.get(name) ?? 0;
    const state = r.done ? 'done' : `${Math.round(rate)} rows/s`;
    return `${name.padEnd(w)}  ${String(r.rows).padStart(9)} rows  ${String(r.pages).padStart(6)} pages  ${state}`;
  });
}

/**
 * Live progress of a sync for people, read from the committed state in Postgres (what is
 * durable, so it never runs ahead of the data): redrawn in place on a terminal, plain lines
 * (on change, at most every few seconds) otherwise.
 */
export function watchProgress(db: Knex, schema: string, syncId: string, order: string[], out: NodeJS.WriteStream) {
  const tty = !!out.isTTY;
  let drawn = 0;
  let last = new Map<string, { rows: number; at: number }>();
  const rates = new Map<string, number>();
  const printed = new Map<string, string>();
  let lastPlain = 0;
  const tick = async (final = false) => {
    const rows: ProgressRow[] = await syncProgress(db, schema, syncId).catch(() => []);
    const now = Date.now();
    const next = new Map<string, { rows: number; at: number }>();
    for (const r of rows) {
      const prev = last.get(r.resource);
      if (prev && now > prev.at) rates.set(r.resource, ((r.rows - prev.rows) * 1000) / (now - prev.at));
      next.set(r.resource, { rows: r.rows, at: now });
    }
    last = next;
    const frame = renderFrame(rows, rates, order);
    if (tty) {
      out.write(`${drawn ? `\x1b[${drawn}A` : ''}${frame.map((l) => `\x1b[2K${l}\n`).join('')}`);
      drawn = frame.length;
    } else if (final || now - lastPlain >= 2000) {
      lastPlain = now;
      frame.forEach((line, i) => {
        if (printed.get(order[i]) !== line) out.write(`progress ${line}\n`);
        printed.set(order[i], line);
      });
    }
  };
  const timer = setInterval(() => void tick(), 500);
  return {
    /** draws the last frame and stops */
    async stop(): Promise<void> {
      clearInterval(timer);
      await tick(true);
    },
  };
}
