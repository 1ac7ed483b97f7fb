import type { Knex } from 'knex';
import type { MergeSpec, ResourcePlan } from '../../plan/types';
import { normalizeIdentifier, normalizeName, qualified, quoteIdent, shorten } from './names';
import { readShape } from './tables';
import { ddlType } from './types';
import { LOAD_ID_COLUMN } from './write-sql';
import { dropNestedStaging, swapNestedStaging } from './nested-tables';

/** The Postgres schema a dataset lands in. */
export function datasetSchema(dataset: string): string {
  return normalizeIdentifier(dataset);
}

/** Where a replace resource loads while it runs. */
export function stagingTable(table: string): string {
  return shorten(`${table}__staging`);
}

/** A new replace run starts from an empty staging table (created by the first page). */
export async function resetStaging(trx: Knex.Transaction, schema: string, table: string): Promise<void> {
  await trx.raw(`DROP TABLE IF EXISTS ${qualified(schema, stagingTable(table))}`);
  await dropNestedStaging(trx, schema, table);
}

/** Creates a table no page has created (a resource with no records), so it can be counted. */
export async function ensureTable(db: Knex, schema: string, table: string, primaryKey: string[]): Promise<void> {
  if (await readShape(db, schema, table)) return;
  const defs = [...primaryKey.map((c) => `${quoteIdent(c)} ${ddlType('text')}`), `${quoteIdent(LOAD_ID_COLUMN)} ${ddlType('text')} NOT NULL`];
  if (primaryKey.length) defs.push(`PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
  await db.raw(`CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (${defs.join(', ')})`);
}

/**
 * Swaps a finished replace's staging table in, with its staged nested tables, in one transaction:
 * readers see the old tables or the new ones, never a half-filled one. Its primary key index is renamed along, so the next run's
 * staging table can take the staging name again.
 */
export async function swapStaging(db: Knex, schema: string, table: string): Promise<void> {
  const staging = stagingTable(table);
  await db.transaction(async (trx) => {
    const exists = await trx.raw(`SELECT to_regclass(?) AS oid`, [qualified(schema, staging)]);
    if (!exists.rows[0].oid) return;
    await trx.raw(`DROP TABLE IF EXISTS ${qualified(schema, table)}`);
    await trx.raw(`ALTER TABLE ${qualified(schema, staging)} RENAME TO ${quoteIdent(table)}`);
    const pk = await trx.raw(`SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype = 'p'`, [
      qualified(schema, table),
    ]);
    if (pk.rows[0]) {
      await trx.raw(`ALTER TABLE ${qualified(schema, table)} RENAME CONSTRAINT ${quoteIdent(pk.rows[0].conname)} TO ${quoteIdent(shorten(`${table}_pkey`))}`);
    }
    await swapNestedStaging(trx, schema, table);
  });
}

/** A resource with its table, key and column-hint names as they are in Postgres. */
export function forDestination(resource: ResourcePlan): ResourcePlan {
  return {
    ...resource,
    table: normalizeName(resource.table),
    primaryKey: resource.primaryKey.map(normalizeName),
    mergeKey: resource.mergeKey.map(normalizeName),
    ...(resource.merge ? { merge: mergeForDestination(resource.merge) } : {}),
    columns: Object.fromEntries(Object.entries(resource.columns).map(([k, v]) => [normalizeName(k), v])),
  };
}

/** A merge spec with its column names as they are in Postgres. */
function mergeForDestination(merge: MergeSpec): MergeSpec {
  const out: MergeSpec = { ...merge };
  if (merge.dedupSort) out.dedupSort = { ...merge.dedupSort, column: normalizeName(merge.dedupSort.column) };
  if (merge.hardDelete) out.hardDelete = normalizeName(merge.hardDelete);
  if (merge.scd2) {
    const s = merge.scd2;
    out.scd2 = { ...s, validFrom: normalizeName(s.validFrom), validTo: normalizeName(s.validTo), rowVersion: normalizeName(s.rowVersion) };
  }
  return out;
}

/** The columns a resource's table keeps one row per value of (a PRIMARY KEY constraint): merge's, except scd2's. */
export function keyColumns(resource: ResourcePlan): string[] {
  return resource.writeDisposition === 'merge' && resource.merge?.strategy !== 'scd2' ? resource.primaryKey : [];
}
