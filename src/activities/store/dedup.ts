import type { MergeSpec } from '../../plan/types';
import { quoteIdent } from './names';

/** The column that numbers a page's records in their order (see {@link ORDINAL}); no API field is named so. */
export const ORDINAL = '_rest_sync_ord';

type DedupSort = MergeSpec['dedupSort'];

/**
 * One row per key of a page, as dlt deduplicates a load's staging rows by primary key
 * (`ROW_NUMBER() OVER (PARTITION BY key ORDER BY dedup_sort)`): the row `dedup_sort` puts first
 * (Postgres's order: `asc` NULLs last, `desc` NULLs first), else, and on ties, the page's last
 * record (`keep: 'last'`) or its first (`'first'`, insert-only). Keys compare as Postgres
 * compares the column's values, so `5` and `"5"` in a text column are one key.
 */
export function dedupCte(name: string, from: string, key: string[], sort: DedupSort, keep: 'last' | 'first'): string {
  const k = key.map((c) => `s.${quoteIdent(c)}`).join(', ');
  const order = [k, ...(sort ? [`s.${quoteIdent(sort.column)} ${sort.order.toUpperCase()}`] : []), `s.${quoteIdent(ORDINAL)} ${keep === 'last' ? 'DESC' : 'ASC'}`];
  return `${name} AS (SELECT DISTINCT ON (${k}) * FROM ${from} s ORDER BY ${order.join(', ')})`;
}

/**
 * Whether record `a` comes before record `b` in `dedup_sort`'s order (true, false or NULL):
 * the condition under which an earlier page's row of the same load keeps its key.
 */
function precedes(sort: NonNullable<DedupSort>, a: string, b: string): string {
  const [x, y] = [`${a}.${quoteIdent(sort.column)}`, `${b}.${quoteIdent(sort.column)}`];
  return sort.order === 'desc' ? `(${x} IS NULL AND ${y} IS NOT NULL) OR ${x} > ${y}` : `(${x} IS NOT NULL AND ${y} IS NULL) OR ${x} < ${y}`;
}

/**
 * The SQL condition under which the new record `s` replaces row `d` that this same load wrote
 * on an earlier page: always without `dedup_sort` (the last record wins), else unless `d`
 * comes first in its order. Rows of earlier loads are always replaced (the caller's test).
 */
export function replacesSameLoad(sort: DedupSort, s: string, d: string): string {
  return sort ? `NOT coalesce(${precedes(sort, d, s)}, false)` : 'true';
}

/**
 * Whether a page's rows have distinct primary keys as Postgres will compare them, checked
 * conservatively: only for key columns of type bigint or text holding integers and strings
 * (where JavaScript's equality of their text is Postgres's). Anything else (a timestamp two
 * spellings of which are one value, a number in a text column) answers false, and the write
 * keeps its de-duplication step.
 */
export function distinctKeys(rows: Record<string, unknown>[], key: string[], columns: ReadonlyMap<string, string>): boolean {
  if (key.length === 0 || rows.length < 2) return key.length > 0;
  const types = key.map((c) => columns.get(c));
  if (!types.every((t) => t === 'bigint' || t === 'text')) return false;
  const seen = new Set<string>();
  for (const row of rows) {
    let text = '';
    for (let i = 0; i < key.length; i++) {
      const v = row[key[i]];
      if (types[i] === 'bigint' ? !Number.isSafeInteger(v) : typeof v !== 'string') return false;
      text += `${String(v).length}:${String(v)}`;
    }
    if (seen.has(text)) return false;
    seen.add(text);
  }
  return true;
}
