import type { Knex } from 'knex';
import { qualified, quoteIdent } from './names';
import { DLT_ID } from './relational';

/** A page's rows for one nested table (dlt's child table), landed by the page's own statement. */
export interface NestedRows {
  /** where they go (a replace's staging table while the resource runs) */
  table: string;
  /** column → type, for every column the rows carry */
  columns: Map<string, string>;
  rows: Record<string, unknown>[];
}

/** What the page statement needs to add its nested rows, and under merge to drop the ones they replace. */
export interface NestedPart {
  schema: string;
  /** the resource's table the page's root rows go to */
  table: string;
  nested: NestedRows[];
  /** merge: nested tables holding rows of root rows the page replaces or deletes (by primary key or merge_key) */
  clear: string[];
  primaryKey: string[];
  /** delete-insert: the merge_key, whose delete of earlier loads' root rows takes their nested rows too */
  mergeKey?: string[];
  /** the load id: the merge_key delete spares this load's rows (write-sql.ts), and so their nested rows */
  loadId: string;
  /** under merge: the CTE returning the `_dlt_id` of the root rows the page wrote; nested rows of other roots are not inserted */
  roots?: string;
  /** under merge: the CTE returning the `_dlt_id` of the root rows a hard delete removed */
  deleted?: string;
  /** the root rows' column types (for the keys) */
  columns: Map<string, string>;
  rows: Record<string, unknown>[];
}

/**
 * The data-modifying CTEs of a page's nested tables, each guarded by the state CTE `st` like the
 * root rows. Under merge, `nr` first selects the `_dlt_id` of the root rows the page's root write
 * replaces or deletes, as they were before this statement (every CTE reads that snapshot): those
 * with the primary key of a record the root write wrote (`roots`: a key insert-only leaves alone,
 * or a record dedup_sort ranks below the load's row, replaces nothing), those a hard delete
 * removed (`deleted`), and (delete-insert) those of earlier loads with a merge_key value of the
 * page, as dlt's merge deletes nested rows by the root keys of its deletes. Then
 * one DELETE per nested table drops their rows by `_dlt_root_id`, and one INSERT per nested
 * table adds the page's (under merge only of the root rows the page wrote, `roots`). Bindings
 * are appended in order.
 */
export function nestedCtes(p: NestedPart, bindings: Knex.RawBinding[]): string[] {
  const ctes: string[] = [];
  const replaced = p.clear.length > 0 ? replacedRoots(p, bindings) : undefined;
  if (replaced) {
    ctes.push(`nr AS (${replaced})`);
    p.clear.forEach((table, i) => {
      ctes.push(`nd${i} AS (DELETE FROM ${qualified(p.schema, table)} c USING nr WHERE c."_dlt_root_id" = nr."_dlt_id" AND EXISTS (SELECT 1 FROM st))`);
    });
  }
  p.nested.forEach((n, i) => {
    if (n.rows.length === 0 || n.columns.size === 0) return;
    const cols = [...n.columns.keys()].map(quoteIdent);
    const defs = [...n.columns].map(([name, type]) => `${quoteIdent(name)} ${type}`);
    ctes.push(`ni${i} AS (INSERT INTO ${qualified(p.schema, n.table)} (${cols.join(', ')})
      SELECT ${cols.map((q) => `r.${q}`).join(', ')} FROM json_to_recordset(?::json) AS r(${defs.join(', ')})
      WHERE EXISTS (SELECT 1 FROM st)${p.roots ? ` AND r."_dlt_root_id" IN (SELECT "_dlt_id" FROM ${p.roots})` : ''})`);
    bindings.push(JSON.stringify(n.rows));
  });
  return ctes;
}

/**
 * The SELECT of the root rows whose nested rows the page drops, or undefined when there are none
 * to look for (no rows, no key the page carries). A page without a merge_key column has it NULL
 * throughout, which matches no row, as in the root write.
 */
function replacedRoots(p: NestedPart, bindings: Knex.RawBinding[]): string | undefined {
  if (p.rows.length === 0) return undefined;
  const root = qualified(p.schema, p.table);
  const parts: string[] = [];
  const byKey = (key: string[], alias: string, extra: string[] = []) => {
    const defs = [...key.map((k) => `${quoteIdent(k)} ${p.columns.get(k) ?? 'text'}`), ...extra.map((k) => `${quoteIdent(k)} text`)].join(', ');
    const match = key.map((k) => `o.${quoteIdent(k)} = ${alias}.${quoteIdent(k)}`).join(' AND ');
    bindings.push(JSON.stringify(p.rows.map((r) => Object.fromEntries([...key, ...extra].map((k) => [k, r[k]])))));
    return { from: `json_to_recordset(?::json) AS ${alias}(${defs})`, match };
  };
  if (p.primaryKey.length > 0) {
    const written = p.roots !== undefined;
    const k = byKey(p.primaryKey, 'k', written ? [DLT_ID] : []);
    parts.push(`SELECT o."_dlt_id" FROM ${root} o, ${k.from} WHERE ${k.match}${written ? ` AND k."_dlt_id" IN (SELECT "_dlt_id" FROM ${p.roots})` : ''}`);
  }
  if (p.deleted) parts.push(`SELECT "_dlt_id" FROM ${p.deleted}`);
  const mk = p.mergeKey ?? [];
  if (mk.length > 0 && mk.every((c) => p.columns.has(c))) {
    bindings.push(p.loadId);
    const m = byKey(mk, 'm');
    parts.push(`SELECT o."_dlt_id" FROM ${root} o WHERE o."_dlt_load_id" IS DISTINCT FROM ?::text AND EXISTS (SELECT 1 FROM ${m.from} WHERE ${m.match})`);
  }
  return parts.length > 0 ? parts.join(' UNION ') : undefined;
}

/**
 * Under merge, page statements of parallel windows or lanes that may replace root rows with nested
 * rows run one at a time per root table: in a transaction that first takes a transaction-scoped
 * advisory lock (3 more round trips, ~0.3–0.6 ms a page; a single writer takes none). A statement
 * sees the rows committed before it started, so without the lock two windows replacing one key
 * at once would each delete only the child rows they saw; the later one, waiting on the earlier
 * one's root row, would keep that row's new child rows under a root row it replaced. With the lock,
 * the later statement starts after the earlier one committed and deletes them. Exactly-once is
 * untouched: the state guard is still in the page's one statement, and the transaction holds
 * nothing else.
 */
export async function serialized<T>(db: Knex, table: string, run: (on: Knex) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`rest-sync merge ${table}`]);
    return run(trx);
  });
}

/** Whether a page statement replaces root rows whose nested rows it must delete (see {@link serialized}). */
export function replacesNested(p: Pick<NestedPart, 'clear' | 'primaryKey' | 'rows'>): boolean {
  return p.clear.length > 0 && p.primaryKey.length > 0 && p.rows.length > 0;
}
