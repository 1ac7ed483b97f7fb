import type { Knex } from 'knex';
import type { MergeSpec, WriteDisposition } from '../../plan/types';
import { dedupCte, ORDINAL, replacesSameLoad } from './dedup';
import { qualified, quoteIdent } from './names';

/** dlt's load id column, on every row of a resource's table. */
export const LOAD_ID_COLUMN = '_dlt_load_id';
/** Where scd2 notes the row versions each load saw, for retiring the absent ones when the resource finishes. */
export const SCD2_SEEN_TABLE = '_rest_sync_scd2_seen';

/** One table's share of a page commit: its rows and how the resource's write disposition writes them. */
export interface TableWrite {
  schema: string;
  table: string;
  /** column → type for every column the rows carry (the table's type) */
  columns: Map<string, string>;
  /** every column the table has: delete-insert and upsert replace whole rows, so the others become NULL */
  tableColumns: Iterable<string>;
  /** the columns of the table's PRIMARY KEY constraint ([] for none; tables of earlier versions have one) */
  constraint: string[];
  disposition: WriteDisposition;
  merge?: MergeSpec;
  primaryKey: string[];
  mergeKey: string[];
  /** this sync's load id: `_dlt_load_id` of every row written */
  loadId: string;
  /** what scd2's seen versions are filed under: the table's name */
  seenKey: string;
  /** the page's rows have distinct primary keys as Postgres compares them (see distinctKeys): no de-duplication step */
  keysUnique?: boolean;
  /** the statement reads the `_dlt_id` of the rows written and hard-deleted (nested rows land and go with their root row, commit.ts) */
  returnsIds?: boolean;
}

/** CTEs to add to a page commit's statement and their bindings, in the order they appear. */
export interface WriteSql {
  ctes: string[];
  bindings: Knex.RawBinding[];
  /** the CTE returning the `_dlt_id` of the rows a hard delete removed, if any (their nested rows go too) */
  deleted?: string;
}

const q = quoteIdent;

/**
 * The insert CTE of a table write. When asked (`returnsIds`), it returns the `_dlt_id` of each
 * row it wrote (inserted or updated): under merge, the page's nested rows land only with their
 * root row, and the nested rows of the root rows it replaced go (commit.ts). Pages with neither nested
 * rows nor child tables to clear skip collecting them.
 */
const returningId = (w: TableWrite) => (w.returnsIds && w.columns.has('_dlt_id') ? ' RETURNING d."_dlt_id"' : '');
const insCte = (w: TableWrite, name: string, sql: string) => `${name}_ins AS (${sql}${returningId(w)})`;
/** The hard-delete CTE; when asked (`returnsIds`) it returns the deleted rows' `_dlt_id` (their nested rows are deleted with them, nested-commit.ts). */
function delCte(w: TableWrite, name: string, out: WriteSql, sql: string): void {
  out.ctes.push(`${name}_del AS (${sql}${returningId(w)})`);
  if (returningId(w)) out.deleted = `${name}_del`;
}
const match = (cols: string[], a: string, b: string) => cols.map((c) => `${a}.${q(c)} = ${b}.${q(c)}`).join(' AND ');

/** Columns the rows carry; `_dlt_load_id` and scd2's validity columns are the write's own. */
function rowColumns(w: TableWrite): [string, string][] {
  const own = new Set([LOAD_ID_COLUMN, w.merge?.scd2?.validFrom, w.merge?.scd2?.validTo]);
  return [...w.columns].filter(([c]) => !own.has(c));
}

/**
 * The SQL of one table's write in a page commit, as CTEs that only act when `guard` (the state
 * row's update) returned a row: so the page's rows land exactly when its token is committed.
 * `rows` is the page's rows as one JSON array; `name` prefixes the CTEs.
 */
export function tableWriteSql(w: TableWrite, rows: string, guard: string, name: string): WriteSql {
  const key = writeKey(w, guard, name);
  let made = MADE.get(key);
  if (!made) {
    made = buildWriteSql(w, guard, name);
    if (MADE.size >= MAX_MADE) MADE.clear();
    MADE.set(key, made);
  }
  return { ctes: made.ctes, bindings: [rows, ...made.bindings], ...(made.deleted ? { deleted: made.deleted } : {}) };
}

/**
 * The SQL of a table write depends on the page only through its rows: every other input (the
 * columns and their types, the table's, the disposition, the load id) is the same page after
 * page, so its text is made once per shape. Bounded: a table whose columns keep changing
 * starts the cache over.
 */
const MADE = new Map<string, WriteSql>();
const MAX_MADE = 256;

function writeKey(w: TableWrite, guard: string, name: string): string {
  return JSON.stringify([w.schema, w.table, [...w.columns], [...w.tableColumns], w.constraint, w.disposition, w.merge ?? null, w.primaryKey, w.mergeKey, w.loadId, w.seenKey, !!w.keysUnique, !!w.returnsIds, guard, name]);
}

/** The write's CTEs and their bindings after the rows' (which come first). */
function buildWriteSql(w: TableWrite, guard: string, name: string): WriteSql {
  const cols = rowColumns(w);
  const defs = cols.map(([c, type]) => `${q(c)} ${type}`).join(', ');
  // the records' order only matters where one of a key's records is chosen (dedupCte, scd2)
  const plain = w.disposition !== 'merge' ? w.constraint.length === 0 : (w.primaryKey.length === 0 || !!w.keysUnique) && w.merge?.strategy !== 'scd2';
  const from = plain
    ? `json_to_recordset(?::json) AS r(${defs})`
    : `ROWS FROM (json_to_recordset(?::json) AS (${defs})) WITH ORDINALITY AS r(${[...cols.map(([c]) => q(c)), q(ORDINAL)].join(', ')})`;
  const src = `${name}_src AS (SELECT * FROM ${from} WHERE EXISTS (SELECT 1 FROM ${guard}))`;
  const body = w.disposition === 'merge' ? mergeSql(w, name) : appendSql(w, name);
  return { ...body, ctes: [src, ...body.ctes] };
}

/** `INSERT INTO t (cols, _dlt_load_id) SELECT cols, <load id> FROM source`: the part every strategy shares. */
function insertFrom(w: TableWrite, source: string, where = 'true', extra: [string, string][] = []): string {
  const cols = rowColumns(w).map(([c]) => q(c));
  const more = [[q(LOAD_ID_COLUMN), '?::text'], ...extra];
  return `INSERT INTO ${qualified(w.schema, w.table)} AS d (${[...cols, ...more.map(([c]) => c)].join(', ')})
    SELECT ${[...cols.map((c) => `s.${c}`), ...more.map(([, v]) => v)].join(', ')} FROM ${source} s WHERE ${where}`;
}

/**
 * `SET` of an upsert that replaces the whole row, as dlt's delete-insert and upsert do: the
 * page's columns from the record, the table's other columns NULL, the key kept.
 */
function replaceRow(w: TableWrite, key: string[]): string {
  const given = new Set([...rowColumns(w).map(([c]) => c), LOAD_ID_COLUMN]);
  const keep = new Set(key);
  const all = new Set([...w.tableColumns, ...given]);
  return [...all]
    .filter((c) => !keep.has(c))
    .map((c) => `${q(c)} = ${given.has(c) ? `EXCLUDED.${q(c)}` : 'NULL'}`)
    .join(', ');
}

/**
 * append and replace load every record. A table of an earlier version with a PRIMARY KEY
 * constraint keeps one row per key (the page's last record wins), as it did.
 */
function appendSql(w: TableWrite, name: string): WriteSql {
  if (w.constraint.length === 0) return { ctes: [insCte(w, name, insertFrom(w, `${name}_src`))], bindings: [w.loadId] };
  return {
    ctes: [dedupCte(`${name}_one`, `${name}_src`, w.constraint, undefined, 'last'), insCte(w, name, `${insertFrom(w, `${name}_one`)} ON CONFLICT (${w.constraint.map(q).join(', ')}) DO UPDATE SET ${replaceRow(w, w.constraint)}`)],
    bindings: [w.loadId],
  };
}

/** The SQL condition under which a row `s` is a hard delete: `true` in a boolean column, any value in another. */
function deletedCond(w: TableWrite, s: string): string | undefined {
  const col = w.merge?.hardDelete;
  if (col === undefined || !w.columns.has(col)) return undefined;
  return w.columns.get(col) === 'boolean' ? `${s}.${q(col)} IS TRUE` : `${s}.${q(col)} IS NOT NULL`;
}

function mergeSql(w: TableWrite, name: string): WriteSql {
  const strategy = w.merge?.strategy ?? 'delete-insert';
  if (strategy === 'scd2') return scd2Sql(w, name);
  if (strategy === 'upsert' || strategy === 'insert-only') return upsertSql(w, name, strategy);
  return deleteInsertSql(w, name);
}

/**
 * The page's rows, one per primary key: the source itself when its keys are distinct already,
 * else a de-duplicating CTE (added to `ctes`) that keeps the record `dedup_sort` or `keep` chooses.
 */
function oneByKey(w: TableWrite, name: string, ctes: string[], sort: MergeSpec['dedupSort'], keep: 'last' | 'first'): string {
  if (w.keysUnique) return `${name}_src`;
  ctes.push(dedupCte(`${name}_one`, `${name}_src`, w.primaryKey, sort, keep));
  return `${name}_one`;
}

/**
 * dlt's delete-insert, page by page: rows of EARLIER loads whose primary key or merge_key a
 * record of the page has are replaced; within this load a key's rows collapse to one
 * (`dedup_sort` chooses, else the last record). The merge_key delete spares rows of this load
 * (`_dlt_load_id`), so page 3 does not delete what page 1 loaded. Hard-deleted records delete
 * their key and are not inserted. Without primary_key and merge_key, it appends.
 */
function deleteInsertSql(w: TableWrite, name: string): WriteSql {
  const pk = w.primaryKey;
  // a page without the dedup_sort column has it NULL throughout: the last record wins
  const sort = w.merge?.dedupSort && w.columns.has(w.merge.dedupSort.column) ? w.merge.dedupSort : undefined;
  const out: WriteSql = { ctes: [], bindings: [] };
  const { ctes, bindings } = out;
  const source = pk.length ? oneByKey(w, name, ctes, sort, 'last') : `${name}_src`;
  const target = qualified(w.schema, w.table);
  const earlier = `d.${q(LOAD_ID_COLUMN)} IS DISTINCT FROM ?::text`;
  // a page without a merge_key column has it NULL throughout, which matches no row
  if (w.mergeKey.length && w.mergeKey.every((c) => w.columns.has(c))) {
    const sparePk = pk.length ? ` AND NOT EXISTS (SELECT 1 FROM ${source} o WHERE ${match(pk, 'o', 'd')})` : '';
    ctes.push(`${name}_mk AS (DELETE FROM ${target} d WHERE ${earlier}
      AND EXISTS (SELECT 1 FROM ${name}_src s WHERE ${match(w.mergeKey, 's', 'd')})${sparePk})`);
    bindings.push(w.loadId);
  }
  const deleted = deletedCond(w, 's');
  if (deleted && pk.length) {
    delCte(w, name, out, `DELETE FROM ${target} d USING ${source} s WHERE ${match(pk, 's', 'd')} AND ${deleted}
      AND (${earlier} OR ${replacesSameLoad(sort, 's', 'd')})`);
    bindings.push(w.loadId);
  }
  const insert = insertFrom(w, source, deleted ? `NOT (${deleted})` : 'true');
  if (!pk.length) {
    ctes.push(insCte(w, name, insert));
    bindings.push(w.loadId);
    return out;
  }
  // without dedup_sort a later record of the load replaces an earlier one as well: no condition
  const when = sort ? `
    WHERE d.${q(LOAD_ID_COLUMN)} IS DISTINCT FROM EXCLUDED.${q(LOAD_ID_COLUMN)} OR ${replacesSameLoad(sort, 'EXCLUDED', 'd')}` : '';
  ctes.push(insCte(w, name, `${insert} ON CONFLICT (${pk.map(q).join(', ')}) DO UPDATE SET ${replaceRow(w, pk)}${when}`));
  bindings.push(w.loadId);
  return out;
}

/**
 * dlt's upsert (update or insert by primary key; a hard-deleted record deletes its key, and one
 * whose key is absent is inserted, as dlt's MERGE does) and insert-only (keys not present are
 * inserted, hard-deleted records never).
 */
function upsertSql(w: TableWrite, name: string, strategy: 'upsert' | 'insert-only'): WriteSql {
  const pk = w.primaryKey;
  const out: WriteSql = { ctes: [], bindings: [w.loadId] };
  const { ctes } = out;
  const source = oneByKey(w, name, ctes, undefined, strategy === 'upsert' ? 'last' : 'first');
  const deleted = deletedCond(w, 's');
  const target = qualified(w.schema, w.table);
  const conflict = `ON CONFLICT (${pk.map(q).join(', ')})`;
  if (strategy === 'insert-only') {
    ctes.push(insCte(w, name, `${insertFrom(w, source, deleted ? `NOT (${deleted})` : 'true')} ${conflict} DO NOTHING`));
    return out;
  }
  let where = 'true';
  if (deleted) {
    delCte(w, name, out, `DELETE FROM ${target} d USING ${source} s WHERE ${match(pk, 's', 'd')} AND ${deleted}`);
    where = `NOT (${deleted}) OR NOT EXISTS (SELECT 1 FROM ${target} d WHERE ${match(pk, 's', 'd')})`;
  }
  ctes.push(insCte(w, name, `${insertFrom(w, source, where)} ${conflict} DO UPDATE SET ${replaceRow(w, pk)}`));
  return out;
}

/** scd2's timestamps as SQL: the boundary (given, or the load id's time) and the active records' valid-to. */
function scd2Times(w: TableWrite): { boundary: string; active: string; bindings: Knex.RawBinding[] } {
  const s = w.merge!.scd2!;
  const boundary = s.boundaryTimestamp !== undefined ? '?::timestamptz' : 'to_timestamp(?::double precision)';
  return {
    boundary,
    active: s.activeRecordTimestamp === null ? 'NULL::timestamptz' : '?::timestamptz',
    bindings: [s.boundaryTimestamp ?? w.loadId, ...(s.activeRecordTimestamp === null ? [] : [s.activeRecordTimestamp])],
  };
}

/** The SQL condition of an active scd2 row `d` and its bindings. */
export function scd2Active(w: Pick<TableWrite, 'merge'>, d: string): { sql: string; bindings: Knex.RawBinding[] } {
  const s = w.merge!.scd2!;
  return s.activeRecordTimestamp === null
    ? { sql: `${d}.${q(s.validTo)} IS NULL`, bindings: [] }
    : { sql: `${d}.${q(s.validTo)} = ?::timestamptz`, bindings: [s.activeRecordTimestamp] };
}

/**
 * dlt's scd2, page by page: a record whose row version no active row has is inserted, valid from
 * the boundary and active; every version the page has is noted (SCD2_SEEN_TABLE) so the
 * resource's finish retires the active rows this load did not see ({@link scd2RetireSql}). Two
 * identical records in one page insert one row.
 */
function scd2Sql(w: TableWrite, name: string): WriteSql {
  const s = w.merge!.scd2!;
  const version = q(s.rowVersion);
  const times = scd2Times(w);
  const active = scd2Active(w, 'a');
  const target = qualified(w.schema, w.table);
  const insert = insertFrom(w, `(SELECT DISTINCT ON (${version}) * FROM ${name}_src ORDER BY ${version}, ${q(ORDINAL)})`, `NOT EXISTS (SELECT 1 FROM ${target} a WHERE a.${version} = s.${version} AND ${active.sql})`, [
    [q(s.validFrom), times.boundary],
    [q(s.validTo), times.active],
  ]);
  return {
    ctes: [
      `${name}_seen AS (INSERT INTO ${qualified(w.schema, SCD2_SEEN_TABLE)} (table_name, load_id, version)
        SELECT DISTINCT ?, ?, s.${version}::text FROM ${name}_src s ON CONFLICT DO NOTHING)`,
      insCte(w, name, insert),
    ],
    bindings: [w.seenKey, w.loadId, w.loadId, ...times.bindings, ...active.bindings],
  };
}

/**
 * scd2's retirement when a resource finishes: active rows whose version this load did not see
 * get valid-to = the boundary (with a merge_key, only rows whose key the load had). Only after
 * a load that saw rows (an empty load retires nothing, as dlt runs no merge without data); the
 * caller deletes the load's seen versions in the same transaction, so a retried finish is a no-op.
 */
export function scd2RetireSql(w: Pick<TableWrite, 'schema' | 'table' | 'merge' | 'mergeKey' | 'loadId' | 'seenKey'>): WriteSql {
  const s = w.merge!.scd2!;
  const version = q(s.rowVersion);
  const seen = qualified(w.schema, SCD2_SEEN_TABLE);
  const target = qualified(w.schema, w.table);
  const times = scd2Times(w as TableWrite);
  const active = scd2Active(w, 'd');
  const seenBy = (x: string) => `SELECT 1 FROM ${seen} v WHERE v.table_name = ? AND v.load_id = ? AND v.version = ${x}.${version}::text`;
  let sql = `UPDATE ${target} d SET ${q(s.validTo)} = ${times.boundary}
    WHERE ${active.sql} AND NOT EXISTS (${seenBy('d')})
    AND EXISTS (SELECT 1 FROM ${seen} v WHERE v.table_name = ? AND v.load_id = ?)`;
  const bindings: Knex.RawBinding[] = [times.bindings[0], ...active.bindings, w.seenKey, w.loadId, w.seenKey, w.loadId];
  if (w.mergeKey.length) {
    sql += ` AND EXISTS (SELECT 1 FROM ${target} k WHERE ${match(w.mergeKey, 'k', 'd')} AND EXISTS (${seenBy('k')}))`;
    bindings.push(w.seenKey, w.loadId);
  }
  return { ctes: [sql], bindings };
}

/**
 * The columns a resource's table needs besides its records' (created with the table or on the
 * next page): `_dlt_load_id` always, scd2's validity columns.
 */
export function systemColumns(plan: { merge?: MergeSpec; writeDisposition: WriteDisposition }): Map<string, 'text' | 'timestamptz'> {
  const out = new Map<string, 'text' | 'timestamptz'>([[LOAD_ID_COLUMN, 'text']]);
  const scd2 = plan.writeDisposition === 'merge' ? plan.merge?.scd2 : undefined;
  if (scd2) {
    out.set(scd2.validFrom, 'timestamptz');
    out.set(scd2.validTo, 'timestamptz');
  }
  return out;
}
