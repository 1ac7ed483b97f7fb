import { DataError } from '../../errors';
import { ExactNumber, isVetted } from '../http/json';
import { cleanValue, Replacements, type CleanContext } from './clean';
import { ColumnNames, type NameCache } from './names';
import { typeOfValue, widen, type PgType } from './types';

/**
 * The most columns a table may get. Postgres allows 1,600, but a row of 1,600 eight-byte values
 * is past its 8 kB row limit; 800 fit. A page that would need more fails, naming the limit.
 */
export const MAX_COLUMNS = 800;

export interface PreparedRows {
  rows: Record<string, unknown>[];
  /** column → widest type this page's values ask for */
  types: Map<string, PgType | undefined>;
  /** column → the record key it holds, for columns this page may create */
  keys: Map<string, string>;
}

export interface PrepareOptions {
  primaryKey: string[];
  dedupe: boolean;
  /** `resource "users" page 3`, for messages */
  where: string;
  /** parent fields for child resources (already column names) */
  extra?: Record<string, unknown>;
  /** the destination table's columns and the key each holds (from readShape) */
  owners?: ReadonlyMap<string, string | null>;
  /** one message per page for what was kept in another form (renamed keys, replaced characters) */
  warn?: (message: string) => void;
  /** the worker's normalized names (a page alone when absent) */
  names?: NameCache;
}

/**
 * Whether a value is already covered by the type a column has in this page, without the full
 * inference (the timestamp pattern is the costly part): the hot path of every page.
 */
function covered(type: PgType | undefined, v: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof v === 'string';
    case 'jsonb':
      return true;
    case 'bigint':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'double precision':
      return typeof v === 'number';
    case 'numeric':
      return typeof v === 'number' || v instanceof ExactNumber;
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

/** The record with column names as keys: the parsed object itself when its keys already are. */
function asRow(rec: Record<string, unknown>, names: ColumnNames, extra: Record<string, unknown> | undefined): Record<string, unknown> {
  let row = rec;
  for (const k in rec) {
    if (names.column(k) !== k) {
      row = {};
      for (const key in rec) row[names.column(key)] = rec[key];
      break;
    }
  }
  return extra ? Object.assign(row, extra) : row;
}

/**
 * A primary key value as the database compares it: `5` and `"5"` are one key (a text column
 * holds both as `5`), objects by their JSON. Used to collapse a page's duplicates.
 */
function keyText(v: unknown): string {
  return v !== null && typeof v === 'object' && !(v instanceof ExactNumber) ? JSON.stringify(v) : String(v);
}

/**
 * Turns API records into rows: keys mapped to column names (colliding names get suffixed
 * columns, see ColumnNames), `extra` columns added (parent fields), text Postgres cannot store
 * replaced, nesting and width checked against their limits, primary keys checked, and for merge,
 * duplicate keys in one page collapsed (last wins) so one upsert statement never touches a row
 * twice. Records come fresh from the parser, so a record whose keys need no renaming is used
 * as its row without a copy.
 */
export function prepareRows(records: unknown[], opts: PrepareOptions): PreparedRows {
  const types = new Map<string, PgType | undefined>();
  const byKey = new Map<string, Record<string, unknown>>();
  const rows: Record<string, unknown>[] = [];
  const names = new ColumnNames(opts.owners, opts.names);
  const replaced = new Replacements();
  const ctx: CleanContext = { names, replaced, where: opts.where };
  const pk = opts.primaryKey;
  const dedupe = opts.dedupe && pk.length > 0;
  const vetted = isVetted(records);
  records.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new DataError(`${opts.where}: record ${i} is ${Array.isArray(rec) ? 'an array' : typeof rec}, not an object`);
    }
    const source = rec as Record<string, unknown>;
    const row = asRow(source, names, opts.extra);
    for (const k in row) {
      if (!vetted && ((row[k] !== null && typeof row[k] === 'object') || typeof row[k] === 'string')) cleanValue(source, row, k, ctx, i);
      const v = row[k];
      if (v === null || v === undefined) {
        if (!types.has(k)) types.set(k, undefined);
        continue;
      }
      const have = types.get(k);
      if (!covered(have, v)) types.set(k, have === undefined ? typeOfValue(v) : widen(have, typeOfValue(v)));
    }
    checkPrimaryKey(row, pk, opts.where, i);
    if (!dedupe) {
      rows.push(row);
      return;
    }
    const key = pk.length === 1 ? keyText(row[pk[0]]) : JSON.stringify(pk.map((c) => keyText(row[c])));
    if (byKey.has(key)) byKey.delete(key);
    byKey.set(key, row);
  });
  checkWidth(types, opts);
  warnings(names, replaced, opts);
  const keys = new Map<string, string>();
  for (const column of types.keys()) {
    const key = names.keyFor(column);
    if (key !== null) keys.set(column, key);
  }
  return { rows: dedupe ? [...byKey.values()] : rows, types, keys };
}

function checkPrimaryKey(row: Record<string, unknown>, pk: string[], where: string, i: number): void {
  if (pk.every((c) => row[c] !== null && row[c] !== undefined)) return;
  const missing = pk.filter((c) => row[c] === null || row[c] === undefined);
  throw new DataError(
    `${where}: record ${i} has no value for primary key ${missing.map((m) => `"${m}"`).join(', ')}` +
      ` (its keys: ${Object.keys(row).slice(0, 12).join(', ')}); set primary_key to a field every record has`,
  );
}

/** A page whose records would make the table wider than {@link MAX_COLUMNS} fails, naming the limit. */
function checkWidth(types: Map<string, unknown>, opts: PrepareOptions): void {
  let width = types.size;
  for (const c of opts.owners?.keys() ?? []) if (!types.has(c)) width++;
  if (width <= MAX_COLUMNS) return;
  throw new DataError(
    `${opts.where}: the records' fields need ${width} columns; a table takes at most ${MAX_COLUMNS} ` +
      `(Postgres's own limit is 1,600 and its row size); select fewer fields or nest them (data_selector)`,
  );
}

function warnings(names: ColumnNames, replaced: Replacements, opts: PrepareOptions): void {
  if (!opts.warn) return;
  for (const c of names.collisions) {
    const holder = c.holder === null ? 'another key' : `key ${JSON.stringify(c.holder)}`;
    opts.warn(`${opts.where}: key ${JSON.stringify(c.key)} goes to column "${c.column}": its name is taken by ${holder}`);
  }
  const message = replaced.message(opts.where);
  if (message) opts.warn(message);
}
