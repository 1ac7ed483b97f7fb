import type { Knex } from 'knex';
import type { IncrementalSpec, Json } from '../../plan/types';
import { qualified, quoteIdent } from './names';
import { deduplicates, isBetter, compare } from '../incremental';
import { applyLag } from '../lag';

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
  // boundary deduplication (dlt's unique_hashes), added to tables of earlier versions
  await addColumns(db, schema, STATE_TABLE, ['start_hashes', 'max_hashes']);
  await addColumns(db, schema, INCREMENTAL_TABLE, ['unique_hashes']);
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
 * Adds jsonb columns a table of an earlier version lacks. The catalog is read first: ALTER TABLE
 * locks the table even when every column exists, and a page commit may be holding it.
 */
async function addColumns(db: Knex, schema: string, table: string, columns: string[]): Promise<void> {
  const res = await db.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?`, [schema, table]);
  const have = new Set(res.rows.map((r: { column_name: string }) => r.column_name));
  const missing = columns.filter((c) => !have.has(c));
  if (missing.length === 0) return;
  await db.raw(`ALTER TABLE ${qualified(schema, table)} ${missing.map((c) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(c)} jsonb`).join(', ')}`);
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
             start_value = NULL, max_value = NULL, start_hashes = NULL, max_hashes = NULL, updated_at = now()
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
 * A new run of an incremental resource starts at the last value kept (moved back by `lag`), or
 * the initial value, with the hashes of the records loaded at it. A bounded range (`end_value`
 * set, a backfill) always starts at the initial value: as in dlt, it neither reads nor writes the
 * saved last value.
 */
export async function startIncremental(trx: Knex.Transaction, schema: string, resource: string, spec: IncrementalSpec, stateKey = resource): Promise<void> {
  const stored = isBackfill(spec)
    ? undefined
    : (await trx.raw(`SELECT last_value, unique_hashes FROM ${qualified(schema, INCREMENTAL_TABLE)} WHERE resource = ?`, [resource])).rows[0];
  const start = startOf(spec, stored?.last_value);
  const hashes = deduplicates(spec) && stored ? (stored.unique_hashes ?? []) : [];
  await trx.raw(`UPDATE ${qualified(schema, STATE_TABLE)} SET start_value = ?::jsonb, start_hashes = ?::jsonb WHERE resource = ?`, [
    JSON.stringify(start),
    JSON.stringify(hashes),
    stateKey,
  ]);
}

/** A run's start value from the last value kept (none: the initial value), moved back by `lag` as dlt does. */
export function startOf(spec: IncrementalSpec, last: Json | undefined): Json {
  if (last === undefined || last === null) return spec.initialValue ?? null;
  if (!spec.lag || isBackfill(spec)) return last;
  return applyLag(spec.lag, last, spec.lastValueFunc ?? 'max', spec.initialValue, compare);
}

/**
 * The incremental state after `value`/`hashes` (a page's, or a run's) were loaded on top of
 * `best`/`bestHashes`: dlt keeps the best value in last_value_func's order and the hashes of the
 * records loaded at it (a new best value starts them afresh; an equal one adds to them).
 */
export function mergeBest(spec: IncrementalSpec, best: Json, bestHashes: string[], value: Json, hashes: string[]): { value: Json; hashes: string[] } {
  if (value === null || value === undefined) return { value: best, hashes: bestHashes };
  if (best === null || best === undefined || isBetter(spec, value, best)) return { value, hashes: [...new Set(hashes)] };
  if (compare(value, best) === 0) return { value: best, hashes: [...new Set([...bestHashes, ...hashes])] };
  return { value: best, hashes: bestHashes };
}

/** dlt's bounded range: with `end_value` the incremental keeps no state between runs. */
export function isBackfill(spec: IncrementalSpec): boolean {
  return spec.endValue !== undefined && spec.endValue !== null;
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
 * Keeps a finished run's best cursor value and the hashes of the records loaded at it for the
 * next run, never moving backwards (with `lag` a run re-reads values below the kept one). A run
 * that ends at the value it started from adds its hashes to those kept. Runs in one transaction
 * and is idempotent, so a retried finish changes nothing. A backfill (`end_value`) saves nothing.
 */
export async function saveLastValue(db: Knex, schema: string, resource: string, spec: IncrementalSpec, value: Json, hashes: string[] = []): Promise<void> {
  if (value === null || value === undefined || isBackfill(spec)) return;
  await db.transaction(async (trx) => {
    const table = qualified(schema, INCREMENTAL_TABLE);
    const cur = (await trx.raw(`SELECT last_value, unique_hashes FROM ${table} WHERE resource = ? FOR UPDATE`, [resource])).rows[0];
    const kept = (cur?.last_value ?? null) as Json;
    const next = mergeBest(spec, kept, (cur?.unique_hashes ?? []) as string[], value, deduplicates(spec) ? hashes : []);
    if (cur && next.value === kept && compare(next.value, kept) === 0 && sameSet(next.hashes, cur.unique_hashes ?? [])) return;
    await trx.raw(
      `INSERT INTO ${table} (resource, last_value, unique_hashes) VALUES (?, ?::jsonb, ?::jsonb)
       ON CONFLICT (resource) DO UPDATE SET last_value = EXCLUDED.last_value, unique_hashes = EXCLUDED.unique_hashes, updated_at = now()`,
      [resource, JSON.stringify(next.value), JSON.stringify(deduplicates(spec) ? next.hashes : [])],
    );
  });
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

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

/** A child's per_parent incremental row, as the next page of that parent record needs it. */
export interface ParentIncrementalRow {
  lastValue: Json;
  uniqueHashes: string[];
  syncId: string | null;
  startValue: Json;
  startHashes: string[];
  runValue: Json;
  runHashes: string[];
}

/** The per_parent row of parent record `parent` (its fields the child uses), undefined before its first page ever. */
export async function readParentIncremental(db: Knex, schema: string, resource: string, parent: Json): Promise<ParentIncrementalRow | undefined> {
  const r = (await db.raw(`SELECT * FROM ${qualified(schema, PARENT_INCREMENTAL_TABLE)} WHERE resource = ? AND parent = ?::jsonb`, [resource, JSON.stringify(parent)])).rows[0];
  if (!r) return undefined;
  return {
    lastValue: (r.last_value ?? null) as Json,
    uniqueHashes: (r.unique_hashes ?? []) as string[],
    syncId: r.sync_id ?? null,
    startValue: (r.start_value ?? null) as Json,
    startHashes: (r.start_hashes ?? []) as string[],
    runValue: (r.run_value ?? null) as Json,
    runHashes: (r.run_hashes ?? []) as string[],
  };
}

/** What a child page writes to its parent record's per_parent row: the whole row, computed from the one read before the page. */
export interface ParentIncrementalWrite extends ParentIncrementalRow {
  resource: string;
  parent: Json;
}

/**
 * The CTE that writes a per_parent row in a page's commit statement, only if the page's state
 * update happened (the `st` CTE): the row's progress lands with the page's rows or not at all.
 */
export function parentIncrementalCte(schema: string, w: ParentIncrementalWrite): { sql: string; bindings: Knex.RawBinding[] } {
  const j = (v: unknown) => JSON.stringify(v ?? null);
  return {
    sql: `pincr AS (INSERT INTO ${qualified(schema, PARENT_INCREMENTAL_TABLE)}
      (resource, parent, last_value, unique_hashes, sync_id, start_value, start_hashes, run_value, run_hashes)
      SELECT ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb WHERE EXISTS (SELECT 1 FROM st)
      ON CONFLICT (resource, parent) DO UPDATE SET last_value = EXCLUDED.last_value, unique_hashes = EXCLUDED.unique_hashes,
        sync_id = EXCLUDED.sync_id, start_value = EXCLUDED.start_value, start_hashes = EXCLUDED.start_hashes,
        run_value = EXCLUDED.run_value, run_hashes = EXCLUDED.run_hashes, updated_at = now())`,
    bindings: [w.resource, j(w.parent), j(w.lastValue), j(w.uniqueHashes), w.syncId, j(w.startValue), j(w.startHashes), j(w.runValue), j(w.runHashes)],
  };
}
