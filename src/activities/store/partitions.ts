import type { Knex } from 'knex';
import type { Json } from '../../plan/types';
import { qualified } from './names';
import { PARTITIONS_TABLE } from './state';

/** Position of a parent record among the parent's committed pages. */
export interface PartitionKey {
  page: number;
  idx: number;
}

/**
 * The next parent record after `after` (or the first), written by the parent in this sync. A
 * parallelized child's lane (`index` of `count`) takes every count-th parent record.
 */
export async function nextPartition(
  db: Knex,
  schema: string,
  syncId: string,
  parent: string,
  after: PartitionKey | null,
  lane?: { index: number; count: number },
): Promise<{ key: PartitionKey; vals: Record<string, Json> } | undefined> {
  const t = qualified(schema, PARTITIONS_TABLE);
  const laneSql = lane ? ` AND mod(page * 7919 + idx, ?) = ?` : '';
  const laneArgs = lane ? [lane.count, lane.index] : [];
  const res = after
    ? await db.raw(
        `SELECT page, idx, vals FROM ${t} WHERE sync_id = ? AND resource = ? AND (page, idx) > (?, ?)${laneSql} ORDER BY page, idx LIMIT 1`,
        [syncId, parent, after.page, after.idx, ...laneArgs],
      )
    : await db.raw(`SELECT page, idx, vals FROM ${t} WHERE sync_id = ? AND resource = ?${laneSql} ORDER BY page, idx LIMIT 1`, [
        syncId,
        parent,
        ...laneArgs,
      ]);
  const row = res.rows[0];
  return row ? { key: { page: Number(row.page), idx: Number(row.idx) }, vals: row.vals } : undefined;
}
