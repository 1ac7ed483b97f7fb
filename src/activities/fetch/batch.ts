import type { Json, ResourcePlan } from '../../plan/types';
import type { NestedRows } from '../store/nested-commit';
import type { ParentIncrementalWrite } from '../store/incremental-state';

/** One fetched page made ready to commit (PageSink.prepare): what its share of the commit statement needs. */
export interface PreparedPage {
  /** rows for the resource's table, fitted to it */
  rows: Record<string, unknown>[];
  /** the columns the rows carry */
  columns: string[];
  /** rows for the nested tables */
  nested: NestedRows[];
  /** records the page held (before discards): the workflow sizes its windows by the last page's */
  records: number;
  /** the committed token after this page, and whether the stream ended with it */
  nextToken: Json;
  done: boolean;
  /** parent fields of the page's records for child resources, filed under the page's ordinal */
  partitions?: Json[];
  ordinal: number;
  /** incremental: the best cursor value of the page and the dedup hashes of the records at it */
  max?: Json;
  hashes?: string[];
  /** per_parent incremental: the parent record's state after this page */
  parentIncremental?: ParentIncrementalWrite;
}

/**
 * Whether `next` may not join `pages` in one statement: with nested rows, a record whose root
 * row id another page of the batch has too (ids derived from the key, e.g. under upsert) would
 * bring the nested rows of a record the statement does not keep; page by page, the later
 * record's write drops them. Costs nothing for pages without nested rows.
 */
export function sharesRoots(pages: PreparedPage[], next: PreparedPage): boolean {
  if (![...pages, next].some((p) => p.nested.length > 0)) return false;
  const ids = new Set(pages.flatMap((p) => p.rows.map((r) => r._dlt_id)));
  return next.rows.some((r) => r._dlt_id !== undefined && ids.has(r._dlt_id));
}

/** Consecutive prepared pages as one commit: rows concatenated in page order, columns united. */
export interface PageBatch {
  rows: Record<string, unknown>[];
  columns: Map<string, string>;
  nested: NestedRows[];
  partitions: { page: number; vals: Json[] }[];
}

/**
 * Whether a resource's consecutive pages may commit as one statement. Committing pages 1..k
 * together with page k's token loads exactly what committing them one by one does when a later
 * record of a key wins within a load (append, replace, delete-insert, upsert, insert-only, hard
 * deletes: the statement de-duplicates in page order). Not for scd2 (a version per page matters),
 * upsert with hard deletes (below),
 * per_parent incremental (each page reads the parent record's committed row), or children (a
 * child's next parent record is found from its committed state).
 */
export function batches(resource: ResourcePlan): boolean {
  const strategy = resource.merge?.strategy;
  // upsert: a key loaded and hard-deleted in one load is deleted page by page, but inserted as
  // the deleting record when both records meet in one statement (dlt's MERGE): page by page keeps it one way
  const upsertDeletes = strategy === 'upsert' && resource.merge?.hardDelete !== undefined;
  return !resource.parent && !resource.incremental?.perParent && strategy !== 'scd2' && !upsertDeletes;
}

/** Concatenates prepared pages (in order) for one statement; `typeOf` gives each column's type in the table as it is now. */
export function combinePages(pages: PreparedPage[], typeOf: (column: string) => string): PageBatch {
  const partitions = pages.filter((p) => p.partitions && p.partitions.length > 0).map((p) => ({ page: p.ordinal, vals: p.partitions! }));
  if (pages.length === 1) {
    const [p] = pages;
    return { rows: p.rows, columns: new Map(p.columns.map((c) => [c, typeOf(c)])), nested: p.nested, partitions };
  }
  const columns = new Map<string, string>();
  for (const p of pages) for (const c of p.columns) if (!columns.has(c)) columns.set(c, typeOf(c));
  return { rows: pages.flatMap((p) => p.rows), columns, nested: combineNested(pages.map((p) => p.nested)), partitions };
}

/** Each nested table's rows of several pages together; a column's type is the latest page's (the table's now). */
function combineNested(pages: NestedRows[][]): NestedRows[] {
  const byTable = new Map<string, NestedRows>();
  for (const page of pages) {
    for (const n of page) {
      const have = byTable.get(n.table);
      if (!have) {
        byTable.set(n.table, { table: n.table, columns: new Map(n.columns), rows: [...n.rows] });
        continue;
      }
      for (const [c, t] of n.columns) have.columns.set(c, t);
      have.rows.push(...n.rows);
    }
  }
  return [...byTable.values()];
}
