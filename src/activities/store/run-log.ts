import type { Knex } from 'knex';
import { qualified } from './names';
import { STATE_TABLE } from './state';

/** One row per resource per sync: what `rest-sync status` reports about last night. */
export const RUNS_TABLE = '_rest_sync_runs';

export async function ensureRunLog(db: Knex, schema: string): Promise<void> {
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, RUNS_TABLE)} (
    sync_id text NOT NULL,
    resource text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    pages bigint NOT NULL DEFAULT 0,
    rows bigint NOT NULL DEFAULT 0,
    outcome text NOT NULL DEFAULT 'running',
    error text,
    PRIMARY KEY (sync_id, resource))`);
}

/** A resource's run starts (idempotent: a retried start keeps the first time). */
export async function logStart(db: Knex, schema: string, syncId: string, resource: string): Promise<void> {
  await db.raw(`INSERT INTO ${qualified(schema, RUNS_TABLE)} (sync_id, resource) VALUES (?, ?) ON CONFLICT DO NOTHING`, [syncId, resource]);
}

/** A resource's run ends: its committed totals and outcome (`succeeded` or `failed` with the error). */
export async function logEnd(
  db: Knex,
  schema: string,
  e: { syncId: string; resource: string; pages: number; rows: number; outcome: 'succeeded' | 'failed'; error?: string },
): Promise<void> {
  await db.raw(
    `INSERT INTO ${qualified(schema, RUNS_TABLE)} AS r (sync_id, resource, finished_at, pages, rows, outcome, error)
     VALUES (?, ?, now(), ?, ?, ?, ?)
     ON CONFLICT (sync_id, resource) DO UPDATE
       SET finished_at = coalesce(r.finished_at, now()), pages = EXCLUDED.pages, rows = EXCLUDED.rows,
           outcome = EXCLUDED.outcome, error = EXCLUDED.error`,
    [e.syncId, e.resource, e.pages, e.rows, e.outcome, e.error ?? null],
  );
}

/**
 * A cancelled sync: its resources still `running` end `cancelled`, with the pages and rows they
 * committed (over their lanes and windows: state rows `name`, `name#N`, `name#wN`).
 */
export async function logCancelled(db: Knex, schema: string, syncId: string): Promise<void> {
  const total = (col: string) =>
    `coalesce((SELECT sum(s.${col}) FROM ${qualified(schema, STATE_TABLE)} s WHERE s.sync_id = r.sync_id AND split_part(s.resource, '#', 1) = r.resource), 0)`;
  await db.raw(
    `UPDATE ${qualified(schema, RUNS_TABLE)} AS r SET outcome = 'cancelled', finished_at = now(), pages = ${total('pages')}, rows = ${total('rows')}
     WHERE r.sync_id = ? AND r.outcome = 'running'`,
    [syncId],
  );
}

export interface RunLogRow {
  dataset: string;
  syncId: string;
  resource: string;
  startedAt: Date;
  finishedAt: Date | null;
  pages: number;
  rows: number;
  outcome: string;
  error: string | null;
}

/** The latest sync of every dataset in the database (or of one), newest first. */
export async function lastRuns(db: Knex, dataset?: string): Promise<RunLogRow[]> {
  const schemas = await db.raw(`SELECT table_schema FROM information_schema.tables WHERE table_name = ? ${dataset ? 'AND table_schema = ?' : ''}`, [
    RUNS_TABLE,
    ...(dataset ? [dataset] : []),
  ]);
  const out: RunLogRow[] = [];
  for (const { table_schema: schema } of schemas.rows) {
    const t = qualified(schema, RUNS_TABLE);
    const res = await db.raw(
      `SELECT * FROM ${t} WHERE sync_id = (SELECT sync_id FROM ${t} ORDER BY started_at DESC LIMIT 1) ORDER BY resource`,
    );
    for (const r of res.rows) {
      out.push({
        dataset: schema,
        syncId: r.sync_id,
        resource: r.resource,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        pages: Number(r.pages),
        rows: Number(r.rows),
        outcome: r.outcome,
        error: r.error,
      });
    }
  }
  return out.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
}
