import type { Knex } from 'knex';
import type { Json, MergeSpec, WriteDisposition } from '../../plan/types';
import { qualified } from './names';
import { PARTITIONS_TABLE, STATE_TABLE } from './state';
import { parentIncrementalCte, type ParentIncrementalWrite } from './incremental-state';
import { sqlFree } from './db-errors';
import { preparedRaw } from './prepared';
import { tableWriteSql } from './write-sql';
import { distinctKeys } from './dedup';
import { nestedCtes, replacesNested, serialized, type NestedRows } from './nested-commit';

/** One page to make durable: its rows, the token of the page after it, and the guard. */
export interface PageCommit {
  schema: string;
  /** table the rows go to (a replace's staging table while the resource runs) */
  table: string;
  /** column → type, for every column the rows carry */
  columns: Map<string, string>;
  rows: Record<string, unknown>[];
  primaryKey: string[];
  disposition: WriteDisposition;
  /** merge: the strategy and its options (absent: delete-insert) */
  merge?: MergeSpec;
  mergeKey?: string[];
  /** every column the table has (delete-insert and upsert set the ones a page lacks to NULL) */
  tableColumns?: string[];
  /** the columns of the table's PRIMARY KEY constraint, if it has one */
  constraint?: string[];
  /** the sync's load id: `_dlt_load_id` of every row */
  loadId: string;
  resource: string;
  syncId: string;
  /** the page count this attempt read: the commit only happens if nobody moved it since */
  expectedPages: number;
  /** how many consecutive pages the rows come from (1 unless given): the count moves by it */
  pages?: number;
  nextToken: Json;
  done: boolean;
  /** parent fields for child resources, one object per record, per page ordinal; filed under `partitionResource` */
  partitions?: { page: number; vals: Json[] }[];
  /** the resource's name (default: `resource`, the state key) */
  partitionResource?: string;
  /** incremental: the run's best cursor value with this page, and the dedup hashes of the records loaded at it */
  maxValue?: Json;
  maxHashes?: string[];
  /** per_parent incremental: the parent record's state after this page */
  parentIncremental?: ParentIncrementalWrite;
  /** the page's rows for nested tables (dlt's child tables) */
  nested?: NestedRows[];
  /** merge: nested tables whose rows hanging off a root row this page replaces are dropped */
  clearNested?: string[];
  /** other windows or lanes of the resource commit at the same time (see serialized) */
  concurrent?: boolean;
}

/**
 * Commits a page as ONE statement: the state row moves from `expectedPages` to the next token,
 * and only if that update happened do the rows (nested tables' too, see nestedCtes) and child
 * partitions land. A retried or zombie attempt that read an older state updates nothing and so
 * inserts nothing: no page loads twice.
 * One statement instead of BEGIN/…/COMMIT saves round trips on the hot path.
 * Returns the committed totals, or undefined when the guard did not match. A failure carries
 * Postgres's message, never the statement with the page's rows in it.
 */
export async function commitPage(db: Knex, c: PageCommit): Promise<{ pages: number; rows: number } | undefined> {
  const max = c.maxValue === undefined || c.maxValue === null ? null : JSON.stringify(c.maxValue);
  const hashes = c.maxHashes === undefined ? null : JSON.stringify(c.maxHashes);
  const bindings: Knex.RawBinding[] = [JSON.stringify(c.nextToken), c.pages ?? 1, c.rows.length, c.done, max, hashes, c.resource, c.syncId, c.expectedPages];
  const ctes = [
    `st AS (UPDATE ${qualified(c.schema, STATE_TABLE)}
      SET token = ?::jsonb, pages = pages + ?, rows = rows + ?, done = ?, updated_at = now(),
          max_value = coalesce(?::jsonb, max_value), max_hashes = coalesce(?::jsonb, max_hashes)
      WHERE resource = ? AND sync_id = ? AND pages = ? RETURNING pages, rows)`,
  ];
  const merge = c.disposition === 'merge';
  // scd2 and insert-only never replace a root row: its nested rows stay
  const replaces = merge && c.merge?.strategy !== 'scd2' && c.merge?.strategy !== 'insert-only';
  const clear = replaces ? (c.clearNested ?? []) : [];
  let deleted: string | undefined;
  if (c.rows.length > 0 && c.columns.size > 0) {
    const write = tableWriteSql(
      { ...c, mergeKey: c.mergeKey ?? [], tableColumns: c.tableColumns ?? [], constraint: c.constraint ?? [], seenKey: c.table, keysUnique: merge && distinctKeys(c.rows, c.primaryKey, c.columns), returnsIds: merge && (!!c.nested?.length || clear.length > 0) },
      JSON.stringify(c.rows),
      'st',
      'w',
    );
    ctes.push(...write.ctes);
    bindings.push(...write.bindings);
    deleted = write.deleted;
  }
  // merge pages of parallel windows that replace root rows with nested rows run one at a time per table (see serialized)
  let lock: string | undefined;
  if (c.nested?.length || c.clearNested?.length) {
    // under merge a nested row lands only with its root row (a duplicate key's other records, a
    // hard delete, a version scd2 has already: their root rows are not written, nor their lists)
    const roots = merge && c.rows.length > 0 && c.columns.has('_dlt_id') ? 'w_ins' : undefined;
    ctes.push(...nestedCtes({ ...c, nested: c.nested ?? [], clear, roots, deleted }, bindings));
    if (c.concurrent && replacesNested({ ...c, clear })) lock = qualified(c.schema, c.table);
  }
  if (c.partitions && c.partitions.length > 0) {
    ctes.push(`parts AS (INSERT INTO ${qualified(c.schema, PARTITIONS_TABLE)} (sync_id, resource, page, idx, vals)
      SELECT ?, ?, (g.p->>'page')::bigint, (p.n - 1)::int, p.v
      FROM jsonb_array_elements(?::jsonb) AS g(p), jsonb_array_elements(g.p->'vals') WITH ORDINALITY AS p(v, n)
      WHERE EXISTS (SELECT 1 FROM st) ON CONFLICT DO NOTHING)`);
    bindings.push(c.syncId, c.partitionResource ?? c.resource, JSON.stringify(c.partitions));
  }
  if (c.parentIncremental) {
    const cte = parentIncrementalCte(c.schema, c.parentIncremental);
    ctes.push(cte.sql);
    bindings.push(...cte.bindings);
  }
  const sql = `WITH ${ctes.join(',\n')} SELECT pages, rows FROM st`;
  // the statement's text is the same page after page: prepared once per connection (prepared.ts)
  const run = () => (lock ? serialized(db, lock, (on) => on.raw(sql, bindings)) : preparedRaw(db, sql, bindings));
  const res = await sqlFree(run, `resource "${c.resource}" ${pagesText(c)}`);
  const row = res.rows[0];
  return row ? { pages: Number(row.pages), rows: Number(row.rows) } : undefined;
}

/** The pages a commit holds, for its error message: `page 4`, or `pages 4–7`. */
function pagesText(c: PageCommit): string {
  const n = c.pages ?? 1;
  return n === 1 ? `page ${c.expectedPages + 1}` : `pages ${c.expectedPages + 1}–${c.expectedPages + n}`;
}
