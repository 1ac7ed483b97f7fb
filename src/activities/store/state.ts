import type { Knex } from 'knex';
import type { IncrementalSpec, Json } from '../../plan/types';
import { qualified, quoteIdent } from './names';

/** Per-resource durable progress: the committed paginator token and what was loaded with it. */
export interface StateRow {
  resource: string;
  syncId: string;
  token: Json;
  pages: number;
  rows: number;
  done: boolean;
  /** incremental: the start value this run uses, and the largest cursor value committed so far */
  startValue: Json;
  maxValue: Json;
}

export const STATE_TABLE = '_rest_sync_state';
export const PARTITIONS_TABLE = '_rest_sync_partitions';
export const INCREMENTAL_TABLE = '_rest_sync_incremental';

/** Creates the dataset's schema and its bookkeeping tables (idempotent). */
export async function ensureStateTables(db: Knex, schema: string): Promise<void> {
  await db.raw(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, STATE_TABLE)} (
    resource text PRIMARY KEY,
    sync_id text NOT NULL,
    token jsonb,
    pages bigint NOT NULL DEFAULT 0,
    rows bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    start_value jsonb,
    max_value jsonb,
    updated_at timestamptz NOT NULL DEFAULT now())`);
  // The last incremental value of each resource: where the next run (days later) starts.
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, INCREMENTAL_TABLE)} (
    resource text PRIMARY KEY,
    last_value jsonb,
    updated_at timestamptz NOT NULL DEFAULT now())`);
  // Parent records' fields that child resources fan out over, written with the parent's page.
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, PARTITIONS_TABLE)} (
    sync_id text NOT NULL,
    resource text NOT NULL,
    page bigint NOT NULL,
    idx integer NOT NULL,
    vals jsonb NOT NULL,
    PRIMARY KEY (sync_id, resource, page, idx))`);
}

function toRow(r: Record<string, unknown>): StateRow {
  return {
    resource: r.resource as string,
    syncId: r.sync_id as string,
    token: r.token as Json,
    pages: Number(r.pages),
    rows: Number(r.rows),
    done: r.done as boolean,
    startValue: (r.start_value ?? null) as Json,
    maxValue: (r.max_value ?? null) as Json,
  };
}

export async function readState(db: Knex, schema: string, resource: string): Promise<StateRow | undefined> {
  const res = await db.raw(`SELECT * FROM ${qualified(schema, STATE_TABLE)} WHERE resource = ?`, [resource]);
  return res.rows[0] ? toRow(res.rows[0]) : undefined;
}

/**
 * Returns the resource's state for this sync, starting it at `initialToken` when the stored row
 * belongs to an earlier sync (or none exists). `onReset` runs in the same transaction, so a
 * replace's staging table is recreated exactly when the progress is reset.
 */
export async function claimState(
  db: Knex,
  schema: string,
  resource: string,
  syncId: string,
  initialToken: Json,
  onReset?: (trx: Knex.Transaction) => Promise<void>,
): Promise<StateRow> {
  return db.transaction(async (trx) => {
    const res = await trx.raw(
      `INSERT INTO ${qualified(schema, STATE_TABLE)} AS s (resource, sync_id, token)
       VALUES (?, ?, ?::jsonb)
       ON CONFLICT (resource) DO UPDATE
         SET sync_id = EXCLUDED.sync_id, token = EXCLUDED.token, pages = 0, rows = 0, done = false,
             start_value = NULL, max_value = NULL, updated_at = now()
         WHERE s.sync_id <> EXCLUDED.sync_id
       RETURNING *`,
      [resource, syncId, JSON.stringify(initialToken)],
    );
    if (res.rows.length > 0) {
      await trx.raw(`DELETE FROM ${qualified(schema, PARTITIONS_TABLE)} WHERE resource = ? AND sync_id <> ?`, [
        resource,
        syncId,
      ]);
      if (onReset) await onReset(trx);
      const fresh = await trx.raw(`SELECT * FROM ${qualified(schema, STATE_TABLE)} WHERE resource = ?`, [resource]);
      return toRow(fresh.rows[0]);
    }
    const cur = await trx.raw(`SELECT * FROM ${qualified(schema, STATE_TABLE)} WHERE resource = ?`, [resource]);
    return toRow(cur.rows[0]);
  });
}

/** Marks a resource finished without another page (e.g. a child with no parent rows). */
export async function markDone(db: Knex, schema: string, resource: string, syncId: string, pages: number): Promise<boolean> {
  const res = await db.raw(
    `UPDATE ${qualified(schema, STATE_TABLE)} SET done = true, updated_at = now()
     WHERE resource = ? AND sync_id = ? AND pages = ? RETURNING 1`,
    [resource, syncId, pages],
  );
  return res.rows.length > 0;
}

/**
 * A new run of an incremental resource starts at the last value kept, or the initial value. A
 * bounded range (`end_value` set, a backfill) always starts at the initial value: as in dlt, it
 * neither reads nor writes the saved last value.
 */
export async function startIncremental(trx: Knex.Transaction, schema: string, resource: string, spec: IncrementalSpec, stateKey = resource): Promise<void> {
  const initial = JSON.stringify(spec.initialValue ?? null);
  if (isBackfill(spec)) {
    await trx.raw(`UPDATE ${qualified(schema, STATE_TABLE)} SET start_value = ?::jsonb WHERE resource = ?`, [initial, stateKey]);
    return;
  }
  await trx.raw(
    `UPDATE ${qualified(schema, STATE_TABLE)}
     SET start_value = coalesce((SELECT last_value FROM ${qualified(schema, INCREMENTAL_TABLE)} WHERE resource = ?), ?::jsonb)
     WHERE resource = ?`,
    [resource, initial, stateKey],
  );
}

/** dlt's bounded range: with `end_value` the incremental keeps no state between runs. */
export function isBackfill(spec: IncrementalSpec): boolean {
  return spec.endValue !== undefined && spec.endValue !== null;
}

/** Committed totals in a sync over state rows `keys` (a resource's own, its lanes' or its parallel windows'). */
export async function readTotals(db: Knex, schema: string, keys: string[], syncId: string): Promise<{ pages: number; rows: number; maxValue: Json }> {
  const res = await db.raw(
    `SELECT coalesce(sum(pages), 0) AS pages, coalesce(sum(rows), 0) AS rows,
            (array_agg(max_value ORDER BY max_value DESC NULLS LAST))[1] AS max_value
     FROM ${qualified(schema, STATE_TABLE)} WHERE sync_id = ? AND resource = ANY(?)`,
    [syncId, keys],
  );
  const r = res.rows[0];
  return { pages: Number(r.pages), rows: Number(r.rows), maxValue: (r.max_value ?? null) as Json };
}

/**
 * Keeps a finished run's largest cursor value for the next run (never moving backwards).
 * Idempotent, so a retried finish changes nothing. A backfill (`end_value`) saves nothing.
 */
export async function saveLastValue(db: Knex, schema: string, resource: string, spec: IncrementalSpec, value: Json): Promise<void> {
  if (value === null || value === undefined || isBackfill(spec)) return;
  await db.raw(
    `INSERT INTO ${qualified(schema, INCREMENTAL_TABLE)} AS i (resource, last_value) VALUES (?, ?::jsonb)
     ON CONFLICT (resource) DO UPDATE SET last_value = EXCLUDED.last_value, updated_at = now()
     WHERE i.last_value IS NULL OR i.last_value < EXCLUDED.last_value`,
    [resource, JSON.stringify(value)],
  );
}

/**
 * The parallel windows of a resource already started in this sync (0 when none), their state
 * keys being `prefix` and an index: a sync taken
 * over resumes them from their committed pages instead of probing again.
 */
export async function startedWindows(db: Knex, schema: string, prefix: string, syncId: string): Promise<number> {
  const res = await db.raw(`SELECT resource FROM ${qualified(schema, STATE_TABLE)} WHERE sync_id = ? AND left(resource, ?) = ?`, [
    syncId,
    prefix.length,
    prefix,
  ]);
  return res.rows.filter((r: { resource: string }) => /^\d+$/.test(r.resource.slice(prefix.length))).length;
}

/** Committed totals of every state row of a sync (a row per resource, lane or window): what the CLI's live progress shows. */
export async function syncProgress(db: Knex, schema: string, syncId: string): Promise<{ resource: string; pages: number; rows: number; done: boolean }[]> {
  const res = await db.raw(`SELECT resource, pages, rows, done FROM ${qualified(schema, STATE_TABLE)} WHERE sync_id = ?`, [syncId]);
  return res.rows.map((r: Record<string, unknown>) => ({ resource: r.resource as string, pages: Number(r.pages), rows: Number(r.rows), done: r.done as boolean }));
}
