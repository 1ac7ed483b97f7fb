import type { Knex } from 'knex';
import type { IncrementalSpec, Json } from '../../plan/types';
import { createPlansTableSql } from './plans';
import { qualified, quoteIdent } from './names';
import { mergeBest } from '../incremental';

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
  /** boundary deduplication: hashes of the records earlier runs loaded at the start value, and of this run's at maxValue */
  startHashes: string[];
  maxHashes: string[];
}

export const STATE_TABLE = '_rest_sync_state';
export const PARTITIONS_TABLE = '_rest_sync_partitions';
export const INCREMENTAL_TABLE = '_rest_sync_incremental';
export const PARENT_INCREMENTAL_TABLE = '_rest_sync_incremental_parents';

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
  // boundary deduplication (dlt's unique_hashes), and a parallel window's holder (window-holds.ts),
  // added to tables of earlier versions
  await addColumns(db, schema, STATE_TABLE, { start_hashes: 'jsonb', max_hashes: 'jsonb', held_by: 'text', held_until: 'timestamptz' });
  await addColumns(db, schema, INCREMENTAL_TABLE, { unique_hashes: 'jsonb' });
  // per_parent incremental: a child's last value per parent record (its fields the child uses), and
  // the run in progress of that parent record (the sync, its start, its best value and hashes so far)
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, PARENT_INCREMENTAL_TABLE)} (
    resource text NOT NULL,
    parent jsonb NOT NULL,
    last_value jsonb,
    unique_hashes jsonb,
    sync_id text,
    start_value jsonb,
    start_hashes jsonb,
    run_value jsonb,
    run_hashes jsonb,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource, parent))`);
  // resource workflows' plans, named by their activities (plans.ts)
  await db.raw(createPlansTableSql(schema));
  // Parent records' fields that child resources fan out over, written with the parent's page.
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, PARTITIONS_TABLE)} (
    sync_id text NOT NULL,
    resource text NOT NULL,
    page bigint NOT NULL,
    idx integer NOT NULL,
    vals jsonb NOT NULL,
    PRIMARY KEY (sync_id, resource, page, idx))`);
}

/**
 * Adds the columns (name → type) a table of an earlier version lacks. The catalog is read first:
 * ALTER TABLE locks the table even when every column exists, and a page commit may be holding it.
 */
async function addColumns(db: Knex, schema: string, table: string, columns: Record<string, string>): Promise<void> {
  const res = await db.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?`, [schema, table]);
  const have = new Set(res.rows.map((r: { column_name: string }) => r.column_name));
  const missing = Object.keys(columns).filter((c) => !have.has(c));
  if (missing.length === 0) return;
  await db.raw(`ALTER TABLE ${qualified(schema, table)} ${missing.map((c) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(c)} ${columns[c]}`).join(', ')}`);
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
    startHashes: (r.start_hashes ?? []) as string[],
    maxHashes: (r.max_hashes ?? []) as string[],
  };
}

export async function readState(db: Knex, schema: string, resource: string): Promise<StateRow | undefined> {
  const res = await db.raw(`SELECT * FROM ${qualified(schema, STATE_TABLE)} WHERE resource = ?`, [resource]);
  return res.rows[0] ? toRow(res.rows[0]) : undefined;
}

/** The state rows of `resources` that exist, by resource key, in one round trip. */
export async function readStates(db: Knex, schema: string, resources: string[]): Promise<Map<string, StateRow>> {
  const res = await db.raw(`SELECT * FROM ${qualified(schema, STATE_TABLE)} WHERE resource = ANY(?)`, [resources]);
  return new Map(res.rows.map((r: Record<string, unknown>) => [r.resource as string, toRow(r)]));
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
  const rows = await claimStates(db, schema, [{ resource, initialToken }], syncId, onReset && ((trx) => onReset(trx)));
  return rows.get(resource)!;
}

/**
 * claimState for several rows (a resource's windows) in one transaction and one upsert: the rows
 * go in key order, so calls claiming overlapping sets at once wait for each other rather than
 * deadlock. `onReset` runs for each row started afresh.
 */
export async function claimStates(
  db: Knex,
  schema: string,
  claims: { resource: string; initialToken: Json }[],
  syncId: string,
  onReset?: (trx: Knex.Transaction, resource: string) => Promise<void>,
): Promise<Map<string, StateRow>> {
  const sorted = [...claims].sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  const keys = sorted.map((c) => c.resource);
  return db.transaction(async (trx) => {
    const res = await trx.raw(
      `INSERT INTO ${qualified(schema, STATE_TABLE)} AS s (resource, sync_id, token)
       VALUES ${sorted.map(() => '(?, ?, ?::jsonb)').join(', ')}
       ON CONFLICT (resource) DO UPDATE
         SET sync_id = EXCLUDED.sync_id, token = EXCLUDED.token, pages = 0, rows = 0, done = false,
             start_value = NULL, max_value = NULL, start_hashes = NULL, max_hashes = NULL, held_by = NULL, held_until = NULL,
             updated_at = now()
         WHERE s.sync_id <> EXCLUDED.sync_id
       RETURNING resource`,
      sorted.flatMap((c) => [c.resource, syncId, JSON.stringify(c.initialToken)]),
    );
    const reset: string[] = res.rows.map((r: { resource: string }) => r.resource);
    if (reset.length > 0) {
      await trx.raw(`DELETE FROM ${qualified(schema, PARTITIONS_TABLE)} WHERE resource = ANY(?) AND sync_id <> ?`, [reset, syncId]);
      for (const key of reset) await onReset?.(trx, key);
    }
    return readStates(trx, schema, keys);
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

/** Committed totals in a sync over state rows `keys` (a resource's own, its lanes' or its parallel windows'), with their best cursor value and its hashes. */
export async function readTotals(
  db: Knex,
  schema: string,
  keys: string[],
  syncId: string,
  spec?: IncrementalSpec,
): Promise<{ pages: number; rows: number; maxValue: Json; maxHashes: string[] }> {
  const res = await db.raw(`SELECT pages, rows, max_value, max_hashes FROM ${qualified(schema, STATE_TABLE)} WHERE sync_id = ? AND resource = ANY(?)`, [syncId, keys]);
  let best = { value: null as Json, hashes: [] as string[] };
  let [pages, rows] = [0, 0];
  for (const r of res.rows) {
    [pages, rows] = [pages + Number(r.pages), rows + Number(r.rows)];
    if (spec) best = mergeBest(spec, best.value, best.hashes, (r.max_value ?? null) as Json, (r.max_hashes ?? []) as string[]);
  }
  return { pages, rows, maxValue: best.value, maxHashes: best.hashes };
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
