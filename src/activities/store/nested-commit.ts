import type { Knex } from 'knex';
import { qualified, quoteIdent } from './names';

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
  /** merge: nested tables holding rows of root rows the page replaces (matched by primary key) */
  clear: string[];
  primaryKey: string[];
  /** under merge: the CTE returning the `_dlt_id` of the root rows the page wrote; nested rows of other roots are not inserted */
  roots?: string;
  /** the root rows' column types (for the primary key) */
  columns: Map<string, string>;
  rows: Record<string, unknown>[];
}

/**
 * The data-modifying CTEs of a page's nested tables, each guarded by the state CTE `st` like the
 * root rows: one DELETE per nested table under merge, dropping the rows whose `_dlt_root_id` is
 * the `_dlt_id` a replaced root row had before this statement (every CTE reads the snapshot from
 * before it), then one INSERT per nested table (under merge only of the root rows the page wrote,
 * `roots`). Bindings are appended in order.
 */
export function nestedCtes(p: NestedPart, bindings: Knex.RawBinding[]): string[] {
  const ctes: string[] = [];
  if (p.clear.length > 0 && p.primaryKey.length > 0 && p.rows.length > 0) {
    const keyDefs = p.primaryKey.map((k) => `${quoteIdent(k)} ${p.columns.get(k) ?? 'text'}`).join(', ');
    const match = p.primaryKey.map((k) => `o.${quoteIdent(k)} = k.${quoteIdent(k)}`).join(' AND ');
    const keys = JSON.stringify(p.rows.map((r) => Object.fromEntries(p.primaryKey.map((k) => [k, r[k]]))));
    p.clear.forEach((table, i) => {
      ctes.push(`nd${i} AS (DELETE FROM ${qualified(p.schema, table)} c USING ${qualified(p.schema, p.table)} o, jsonb_to_recordset(?::jsonb) AS k(${keyDefs})
        WHERE ${match} AND c."_dlt_root_id" = o."_dlt_id" AND EXISTS (SELECT 1 FROM st))`);
      bindings.push(keys);
    });
  }
  p.nested.forEach((n, i) => {
    if (n.rows.length === 0 || n.columns.size === 0) return;
    const cols = [...n.columns.keys()].map(quoteIdent);
    const defs = [...n.columns].map(([name, type]) => `${quoteIdent(name)} ${type}`);
    ctes.push(`ni${i} AS (INSERT INTO ${qualified(p.schema, n.table)} (${cols.join(', ')})
      SELECT ${cols.map((q) => `r.${q}`).join(', ')} FROM jsonb_to_recordset(?::jsonb) AS r(${defs.join(', ')})
      WHERE EXISTS (SELECT 1 FROM st)${p.roots ? ` AND r."_dlt_root_id" IN (SELECT "_dlt_id" FROM ${p.roots})` : ''})`);
    bindings.push(JSON.stringify(n.rows));
  });
  return ctes;
}
