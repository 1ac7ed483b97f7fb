import type { FittedWrite, TableWrite } from '../store/fit';
import { DLT_ID, DLT_PARENT_ID, type TablePage } from '../store/relational';

/** A nested table's rows of a page as the schema lets them through, and the page they came from. */
export interface NestedFit {
  page: TablePage;
  write: FittedWrite & { discarded?: true };
  /** the nested tables above it, nearest first */
  ancestors: readonly string[];
}

/**
 * How one table's write is fitted: hints, coercion, variants and the schema contract (throws on a
 * freeze). `ancestors`: the nested tables above it, nearest first (the root table not included).
 */
export type FitTable = (write: TableWrite, ancestors: readonly string[]) => FittedWrite & { discarded?: true };

/**
 * Fits a page's nested tables, parents before children (the normalizer's order), before any DDL:
 * so a frozen contract in a nested table refuses the page with nothing written. As dlt's
 * normalizer stops descending below a row it discarded, a row whose parent row did not get
 * through (the contract dropped it, or its whole table) is dropped before it is fitted, and so
 * are its own children: nothing lands under a parent row that is not loaded. `rootDropped` holds
 * the `_dlt_id`s of the root rows the root table's fit dropped.
 */
export function fitNested(pages: TablePage[], rootTable: string, rootDropped: ReadonlySet<unknown>, fit: FitTable): NestedFit[] {
  if (pages.length === 0) return [];
  const dropped = new Map<string, ReadonlySet<unknown>>();
  if (rootDropped.size > 0) dropped.set(rootTable, rootDropped);
  const out: NestedFit[] = [];
  const ancestors = new Map<string, readonly string[]>();
  for (const page of pages) {
    const parent = page.parent !== undefined && page.parent !== rootTable ? page.parent : undefined;
    ancestors.set(page.table, parent ? [parent, ...(ancestors.get(parent) ?? [])] : []);
    const gone = page.parent !== undefined ? dropped.get(page.parent) : undefined;
    const rows = gone ? page.rows.filter((r) => !gone.has(r[DLT_PARENT_ID])) : page.rows;
    if (rows.length === 0) {
      if (gone) dropped.set(page.table, new Set(page.rows.map((r) => r[DLT_ID])));
      continue;
    }
    const above = ancestors.get(page.table)!;
    const write = fit({ table: page.table, rows, types: page.types }, above);
    const lost = droppedIds(page.rows, write.discarded ? [] : write.rows, gone !== undefined || write.rows.length < rows.length);
    if (lost) dropped.set(page.table, lost);
    if (!write.discarded && write.rows.length > 0) out.push({ page, write, ancestors: above });
  }
  return out;
}

/** The `_dlt_id`s of `before` that are not in `after`, or undefined when nothing can be missing. */
export function droppedIds(before: Record<string, unknown>[], after: Record<string, unknown>[], changed = after.length < before.length): Set<unknown> | undefined {
  if (!changed) return undefined;
  const kept = new Set(after.map((r) => r[DLT_ID]));
  return new Set(before.map((r) => r[DLT_ID]).filter((id) => !kept.has(id)));
}

/** The root rows a page's root fit dropped (all of them when it refused the table), for fitNested; empty when none. */
export function droppedRoots(before: Record<string, unknown>[], write: { rows: Record<string, unknown>[]; discarded?: true }): ReadonlySet<unknown> {
  return droppedIds(before, write.discarded ? [] : write.rows, !!write.discarded || write.rows.length < before.length) ?? NONE;
}

const NONE: ReadonlySet<unknown> = new Set();
