/**
 * The incremental state kept between runs: a resource's last value and the dedup hashes of the
 * records loaded at it (`_rest_sync_incremental`), and a per_parent child's row per parent record
 * (`_rest_sync_incremental_parents`, written in the page commit statement).
 */
import type { Knex } from 'knex';
import type { IncrementalSpec, Json } from '../../plan/types';
import { compare, deduplicates, isBackfill, mergeBest, startOf } from '../incremental';
import { qualified } from './names';
import { INCREMENTAL_TABLE, PARENT_INCREMENTAL_TABLE, STATE_TABLE } from './state';

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
