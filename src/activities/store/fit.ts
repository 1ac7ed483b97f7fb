import { DataError } from '../../errors';
import type { ColumnHintSpec, DltType } from '../../config/column-hints';
import { coerce, inferKind, kindOf, NO_FIT, OutOfRange, type ColumnType } from './coerce';
import { shorten } from './names';
import { DLT_NOT_NULL, type TableShape } from './tables';
import { canonicalType, columnTypeOf, pgTypeOfKind, widen, type PgType } from './types';

/**
 * One table's rows of a page on their way to Postgres: the rows (keys are column names) and,
 * for every column they carry, its Postgres type (undefined: only nulls seen). The normalizer
 * makes one per table (a resource's table and its child tables); hints, coercion and the schema
 * contract apply to each.
 */
export interface TableWrite {
  table: string;
  rows: Record<string, unknown>[];
  types: Map<string, string | undefined>;
}

/** A column a write adds to its table. */
export interface NewColumn {
  /** a variant (`col__v_text`): a value that did not fit its column */
  variant: boolean;
  /** set by a column hint (declared: the `columns` contract does not apply) */
  hinted: boolean;
  /** only nulls seen */
  nullOnly: boolean;
  /** a variant: the column whose values it takes */
  of?: string;
}

export interface FittedWrite extends TableWrite {
  /** the columns this write adds to the table, in order of first sight */
  added: Map<string, NewColumn>;
}

export interface FitOptions {
  /** the table as it is (for a replace, the staging table, else the table it replaces) */
  shape?: TableShape;
  /** column hints by column name (the root table's; child tables have none) */
  hints?: Record<string, ColumnHintSpec>;
  /** `resource "users" page 3`, for messages */
  where: string;
  /**
   * Key columns (primary and merge key): a variant would leave the key NULL, so a key value that
   * does not fit widens its column instead (bigint → numeric → text), keeping every key.
   */
  keys?: readonly string[];
  /**
   * The `data_type` contract when it is not evolve: widening a key column is a type change, so
   * freeze fails the page and the discard modes drop the record (a key value cannot be dropped alone).
   */
  keyTypeChange?: 'freeze' | 'discard_row' | 'discard_value';
}

/** dlt's variant column of `column` for values of `kind`: `<column>__v_<kind>`, shortened as dlt does. */
export function variantName(column: string, kind: string): string {
  return shorten(`${column}__v_${kind}`);
}

/** The column type a typed hint declares: its Postgres type read back as the table would report it. */
function hintedType(h: ColumnHintSpec | undefined): ColumnType | undefined {
  if (h?.dataType === undefined || h.pgType === undefined) return undefined;
  const size = /\((\d+)(?:,(\d+))?\)$/.exec(h.pgType);
  const base = h.pgType.replace(/\(.*$/, '');
  const sized = size && (base === 'varchar' || base === 'numeric');
  return columnTypeOf(base, sized ? { length: +size[1], precision: +size[1], scale: size[2] !== undefined ? +size[2] : 0 } : {});
}

/**
 * Fits a write's rows to its table as dlt's normalizer does: each value is coerced to its column's
 * type (the table's, else the hint's, else inferred from the column's first value in the page);
 * a value that does not coerce goes to a variant column named for its own type, never lost. A null
 * (or missing) value in a NOT NULL column, or a value past its column's size, fails the page,
 * naming the column. Rows are copied before they change: the records stay as parsed (children
 * fan out over them). Hinted columns the table lacks are added.
 */
export function fitWrite(write: TableWrite, opts: FitOptions): FittedWrite {
  const hints = opts.hints ?? {};
  const existing = opts.shape?.types ?? new Map([...(opts.shape?.columns ?? [])].map(([c, t]) => [c, columnTypeOf(t)]));
  const cols = new Map<string, ColumnType>(existing);
  const types = new Map<string, string | undefined>();
  const added = new Map<string, NewColumn>();
  // dlt's own NOT NULL columns are the loader's to fill (`_dlt_load_id` by the statement): not checked per row
  const notNull = new Set([...(opts.shape?.notNull ?? [])].filter((c) => !DLT_NOT_NULL.has(c)));
  const keys = new Set(opts.keys ?? []);
  for (const [name, h] of Object.entries(hints)) {
    if (h.nullable === false) notNull.add(name);
    const t = hintedType(h);
    if (!t || existing.has(name)) continue;
    cols.set(name, t);
    types.set(name, h.pgType);
    added.set(name, { variant: false, hinted: true, nullOnly: false });
  }
  const typeOf = (column: string): string | undefined => (types.has(column) ? types.get(column) : opts.shape?.columns.get(column));
  const rows = write.rows.map((row, i): Record<string, unknown> | undefined => {
    let out = row;
    const set = (column: string, value: unknown, drop?: string) => {
      if (out === row) out = { ...row };
      if (drop !== undefined) delete out[drop];
      out[column] = value;
    };
    for (const k in row) {
      const v = row[k];
      if (v === null || v === undefined) {
        if (notNull.has(k)) throw notNullError(opts.where, write.table, k, i);
        if (!cols.has(k) && !types.has(k)) {
          types.set(k, undefined);
          added.set(k, { variant: false, hinted: false, nullOnly: true });
        }
        continue;
      }
      const kind = kindOf(v);
      let col = cols.get(k);
      if (!col) {
        col = { type: firstType(v, write.types.get(k)) };
        cols.set(k, col);
        types.set(k, pgTypeOfKind(col.type));
        added.set(k, { variant: false, hinted: false, nullOnly: false });
      }
      if (!types.has(k)) types.set(k, typeOf(k));
      if (kind === col.type && col.precision === undefined) continue;
      const fitted = coerceAt(v, kind, col, opts.where, write.table, k, i);
      if (fitted !== NO_FIT) {
        if (fitted !== v) set(k, fitted);
        continue;
      }
      if (keys.has(k)) {
        if (hints[k]?.dataType !== undefined) {
          throw new DataError(`${opts.where}: record ${i}: the key value of "${k}" (${kind}) does not fit its hinted type ${hints[k].dataType}`);
        }
        if (opts.keyTypeChange === 'freeze') {
          throw new DataError(`${opts.where}: schema_contract data_type is freeze: record ${i}: the key value of "${k}" (${kind}) does not fit its column (${typeOf(k)}) of table "${write.table}", which would have to change type`);
        }
        if (opts.keyTypeChange) return undefined;
        col = widenKey(k, kind, cols, types, typeOf(k));
        const widened = coerceAt(v, kind, col, opts.where, write.table, k, i);
        if (widened !== v) set(k, widened);
        continue;
      }
      const variant = variantName(k, kind);
      let vcol = cols.get(variant);
      if (!vcol) {
        vcol = { type: kind };
        cols.set(variant, vcol);
        types.set(variant, pgTypeOfKind(kind));
        added.set(variant, { variant: true, hinted: false, nullOnly: false, of: k });
      } else if (!types.has(variant)) types.set(variant, typeOf(variant));
      const value = coerceAt(v, kind, vcol, opts.where, write.table, variant, i);
      if (value === NO_FIT) {
        throw new DataError(`${opts.where}: record ${i}: the value of "${k}" (${kind}) fits neither column "${k}" (${col.type}) nor its variant "${variant}" (${vcol.type})`);
      }
      set(variant, value, k);
    }
    for (const c of notNull) if (!(c in out)) throw notNullError(opts.where, write.table, c, i);
    return out;
  });
  return { table: write.table, rows: rows.filter((r) => r !== undefined), types, added };
}

/**
 * A new column's type: its first value's (dlt), except that integers and fractions in one page make
 * a double column: JSON's `0.0` parses to the integer 0 here (Python keeps a float), so without this
 * a float column whose first value is whole would send the rest to a variant.
 */
function firstType(v: unknown, pageType: string | undefined): DltType {
  const kind = inferKind(v);
  return kind === 'bigint' && pageType === 'double precision' ? 'double' : kind;
}

/** A key column's wider type, for a value of `kind` that does not fit it: the narrowest of rest-sync's widening that holds both. */
function widenKey(column: string, kind: DltType, cols: Map<string, ColumnType>, types: Map<string, string | undefined>, have: string | undefined): ColumnType {
  const to = widen(canonicalType(have ?? 'text') as PgType, pgTypeOfKind(kind) as PgType) ?? 'text';
  const col = columnTypeOf(to);
  cols.set(column, col);
  types.set(column, to);
  return col;
}

function coerceAt(v: unknown, kind: ReturnType<typeof kindOf>, col: ColumnType, where: string, table: string, column: string, i: number): unknown {
  try {
    return coerce(v, kind, col);
  } catch (err) {
    if (err instanceof OutOfRange) throw new DataError(`${where}: record ${i}: column "${column}" of table "${table}": ${err.message}`);
    throw err;
  }
}

function notNullError(where: string, table: string, column: string, i: number): DataError {
  return new DataError(`${where}: record ${i} has no value for column "${column}" of table "${table}", which is not nullable (nullable: false)`);
}
