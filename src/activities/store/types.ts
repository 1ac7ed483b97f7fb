import { ExactNumber } from '../http/json';

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

/** Normalizes the spelling Postgres reports in information_schema to ours. */
export function canonicalType(dataType: string): string {
  const t = dataType.toLowerCase();
  if (t === 'timestamp with time zone') return 'timestamptz';
  if (t === 'integer' || t === 'smallint') return 'bigint';
  return t;
}
