import type { Knex } from 'knex';
import stringWidth from 'string-width';
import { syncProgress } from '../activities/store/state';

export interface ProgressRow {
  resource: string;
  pages: number;
  rows: number;
  done: boolean;
}

/** What one frame shows besides the rows: rates, elapsed time, the totals expected (for an ETA). */
export interface FrameContext {
  /** rows/s per resource, once measured */
  rates: Map<string, number>;
  /** resources in plan order */
  order: string[];
  elapsedMs: number;
  /** rows a resource is expected to load (its last full sync's), for an ETA */
  expected?: Map<string, number>;
}

export const seconds = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/** A running resource's state: its rate once measured (never a made-up `0 rows/s`), and an ETA when a total is known. */
function runningState(r: ProgressRow, ctx: FrameContext): string {
  const rate = ctx.rates.get(r.resource);
  if (!rate) return 'running';
  const total = ctx.expected?.get(r.resource);
  const eta = total && total > r.rows ? `, ETA ${seconds(((total - r.rows) / rate) * 1000)}` : '';
  return `${Math.round(rate)} rows/s${eta}`;
}

/** One frame of the live display: the elapsed time, then a line per resource with rows, pages and state. */
export function renderFrame(rows: ProgressRow[], ctx: FrameContext): string[] {
  const w = Math.max(8, ...ctx.order.map((n) => stringWidth(n)));
  const pad = (name: string) => name + ' '.repeat(Math.max(0, w - stringWidth(name)));
  const lines = ctx.order.map((name) => {
    const r = rows.find((x) => x.resource === name);
    if (!r) return `${pad(name)}  waiting`;
    return `${pad(name)}  ${String(r.rows).padStart(9)} rows  ${String(r.pages).padStart(6)} pages  ${r.done ? 'done' : runningState(r, ctx)}`;
  });
  return [`elapsed ${seconds(ctx.elapsedMs)}`, ...lines];
}

/** A line cut to fit `width` terminal columns (wide characters count two), so it never wraps. */
export function fit(line: string, width: number): string {
  if (stringWidth(line) <= width) return line;
  let out = '';
  for (const ch of line) {
    if (stringWidth(out + ch) > width - 1) return `${out}…`;
    out += ch;
  }
  return out;
}

/**
 * A frame redrawn in place: the cursor goes back to the frame's first line, everything below is
 * cleared, and every line is cut to the terminal's current width minus one, so no line wraps and
 * the count of lines to go back up is always right (a narrow terminal or a resize cannot smear frames).
 */
export function redraw(out: { write(s: string): unknown; columns?: number }, drawn: number, frame: string[]): number {
  const width = Math.max(10, (out.columns ?? 80) - 1);
  out.write(`${drawn ? `\x1b[${drawn}A\r` : ''}\x1b[J${frame.map((l) => `${fit(l, width)}\n`).join('')}`);
  return frame.length;
}

/**
 * Live progress of a sync for people, read from the committed state in Postgres (what is
 * durable, so it never runs ahead of the data): redrawn in place on a terminal, plain lines
 * (on change, at most every few seconds) otherwise.
 */
export function watchProgress(db: Knex, schema: string, syncId: string, order: string[], out: NodeJS.WriteStream, expected?: Map<string, number>) {
  const tty = !!out.isTTY;
  const started = Date.now();
  let drawn = 0;
  const first = new Map<string, { rows: number; at: number }>();
  const rates = new Map<string, number>();
  const printed = new Map<string, string>();
  let lastPlain = 0;
  const tick = async (final = false) => {
    const rows: ProgressRow[] = await syncProgress(db, schema, syncId).catch(() => []);
    const now = Date.now();
    for (const r of rows) {
      // the rate since the resource was first seen: steady, and absent until there are two samples
      const f = first.get(r.resource);
      if (!f) first.set(r.resource, { rows: r.rows, at: now });
      else if (now > f.at && r.rows > f.rows) rates.set(r.resource, ((r.rows - f.rows) * 1000) / (now - f.at));
    }
    const frame = renderFrame(rows, { rates, order, elapsedMs: now - started, expected });
    if (tty) drawn = redraw(out, drawn, frame);
    else if (final || now - lastPlain >= 2000) {
      lastPlain = now;
      frame.slice(1).forEach((line, i) => {
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
