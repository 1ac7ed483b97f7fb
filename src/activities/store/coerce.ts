import { ExactNumber } from '../http/json';
import type { DltType } from '../../config/column-hints';

/**
 * Values into dlt's data types, as dlt's normalizer does it: the type a JSON value has (dlt's
 * `py_type_to_sc_type`), the ISO timestamp detection dlt's default schema runs on new columns,
 * and the coercions of dlt's `coerce_value` table (ISO text → timestamp, numbers → text, "yes" →
 * bool, ...). A value that does not coerce returns {@link NO_FIT}: its column gets a variant.
 * Values come out in the form Postgres reads from JSON text into the column (`jsonb_to_recordset`).
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
      return toTimestamp(v, kind, to.timezone !== false);
    case 'date':
      return toDate(v, kind);
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
  return String(v);
}

function toBigint(v: unknown, kind: DltType): Coerced {
  if (kind === 'bigint') return v;
  if (kind === 'double') return Number.isInteger(v) && inInt64(BigInt(v as number).toString()) ? BigInt(v as number).toString() : NO_FIT;
  if (kind === 'decimal') {
    const t = (v as ExactNumber).text.replace(/\.0*$/, '');
    return INTEGER.test(t) && inInt64(t) ? t : NO_FIT;
  }
  if (kind !== 'text') return NO_FIT;
  const t = (v as string).trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return inInt64(t) ? BigInt(t).toString() : NO_FIT;
  return INTEGER.test(t) && inInt64(t) ? BigInt(t).toString() : NO_FIT;
}

function toDouble(v: unknown, kind: DltType): Coerced {
  if (kind === 'double' || kind === 'bigint') return v;
  if (kind !== 'text') return NO_FIT; // a decimal would be rounded: kept in a variant instead
  const t = (v as string).trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return Number(BigInt(t));
  if (FLOAT.test(t)) return Number(t);
  if (SPECIAL_FLOAT.test(t)) return /nan/i.test(t) ? 'NaN' : t.startsWith('-') ? '-Infinity' : 'Infinity';
  return NO_FIT;
}

function toDecimal(v: unknown, kind: DltType): Coerced {
  if (kind === 'decimal' || kind === 'bigint' || kind === 'double') return v;
  if (kind !== 'text') return NO_FIT;
  const t = (v as string).trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t).toString();
  return FLOAT.test(t) ? t : NO_FIT;
}

const TRUE = new Set(['true', 'yes', 'y', 't', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'f', 'off', '0']);

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

function toTimestamp(v: unknown, kind: DltType, timezone: boolean): Coerced {
  if (kind === 'bigint' || kind === 'double') return fromEpoch(Number(v), timezone);
  if (kind !== 'text') return NO_FIT;
  if (timezone && plainWithZone(v as string)) return v; // the hot path: most APIs send these
  const ts = parseTimestamp(v as string);
  return ts ? formatTimestamp(ts, timezone) : NO_FIT;
}

/** `YYYY-MM-DDTHH:MM:SS[.f](Z|±HH:MM)` with valid fields, checked without allocating: Postgres reads it as is. */
function plainWithZone(s: string): boolean {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 32) return false;
  const n = (i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
  const y = n(0) * 100 + n(2);
  return EXTENDED_WITH_ZONE.test(s) && validDate(y, n(5), n(8)) && n(11) <= 23 && n(14) <= 59 && n(17) <= 59;
}

const EXTENDED_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function toDate(v: unknown, kind: DltType): Coerced {
  if (kind === 'bigint' || kind === 'double') {
    const ts = fromEpoch(Number(v), true);
    return ts === NO_FIT ? NO_FIT : ts.slice(0, 10);
  }
  if (kind !== 'text') return NO_FIT;
  const s = (v as string).trim();
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (d) return validDate(+d[1], +d[2], +d[3]) ? s : NO_FIT;
  const ts = parseTimestamp(s);
  return ts ? formatTimestamp(ts, false).slice(0, 10) : NO_FIT;
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

/** A timestamp's parts; `offset` in minutes east of UTC, undefined for a naive one (taken as UTC, as dlt does). */
interface Timestamp {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  fraction: string;
  offset?: number;
}

const ISO_TIMESTAMP = /^(\d{4})-?(\d{2})-?(\d{2})[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const validDate = (y: number, mo: number, d: number) => mo >= 1 && mo <= 12 && d >= 1 && d <= (mo === 2 && leap(y) ? 29 : MONTH_DAYS[mo - 1]);

/** An ISO 8601 date and time (extended or basic, `T` or a space, optional zone), or undefined. */
export function parseTimestamp(s: string): Timestamp | undefined {
  const m = ISO_TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [+m[1], +m[2], +m[3], +m[4], +(m[5] ?? 0), +(m[6] ?? 0)];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return undefined;
  let offset: number | undefined;
  if (m[8]) {
    const z = m[8].toUpperCase();
    const digits = z === 'Z' ? '0000' : z.slice(1).replace(':', '').padEnd(4, '0');
    const minutes = +digits.slice(0, 2) * 60 + +digits.slice(2);
    if (+digits.slice(2) > 59 || minutes > 18 * 60) return undefined;
    offset = z.startsWith('-') ? -minutes : minutes;
  }
  return { y, mo, d, h, mi, s: sec, fraction: m[7] ?? '', offset };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A timestamp as Postgres reads it without guessing: with its offset (a naive one as UTC) for a
 * `timestamptz` column, or as the UTC wall clock for a `timezone: false` column, as dlt stores it.
 */
function formatTimestamp(t: Timestamp, timezone: boolean): string {
  const frac = t.fraction ? `.${t.fraction}` : '';
  if (timezone) {
    const o = t.offset ?? 0;
    const zone = `${o < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(o) / 60))}:${pad(Math.abs(o) % 60)}`;
    return `${pad(t.y, 4)}-${pad(t.mo)}-${pad(t.d)}T${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}${frac}${zone}`;
  }
  const wall = new Date(0);
  wall.setUTCFullYear(t.y, t.mo - 1, t.d); // years below 100 stay as given
  wall.setUTCHours(t.h, t.mi, t.s, 0);
  const utc = new Date(wall.getTime() - (t.offset ?? 0) * 60_000);
  return `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${frac}`;
}

/** Seconds since the epoch (dlt's `pendulum.from_timestamp`), to the microsecond. */
function fromEpoch(seconds: number, timezone: boolean): string | typeof NO_FIT {
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 8.64e12) return NO_FIT;
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const iso = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${iso}${micros ? `.${pad(micros, 6)}` : ''}${timezone ? '+00:00' : ''}`;
}

/** `HH:MM[:SS[.f]]`, dlt's time. */
function parseTime(s: string): string | undefined {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?$/.exec(s.trim());
  if (!m || +m[1] > 23 || +m[2] > 59 || +(m[3] ?? 0) > 59) return undefined;
  return s.trim();
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
