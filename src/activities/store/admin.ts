import type { Knex } from 'knex';
import { DatasetBusyError } from '../../errors';
import type { Json } from '../../plan/types';
import { stagingTable } from '../store/dataset';
import { LEASE_SCHEMA, LEASE_TABLE, LEASE_TTL_SECONDS } from '../store/lease';
import { qualified } from '../store/names';
import { RUNS_TABLE } from '../store/run-log';
import { INCREMENTAL_TABLE, PARENT_INCREMENTAL_TABLE, PARTITIONS_TABLE, STATE_TABLE } from '../store/state';

/**
 * The SQL of `rest-sync state show|reset` and `run --full-refresh`: reading and dropping a
 * dataset's incremental values and unfinished syncs. Every change runs while no live sync holds the
 * dataset (its lease row is locked for the change), so a running sync never loses state under it.
 */

export interface IncrementalValue {
  resource: string;
  /** per_parent: the parent record (its fields the child uses) this value belongs to */
  parent?: Json;
  lastValue: Json;
  updatedAt: Date;
}

export interface UnfinishedSync {
  /** the resource, or one of its lanes / parallel windows (`name#0`, `name#w1`) */
  key: string;
  syncId: string;
  pages: number;
  rows: number;
  updatedAt: Date;
}

export interface DatasetState {
  schema: string;
  incremental: IncrementalValue[];
  unfinished: UnfinishedSync[];
  /** the live sync holding the dataset, if any */
  heldBy: string | null;
}

/** A state key belongs to a resource when it is the resource or one of its lanes / windows (`name#...`). */
const KEY_MATCH = `(resource = ?::text OR left(resource, length(?::text) + 1) = ?::text || '#')`;
const keyArgs = (r: string) => [r, r, r];

async function exists(db: Knex, schema: string, table: string): Promise<boolean> {
  const res = await db.raw(`SELECT to_regclass(?) AS oid`, [qualified(schema, table)]);
  return !!res.rows[0].oid;
}

/** The live sync holding the dataset (not released, heard from within the lease TTL), locked when in a transaction. */
async function liveHolder(db: Knex, schema: string, lock = false): Promise<string | null> {
  if (!(await exists(db, LEASE_SCHEMA, LEASE_TABLE))) return null;
  const res = await db.raw(
    `SELECT workflow_id FROM ${qualified(LEASE_SCHEMA, LEASE_TABLE)}
     WHERE dataset = ? AND released_at IS NULL AND seen_at > now() - make_interval(secs => ?) ${lock ? 'FOR UPDATE' : ''}`,
    [schema, LEASE_TTL_SECONDS],
  );
  return res.rows[0]?.workflow_id ?? null;
}

/** What a dataset keeps between syncs, of every resource or one. */
export async function readDatasetState(db: Knex, schema: string, resource?: string): Promise<DatasetState> {
  const where = resource ? `WHERE ${KEY_MATCH}` : '';
  const args = resource ? keyArgs(resource) : [];
  const incremental = (await exists(db, schema, INCREMENTAL_TABLE))
    ? (await db.raw(`SELECT resource, last_value, updated_at FROM ${qualified(schema, INCREMENTAL_TABLE)} ${where} ORDER BY resource`, args)).rows
    : [];
  const perParent = (await exists(db, schema, PARENT_INCREMENTAL_TABLE))
    ? (await db.raw(`SELECT resource, parent, last_value, updated_at FROM ${qualified(schema, PARENT_INCREMENTAL_TABLE)} ${where ? `${where} AND` : 'WHERE'} last_value IS NOT NULL ORDER BY resource, parent`, args)).rows
    : [];
  const unfinished = (await exists(db, schema, STATE_TABLE))
    ? (
        await db.raw(
          `SELECT resource, sync_id, pages, rows, updated_at FROM ${qualified(schema, STATE_TABLE)} ${where ? `${where} AND` : 'WHERE'} NOT done ORDER BY resource`,
          args,
        )
      ).rows
    : [];
  return {
    schema,
    incremental: [
      ...incremental.map((r: Record<string, unknown>) => ({ resource: r.resource, lastValue: r.last_value, updatedAt: r.updated_at }) as IncrementalValue),
      ...perParent.map((r: Record<string, unknown>) => ({ resource: r.resource, parent: r.parent, lastValue: r.last_value, updatedAt: r.updated_at }) as IncrementalValue),
    ],
    unfinished: unfinished.map(
      (r: Record<string, unknown>) => ({ key: r.resource, syncId: r.sync_id, pages: Number(r.pages), rows: Number(r.rows), updatedAt: r.updated_at }) as UnfinishedSync,
    ),
    heldBy: await liveHolder(db, schema),
  };
}

/** Runs `change` in a transaction holding the dataset's lease row; refused while a live sync holds the dataset. */
async function whileIdle<T>(db: Knex, schema: string, what: string, change: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    const holder = await liveHolder(trx, schema, true);
    if (holder) {
      throw new DatasetBusyError(
        `cannot ${what} dataset "${schema}": ${holder} is syncing it; wait for it (\`rest-sync status ${holder}\`) or cancel it (temporal workflow cancel -w ${holder})`,
      );
    }
    return change(trx);
  });
}

/** Deletes the incremental values and unfinished syncs of the resources (every resource when none named). */
export function resetDatasetState(db: Knex, schema: string, resources?: string[]): Promise<{ incremental: number; unfinished: number }> {
  return whileIdle(db, schema, 'reset the state of', (trx) => deleteState(trx, schema, resources));
}

async function deleteState(trx: Knex.Transaction, schema: string, resources?: string[]): Promise<{ incremental: number; unfinished: number }> {
  const del = async (table: string): Promise<number> => {
    if (!(await exists(trx, schema, table))) return 0;
    if (!resources) return (await trx.raw(`DELETE FROM ${qualified(schema, table)}`)).rowCount ?? 0;
    let n = 0;
    for (const r of resources) n += (await trx.raw(`DELETE FROM ${qualified(schema, table)} WHERE ${KEY_MATCH}`, keyArgs(r))).rowCount ?? 0;
    return n;
  };
  const incremental = await del(INCREMENTAL_TABLE);
  const unfinished = await del(STATE_TABLE);
  await del(PARTITIONS_TABLE);
  const perParent = await del(PARENT_INCREMENTAL_TABLE);
  return { incremental: incremental + perParent, unfinished };
}

/**
 * dlt's `refresh="drop_resources"`: the state and the tables (and staging tables) of the given
 * resources are dropped, so the next sync loads them from scratch. Other resources keep theirs.
 */
export function dropResources(db: Knex, schema: string, resources: { name: string; table: string }[]): Promise<string[]> {
  return whileIdle(db, schema, 'refresh', async (trx) => {
    await deleteState(
      trx,
      schema,
      resources.map((r) => r.name),
    );
    const dropped: string[] = [];
    for (const { table } of resources) {
      for (const t of [table, stagingTable(table)]) {
        if (await exists(trx, schema, t)) {
          await trx.raw(`DROP TABLE ${qualified(schema, t)}`);
          dropped.push(`${schema}.${t}`);
        }
      }
    }
    return dropped;
  });
}

/**
 * Rows each resource loaded in its last successful sync: the expected total of a sync that loads
 * everything again (the progress display's ETA). Empty for a dataset without a run log.
 */
export async function lastRowCounts(db: Knex, schema: string): Promise<Map<string, number>> {
  if (!(await exists(db, schema, RUNS_TABLE))) return new Map();
  const res = await db.raw(
    `SELECT DISTINCT ON (resource) resource, rows FROM ${qualified(schema, RUNS_TABLE)}
     WHERE outcome = 'succeeded' ORDER BY resource, finished_at DESC NULLS LAST`,
  );
  return new Map(res.rows.map((r: { resource: string; rows: number }) => [r.resource, Number(r.rows)]));
}
