import type pg from 'pg';

/** What a loader left in one schema: each table's columns and row count. */
export type SchemaContents = Map<string, { columns: string[]; types: Record<string, string>; rows: number }>;

/** dlt's and rest-sync's bookkeeping tables, which differ by design (pipeline state, sync state). */
const BOOKKEEPING = /^(_dlt_version|_dlt_pipeline_state|_rest_sync.*|_dlt_staging.*)$/;

/**
 * Each table's columns with their declarations as Postgres prints them (`format_type`: with
 * length, precision and time zone, e.g. `character varying(5)`, `numeric(38,9)`,
 * `timestamp(3) with time zone`; `not null` after a NOT NULL column's), and its row count.
 */
export async function readSchema(db: pg.Pool, schema: string): Promise<SchemaContents> {
  const cols = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END AS data_type
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attname`,
    [schema],
  );
  const out: SchemaContents = new Map();
  for (const r of cols.rows) {
    if (BOOKKEEPING.test(r.table_name)) continue;
    const t = out.get(r.table_name) ?? { columns: [], types: {}, rows: 0 };
    t.columns.push(r.column_name);
    t.types[r.column_name] = r.data_type;
    out.set(r.table_name, t);
  }
  for (const [table, t] of out) {
    const n = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."${table.replace(/"/g, '""')}"`);
    t.rows = Number(n.rows[0].n);
  }
  return out;
}

/** One line per difference between dlt's tables and rest-sync's; empty when they match. */
export function differences(dlt: SchemaContents, rs: SchemaContents): string[] {
  const out: string[] = [];
  for (const table of [...new Set([...dlt.keys(), ...rs.keys()])].sort()) {
    const a = dlt.get(table);
    const b = rs.get(table);
    if (!a || !b) {
      out.push(`table ${table}: ${a ? `only dlt (${a.rows} rows)` : `only rest-sync (${b!.rows} rows)`}`);
      continue;
    }
    if (a.rows !== b.rows) out.push(`table ${table}: dlt ${a.rows} rows, rest-sync ${b.rows}`);
    const onlyDlt = a.columns.filter((c) => !b.columns.includes(c));
    const onlyRs = b.columns.filter((c) => !a.columns.includes(c));
    if (onlyDlt.length) out.push(`table ${table}: columns only dlt has: ${onlyDlt.join(', ')}`);
    if (onlyRs.length) out.push(`table ${table}: columns only rest-sync has: ${onlyRs.join(', ')}`);
    const typed = a.columns.filter((c) => b.columns.includes(c) && a.types[c] !== b.types[c]);
    if (typed.length) out.push(`table ${table}: types differ: ${typed.map((c) => `${c} dlt ${a.types[c]}, rest-sync ${b.types[c]}`).join('; ')}`);
  }
  return out;
}
