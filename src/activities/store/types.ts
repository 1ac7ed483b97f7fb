import { ExactNumber } from '../http/json';
import type { DltType } from '../../config/column-hints';
import type { ColumnType } from './coerce';

/**
 * Column types inferred from JSON values, from narrowest to widest. A value that no longer fits
 * its column widens the column (bigint → double precision → numeric → text; anything → jsonb
 * keeps all). `numeric` takes the numbers a double would round (an {@link ExactNumber}) exactly.
 */
export type PgType = 'bigint' | 'double precision' | 'numeric' | 'boolean' | 'timestamptz' | 'text' | 'jsonb';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/** The type a single JSON value asks for; undefined for null (it fits any column). */
export function typeOfValue(v: unknown): PgType | undefined {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isSafeInteger(v) ? 'bigint' : 'double precision';
    case 'bigint':
      return 'bigint';
    case 'string':
      return ISO_TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v)) ? 'timestamptz' : 'text';
    default:
      return v instanceof ExactNumber ? 'numeric' : 'jsonb';
  }
}

/** Does a value of type `value` load into a column of type `column` without loss? */
export function fits(value: PgType, column: string): boolean {
  if (value === column) return true;
  switch (column) {
    case 'jsonb':
    case 'text':
      return true; // text keeps objects as their JSON text
    case 'double precision':
      return value === 'bigint';
    case 'numeric':
      return value === 'bigint' || value === 'double precision';
    default:
      return false;
  }
}

/** The narrowest type that holds both. */
export function widen(a: PgType | undefined, b: PgType | undefined): PgType | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  if (fits(a, b)) return b;
  if (fits(b, a)) return a;
  if (a === 'jsonb' || b === 'jsonb') return 'jsonb';
  return 'text';
}

/**
 * Normalizes the spelling Postgres reports in information_schema to ours. `character varying`
 * (what dlt and rest-sync create) and `text` (what rest-sync created before) are both dlt's
 * `text`: an existing dataset keeps loading into its `text` columns, no variant, no ALTER.
 */
export function canonicalType(dataType: string): string {
  const t = dataType.toLowerCase();
  if (t === 'character varying' || t === 'varchar') return 'text';
  if (t === 'timestamp with time zone') return 'timestamptz';
  if (t === 'integer' || t === 'smallint') return 'bigint';
  return t;
}

/** A column's declared limits, as information_schema reports them. */
export interface ColumnLimits {
  length?: number | null;
  precision?: number | null;
  scale?: number | null;
}

/**
 * What an existing column is in dlt's terms (dlt's `from_destination_type` on Postgres), with the
 * limits a value must respect: `integer` is a 32-bit bigint, `character varying(5)` text of 5.
 * A type dlt has no name for (uuid, an enum) takes text, which Postgres parses.
 */
export function columnTypeOf(dataType: string, limits: ColumnLimits = {}): ColumnType {
  const sized = (type: DltType, precision?: number | null, scale?: number | null): ColumnType => ({
    type,
    ...(precision != null ? { precision } : {}),
    ...(scale != null ? { scale } : {}),
  });
  switch (dataType.toLowerCase()) {
    case 'character varying':
    case 'varchar':
      return sized('text', limits.length);
    case 'integer':
      return sized('bigint', 32);
    case 'smallint':
      return sized('bigint', 16);
    case 'bigint':
      return { type: 'bigint' };
    case 'double precision':
    case 'real':
      return { type: 'double' };
    case 'numeric':
      return sized('decimal', limits.precision, limits.precision != null ? limits.scale ?? 0 : undefined);
    case 'boolean':
      return { type: 'bool' };
    case 'timestamptz':
    case 'timestamp with time zone':
      return { type: 'timestamp' };
    case 'timestamp':
    case 'timestamp without time zone':
      return { type: 'timestamp', timezone: false };
    case 'date':
      return { type: 'date' };
    case 'time without time zone':
    case 'time with time zone':
    case 'time':
      return { type: 'time' };
    case 'bytea':
      return { type: 'binary' };
    case 'jsonb':
    case 'json':
      return { type: 'json' };
    default:
      return { type: 'text' };
  }
}

/**
 * The type a DDL statement declares for one of {@link PgType}'s names (or a hint's Postgres
 * type): dlt's Postgres mapper writes its `text` as `varchar`, so rest-sync's `text` is created
 * as `varchar` too. Inside the loader both stay `text` (see {@link canonicalType}).
 */
export function ddlType(type: string): string {
  return type === 'text' ? 'varchar' : type;
}

/** The Postgres type of a column rest-sync creates for a dlt type it inferred (a decimal is exact `numeric`). */
export function pgTypeOfKind(kind: DltType): string {
  return INFERRED_PG[kind];
}

const INFERRED_PG: Record<DltType, string> = {
  text: 'text',
  double: 'double precision',
  bool: 'boolean',
  timestamp: 'timestamptz',
  bigint: 'bigint',
  binary: 'bytea',
  json: 'jsonb',
  decimal: 'numeric',
  wei: 'numeric',
  date: 'date',
  time: 'time',
};
