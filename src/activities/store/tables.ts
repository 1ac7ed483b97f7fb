import type { Knex } from 'knex';
import { canonicalType, columnTypeOf, ddlType, fits, widen, type PgType } from './types';
import type { ColumnType } from './coerce';
import { ownerComment, ownerFromComment, qualified, quoteIdent, quoteLiteral } from './names';
import { sqlFree } from './db-errors';
import { DLT_ID, DLT_LIST_IDX, DLT_PARENT_ID, DLT_ROOT_ID } from './relational';
import { LOAD_ID_COLUMN } from './write-sql';

/**
 * dlt's own columns, which dlt declares NOT NULL: a table rest-sync creates declares them so too.
 * The loader writes them on every row itself, so fitting a page does not check them (fit.ts).
 */
export const DLT_NOT_NULL: ReadonlySet<string> = new Set([DLT_ID, LOAD_ID_COLUMN, DLT_PARENT_ID, DLT_LIST_IDX, DLT_ROOT_ID]);

/** What the loader knows of a destination table: its columns and their types. */
export interface TableShape {
  columns: Map<string, string>;
  /** column → the record key it was created for (its comment), null when not recorded */
  owners: Map<string, string | null>;
  hasPrimaryKey: boolean;
  /** the columns of its PRIMARY KEY constraint ([] for none) and the constraint's name */
  primaryKey: string[];
  primaryKeyName?: string;
  /** column → its dlt type and limits (what a value is coerced to); absent in shapes made by hand */
  types?: Map<string, ColumnType>;
  /** columns declared NOT NULL */
  notNull?: Set<string>;
}

/** Reads a table's columns, or undefined when it does not exist yet. */
export function readShape(db: Knex, schema: string, table: string): Promise<TableShape | undefined> {
  return sqlFree(() => readShapeSql(db, schema, table));
}

async function readShapeSql(db: Knex, schema: string, table: string): Promise<TableShape | undefined> {
  const cols = await db.raw(
    `SELECT column_name, data_type, col_description(to_regclass(?), ordinal_position::int) AS comment,
            character_maximum_length AS length, numeric_precision AS precision, numeric_scale AS scale, is_nullable
     FROM information_schema.columns
     WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
    [qualified(schema, table), schema, table],
  );
  const exists = await db.raw(`SELECT to_regclass(?) AS oid`, [qualified(schema, table)]);
  if (!exists.rows[0].oid) return undefined;
  const pk = await db.raw(
    `SELECT a.attname, c.conname FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
     WHERE c.conrelid = to_regclass(?) AND c.contype = 'p' ORDER BY k.n`,
    [qualified(schema, table)],
  );
  const columns = new Map<string, string>();
  const owners = new Map<string, string | null>();
  const types = new Map<string, ColumnType>();
  const notNull = new Set<string>();
  for (const r of cols.rows) {
    columns.set(r.column_name, canonicalType(r.data_type));
    owners.set(r.column_name, ownerFromComment(r.comment));
    types.set(r.column_name, columnTypeOf(r.data_type, r));
    if (r.is_nullable === 'NO') notNull.add(r.column_name);
  }
  const primaryKey = pk.rows.map((r: { attname: string }) => r.attname);
  return { columns, owners, hasPrimaryKey: pk.rows.length > 0, primaryKey, ...(pk.rows[0] ? { primaryKeyName: pk.rows[0].conname as string } : {}), types, notNull };
}

export interface EvolveInput {
  schema: string;
  table: string;
  /** column → type asked for by this page's values (undefined: only nulls seen) */
  pageTypes: Map<string, string | undefined>;
  /** column hints' constraints: NOT NULL on the columns of a table it creates, UNIQUE on any column it adds */
  notNull?: ReadonlySet<string>;
  unique?: ReadonlySet<string>;
  primaryKey: string[];
  /** config `columns` hints: they win over inference */
  hints: Record<string, string>;
  /** column → the record key it holds: recorded on the columns created (see ColumnNames) */
  keys?: Map<string, string>;
  /** scd2 keeps versions of a key: a PRIMARY KEY an earlier merge made is dropped */
  dropPrimaryKey?: boolean;
  /** statements run with the CREATE TABLE (a nested table's comment naming its root) */
  onCreate?: string[];
}

/** A column whose type had to change to take a page's values. */
export interface Widening {
  column: string;
  from: string;
  to: string;
}

/** A column of type `have` that a page's values of `type` do not fit, and no hint fixes its type: it is widened. */
function mustWiden(type: string | undefined, have: string, hint: string | undefined): boolean {
  return !!type && !hint && !fits(type as PgType, have);
}

/** Whether evolveTable would widen a column of the table for these page types (a page that would is committed on its own). */
export function widens(shape: TableShape | undefined, pageTypes: ReadonlyMap<string, string | undefined>, hints: Record<string, string> = {}): boolean {
  if (!shape) return false;
  for (const [col, type] of pageTypes) {
    const have = shape.columns.get(col);
    if (have !== undefined && mustWiden(type, have, Object.hasOwn(hints, col) ? hints[col] : undefined)) return true;
  }
  return false;
}

/**
 * Makes the table able to take a page: creates it, adds new columns, widens columns whose type no
 * longer fits (the value is kept, never dropped) and returns the new shape plus what was widened.
 * Each column created records its record key as a comment, in the same statement. A failure
 * carries Postgres's message, not the statement.
 */
export async function evolveTable(
  db: Knex,
  shape: TableShape | undefined,
  input: EvolveInput,
): Promise<{ shape: TableShape; widened: Widening[] }> {
  const { schema, table, pageTypes, primaryKey, hints } = input;
  const comments = (cols: Iterable<string>): string[] =>
    [...cols].filter((c) => input.keys?.has(c)).map((c) => `COMMENT ON COLUMN ${target}.${quoteIdent(c)} IS ${quoteLiteral(ownerComment(input.keys!.get(c)!))}`);
  const target = qualified(schema, table);
  // own keys only: a column named `constructor` must not find Object's
  const hint = (col: string): string | undefined => (Object.hasOwn(hints, col) ? hints[col] : undefined);
  const want = (col: string): string => ddlType(hint(col) ?? pageTypes.get(col) ?? 'text');
  const unique = (col: string): string => (input.unique?.has(col) ? ' UNIQUE' : '');
  if (!shape) {
    const cols = new Set([...primaryKey, ...pageTypes.keys()]);
    const defs = [...cols].map((c) => `${quoteIdent(c)} ${want(c)}${input.notNull?.has(c) || DLT_NOT_NULL.has(c) ? ' NOT NULL' : ''}${unique(c)}`);
    if (primaryKey.length) defs.push(`PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
    await run(db, [`CREATE TABLE IF NOT EXISTS ${target} (${defs.join(', ')})`, ...comments(cols), ...(input.onCreate ?? [])], target);
    return { shape: (await readShape(db, schema, table))!, widened: [] };
  }
  const widened: Widening[] = [];
  const alters: string[] = [];
  const added: string[] = [];
  for (const [col, type] of pageTypes) {
    const have = shape.columns.get(col);
    if (have === undefined) {
      added.push(col);
      alters.push(`ADD COLUMN IF NOT EXISTS ${quoteIdent(col)} ${want(col)}${unique(col)}`);
    } else if (mustWiden(type, have, hint(col))) {
      const to = widen(type as PgType, have as PgType) ?? 'text';
      const using = to === 'jsonb' ? `to_jsonb(${quoteIdent(col)})` : `${quoteIdent(col)}::${ddlType(to)}`;
      alters.push(`ALTER COLUMN ${quoteIdent(col)} TYPE ${ddlType(to)} USING ${using}`);
      widened.push({ column: col, from: have, to });
    }
  }
  if (primaryKey.length && !shape.hasPrimaryKey) {
    for (const c of primaryKey) if (!shape.columns.has(c)) alters.push(`ADD COLUMN IF NOT EXISTS ${quoteIdent(c)} ${ddlType('text')}`);
    alters.push(`ADD PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
  }
  if (input.dropPrimaryKey && shape.primaryKeyName) alters.push(`DROP CONSTRAINT ${quoteIdent(shape.primaryKeyName)}`);
  if (alters.length === 0) return { shape, widened };
  await run(db, [`ALTER TABLE ${target} ${alters.join(', ')}`, ...comments(added)], target);
  return { shape: (await readShape(db, schema, table))!, widened };
}

/**
 * DDL statements as one round trip (a simple query: one implicit transaction), under a
 * transaction-scoped advisory lock per table: the lanes or windows of a resource (or workers)
 * creating or altering its table at once wait for each other instead of racing in the catalog.
 */
function run(db: Knex, statements: string[], table: string): Promise<unknown> {
  const lock = `SELECT pg_advisory_xact_lock(hashtext(${quoteLiteral(`rest-sync ddl ${table}`)}))`;
  return sqlFree(() => db.raw([lock, ...statements].join(';\n')));
}
