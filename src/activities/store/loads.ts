import type { Knex } from 'knex';
import { isUndefinedTable } from './db-errors';
import { qualified } from './names';
import { STATE_TABLE } from './state';
import { SCD2_SEEN_TABLE, scd2RetireSql, type TableWrite } from './write-sql';

/** dlt's table of completed loads, in the dataset's schema. */
export const LOADS_TABLE = '_dlt_loads';
/** Each sync's load id, made once: retries, continue-as-new and takeovers keep the sync id, so they keep it. */
export const LOAD_IDS_TABLE = '_rest_sync_load_ids';
/** dlt names the schema of a `rest_api_source` without a name `rest_api`. */
export const SCHEMA_NAME = 'rest_api';

/** Creates `_dlt_loads` as dlt's Postgres destination does, and rest-sync's load bookkeeping (idempotent). */
export async function ensureLoadTables(db: Knex, schema: string): Promise<void> {
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, LOADS_TABLE)} (
    load_id varchar(64) NOT NULL,
    schema_name varchar,
    status bigint NOT NULL,
    inserted_at timestamp with time zone NOT NULL,
    schema_version_hash varchar)`);
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, LOAD_IDS_TABLE)} (
    sync_id text PRIMARY KEY,
    load_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())`);
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, SCD2_SEEN_TABLE)} (
    table_name text NOT NULL,
    load_id text NOT NULL,
    version text NOT NULL,
    PRIMARY KEY (table_name, load_id, version))`);
}

/**
 * The sync's load id, made the first time it is asked for: like dlt's, the unix time (seconds,
 * microseconds after the point, as Python prints a float) when the sync was prepared. A sync
 * that started before load ids existed gets one on its next window (the tables made on the way).
 */
export async function syncLoadId(db: Knex, schema: string, syncId: string): Promise<string> {
  const get = () =>
    db.raw(
      `WITH made AS (INSERT INTO ${qualified(schema, LOAD_IDS_TABLE)} (sync_id, load_id)
         VALUES (?, regexp_replace(regexp_replace(extract(epoch FROM clock_timestamp())::text, '0+$', ''), '\\.$', '.0'))
         ON CONFLICT (sync_id) DO NOTHING RETURNING load_id)
       SELECT load_id FROM made UNION ALL SELECT load_id FROM ${qualified(schema, LOAD_IDS_TABLE)} WHERE sync_id = ?`,
      [syncId, syncId],
    );
  let res;
  try {
    res = await get();
  } catch (err) {
    if (!isUndefinedTable(err)) throw err;
    await ensureLoadTables(db, schema);
    res = await get();
  }
  return res.rows[0].load_id as string;
}

/**
 * Records the sync's load as complete in `_dlt_loads` (status 0), once: a retried call finds it.
 * A sync that loaded no row records none, as dlt makes no load package when nothing was extracted.
 * `schema_version_hash` is a SHA-256 of the dataset's tables and columns (dlt hashes its schema
 * file, which rest-sync does not have): it changes exactly when a table or column does.
 */
export async function completeLoad(db: Knex, schema: string, syncId: string): Promise<void> {
  const loadId = await syncLoadId(db, schema, syncId);
  await db.raw(
    `INSERT INTO ${qualified(schema, LOADS_TABLE)} (load_id, schema_name, status, inserted_at, schema_version_hash)
     SELECT ?, ?, 0, now(), (SELECT encode(sha256(convert_to(coalesce(string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name), ''), 'UTF8')), 'base64')
       FROM information_schema.columns WHERE table_schema = ? AND table_name NOT LIKE '\\_rest\\_sync\\_%')
     WHERE NOT EXISTS (SELECT 1 FROM ${qualified(schema, LOADS_TABLE)} WHERE load_id = ?)
       AND EXISTS (SELECT 1 FROM ${qualified(schema, STATE_TABLE)} WHERE sync_id = ? AND rows > 0)`,
    [loadId, SCHEMA_NAME, schema, loadId, syncId],
  );
}

/**
 * scd2's end of a resource's load: retires the active rows the load did not see and forgets the
 * versions seen, in one transaction, so a retried finish changes nothing.
 */
export async function finishScd2(db: Knex, w: Pick<TableWrite, 'schema' | 'table' | 'merge' | 'mergeKey' | 'loadId' | 'seenKey'>): Promise<number> {
  return db.transaction(async (trx) => {
    const retire = scd2RetireSql(w);
    const res = await trx.raw(retire.ctes[0], retire.bindings);
    await trx.raw(`DELETE FROM ${qualified(w.schema, SCD2_SEEN_TABLE)} WHERE table_name = ?`, [w.seenKey]);
    return res.rowCount ?? 0;
  });
}
