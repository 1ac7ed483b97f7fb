import { ExactNumber } from '../http/json';
import type { DltType } from '../../config/column-hints';
import { parseTime, parseTimestamp, toDate, toTimestamp } from './timestamps';

/**
 * Values into dlt's data types, as dlt's normalizer does it: the type a JSON value has (dlt's
 * `py_type_to_sc_type`), the ISO timestamp detection dlt's default schema runs on new columns,
 * and the coercions of dlt's `coerce_value` table (ISO text → timestamp, numbers → text, "yes" →
 * bool, ...). A value that does not coerce returns {@link NO_FIT}: its column gets a variant.
 * Values come out in the form Postgres reads from JSON text into the column (`json_to_recordset`).
 */
export const NO_FIT: unique symbol = Symbol('no fit');
export type Coerced = unknown | typeof NO_FIT;

const INT64_MAX = 9223372036854775807n;
const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^[+-]?(inf|infinity|nan)$/i;

const inInt64 = (digits: string): boolean => {
  const n = BigInt(digits);
  return n <= INT64_MAX && n >= -INT64_MAX - 1n;
};

/**
 * The dlt type of a non-null JSON value. Integers are bigint and other numbers double, as Python
 * reads JSON; a number a double would round (an {@link ExactNumber}) is bigint when it is an
 * integer within 64 bits, else decimal, so it is stored exactly (dlt would round it or fail the load).
 */
export function kindOf(v: unknown): DltType {
  switch (typeof v) {
    case 'string':
      return 'text';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isSafeInteger(v) ? 'bigint' : 'double';
    case 'bigint':
      return 'bigint';
    default:
      if (v instanceof ExactNumber) return v.integer && inInt64(v.text) ? 'bigint' : 'decimal';
      return 'json';
  }
}

/** The type a new column takes from its first value: its kind, a string parsed as an ISO timestamp being a timestamp (dlt's `iso_timestamp` detection). */
export function inferKind(v: unknown): DltType {
  const kind = kindOf(v);
  return kind === 'text' && parseTimestamp(v as string) ? 'timestamp' : kind;
}

/** What a column is, for coercion: its dlt type and the limits its Postgres type sets. */
export interface ColumnType {
  type: DltType;
  /** varchar length; smallint/integer bits; numeric digits */
  precision?: number;
  scale?: number;
  /** timestamp: false for `timestamp without time zone` */
  timezone?: boolean;
}

/** A coercion that does not fit its column's declared size (varchar(5), numeric(10,2), smallint): the page fails, naming this. */
export class OutOfRange extends Error {}

/** `v` (of kind `kind`) as a value of column type `to`, or {@link NO_FIT}. */
export function coerce(v: unknown, kind: DltType, to: ColumnType): Coerced {
  const out = convert(v, kind, to);
  if (out !== NO_FIT) checkSize(out, to);
  return out;
}

function convert(v: unknown, kind: DltType, to: ColumnType): Coerced {
  switch (to.type) {
    case 'text':
      return toText(v, kind);
    case 'bigint':
      return toBigint(v, kind);
    case 'double':
      return toDouble(v, kind);
    case 'decimal':
    case 'wei':
      return toDecimal(v, kind);
    case 'bool':
      return toBool(v, kind);
    case 'json':
      return toJson(v, kind);
    case 'timestamp':
      return toTimestamp(v, kind, to.timezone !== false) ?? NO_FIT;
    case 'date':
      return toDate(v, kind) ?? NO_FIT;
    case 'time':
      return kind === 'text' ? parseTime(v as string) ?? NO_FIT : NO_FIT;
    case 'binary':
      return toBinary(v, kind);
  }
}

function toText(v: unknown, kind: DltType): Coerced {
  if (kind === 'text') return v;
  if (kind === 'json') return JSON.stringify(v);
  if (kind === 'bool') return v ? 'True' : 'False'; // Python's str(bool), as dlt writes it
  return kind === 'double' ? pythonFloat(v as number) : String(v);
}

/** A double as Python writes it (`1e+20`, `1.5e-07`, `9007199254740994.0`), as dlt's text of a float is. */
function pythonFloat(x: number): string {
  const exp = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 16) return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** Python's numeric literals allow `_` between digits (`1_000`): dlt's int()/float()/Decimal() take them. */
const digitsOf = (t: string): string => (/\d_\d/.test(t) && !/(^|[^\d])_|_($|[^\d])|__/.test(t) ? t.replace(/_/g, '') : t);

function toBigint(v: unknown, kind: DltType): Coerced {
  if (kind === 'bigint') return v;
  if (kind === 'double') return Number.isInteger(v) && inInt64(BigInt(v as number).toString()) ? BigInt(v as number).toString() : NO_FIT;
  if (kind === 'decimal') {
    const t = (v as ExactNumber).text.replace(/\.0*$/, '');
    return INTEGER.test(t) && inInt64(t) ? t : NO_FIT;
  }
  if (kind !== 'text') return NO_FIT;
  const t = digitsOf((v as string).trim());
  if (/^0x[0-9a-f]+$/i.test(t)) return inInt64(t) ? BigInt(t).toString() : NO_FIT;
  return INTEGER.test(t) && inInt64(t) ? BigInt(t).toString() : NO_FIT;
}

function toDouble(v: unknown, kind: DltType): Coerced {
  if (kind === 'double' || kind === 'bigint') return v;
  if (kind !== 'text') return NO_FIT; // a decimal would be rounded: kept in a variant instead
  const t = digitsOf((v as string).trim());
  if (/^0x[0-9a-f]+$/i.test(t)) return Number(BigInt(t));
  if (FLOAT.test(t)) return Number(t);
  if (SPECIAL_FLOAT.test(t)) return /nan/i.test(t) ? 'NaN' : t.startsWith('-') ? '-Infinity' : 'Infinity';
  return NO_FIT;
}

function toDecimal(v: unknown, kind: DltType): Coerced {
  if (kind === 'decimal' || kind === 'bigint' || kind === 'double') return v;
  if (kind !== 'text') return NO_FIT;
  const t = digitsOf((v as string).trim());
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t).toString();
  return FLOAT.test(t) ? t : NO_FIT;
}

const TRUE = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE = new Set(['false', 'no', 'n', 'f', '0']);

/** dlt's str2bool for text; a number is true unless zero. */
function toBool(v: unknown, kind: DltType): Coerced {
  if (kind === 'bool') return v;
  if (kind === 'bigint' || kind === 'double' || kind === 'decimal') return Number(v) !== 0;
  if (kind !== 'text') return NO_FIT;
  const t = (v as string).toLowerCase();
  return TRUE.has(t) ? true : FALSE.has(t) ? false : NO_FIT;
}

function toJson(v: unknown, kind: DltType): Coerced {
  if (kind === 'json') return v;
  if (kind !== 'text') return NO_FIT;
  try {
    return JSON.parse(v as string);
  } catch {
    return NO_FIT;
  }
}

/** `0x…` hex or strict base64 text, or an integer's little-endian bytes, as Postgres's `\x` hex. */
function toBinary(v: unknown, kind: DltType): Coerced {
  if (kind === 'bigint') {
    let n = BigInt(v as number | string);
    if (n < 0n) return NO_FIT;
    let hex = '';
    while (n > 0n) {
      hex += (n & 0xffn).toString(16).padStart(2, '0');
      n >>= 8n;
    }
    return `\\x${hex}`;
  }
  if (kind !== 'text') return NO_FIT;
  const s = v as string;
  if (s.startsWith('0x')) return /^0x([0-9a-f]{2})*$/i.test(s) ? `\\x${s.slice(2)}` : NO_FIT;
  if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return NO_FIT;
  return `\\x${Buffer.from(s, 'base64').toString('hex')}`;
}

/** A value past its column's declared size would fail the insert: say which limit, so the page fails naming the column. */
function checkSize(v: unknown, to: ColumnType): void {
  if (to.precision === undefined) return;
  if (to.type === 'text' && typeof v === 'string' && v.length > to.precision && [...v].length > to.precision) {
    throw new OutOfRange(`${[...v].length} characters do not fit varchar(${to.precision})`);
  }
  if (to.type === 'bigint' && to.precision < 64) {
    const limit = 2n ** BigInt(to.precision - 1);
    const n = BigInt(String(v));
    if (n >= limit || n < -limit) throw new OutOfRange(`${String(v)} does not fit a ${to.precision}-bit integer`);
  }
  if ((to.type === 'decimal' || to.type === 'wei') && typeof v !== 'boolean') {
    const digits = integerDigits(String(v));
    if (digits > to.precision - (to.scale ?? 0)) throw new OutOfRange(`${String(v)} does not fit numeric(${to.precision},${to.scale ?? 0})`);
  }
}

/** Digits before the point of a decimal literal (`1.5e3` has 4). */
function integerDigits(text: string): number {
  const m = /^[+-]?0*(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) return 0;
  const exp = Number(m[3] ?? 0);
  return Math.max(0, m[1].length + exp);
}
