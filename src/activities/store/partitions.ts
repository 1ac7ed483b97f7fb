import type { Knex } from 'knex';
import type { Json } from '../../plan/types';
import { qualified } from './names';
import { PARTITIONS_TABLE, STATE_TABLE } from './state';

/** Position of a parent record among the parent's committed pages. */
export interface PartitionKey {
  page: number;
  idx: number;
}

/**
 * The next parent record after `after` (or the first), written by the parent in this sync. A
 * parallelized child's lane (`index` of `count`) takes every count-th parent record. `before`
 * bounds the parent pages looked at: a child following a running parent reads only pages below
 * the parent's frontier (no page below it can be committed later).
 */
export async function nextPartition(
  db: Knex,
  schema: string,
  syncId: string,
  parent: string,
  after: PartitionKey | null,
  lane?: { index: number; count: number },
  before?: number,
): Promise<{ key: PartitionKey; vals: Record<string, Json> } | undefined> {
  const t = qualified(schema, PARTITIONS_TABLE);
  const where = ['sync_id = ?', 'resource = ?'];
  const args: Knex.RawBinding[] = [syncId, parent];
  const add = (sql: string, ...values: Knex.RawBinding[]) => (where.push(sql), args.push(...values));
  if (after) add('(page, idx) > (?, ?)', after.page, after.idx);
  if (lane) add('mod(page * 7919 + idx, ?) = ?', lane.count, lane.index);
  if (before !== undefined) add('page < ?', before);
  const res = await db.raw(`SELECT page, idx, vals FROM ${t} WHERE ${where.join(' AND ')} ORDER BY page, idx LIMIT 1`, args);
  const row = res.rows[0];
  return row ? { key: { page: Number(row.page), idx: Number(row.idx) }, vals: row.vals } : undefined;
}

/** One state row of a parent's stripe in a sync: its key, committed pages and whether it ended. */
export interface StripeRow {
  key: string;
  pages: number;
  done: boolean;
}

/**
 * The state rows of `parent`'s stripes in this sync (its own row, its lanes' `parent#<n>` and
 * parallel windows' `parent#w<n>`): where a child following the running parent may read up to.
 */
export async function parentStripes(db: Knex, schema: string, syncId: string, parent: string): Promise<StripeRow[]> {
  const res = await db.raw(
    `SELECT resource, pages, done FROM ${qualified(schema, STATE_TABLE)}
     WHERE sync_id = ? AND (resource = ? OR left(resource, ?) = ?)`,
    [syncId, parent, parent.length + 1, `${parent}#`],
  );
  return res.rows.map((r: Record<string, unknown>) => ({ key: r.resource as string, pages: Number(r.pages), done: r.done as boolean }));
}
