/**
 * dlt's incremental `lag`: each run starts its window that much before the last value kept, so
 * records that arrive late (or change after they were first loaded) are read again. As in dlt:
 * numbers move by the lag itself; ISO datetime strings by lag seconds and date strings by lag
 * days, keeping the string's own format; the result never crosses `initial_value`.
 */
import type { Json } from '../plan/types';
import { DataError } from '../errors';

type Order = 'max' | 'min';

/** A parsed ISO string as dlt's detect_datetime_format sees it: the instant's parts and how it was written. */
interface Stamp {
  /** microseconds since the epoch of the wall-clock time written (before the offset) */
  wallUs: number;
  /** offset in minutes; null: naive */
  offsetMin: number | null;
  /** how to write it back: a date, or a datetime down to hours / minutes / seconds / microseconds */
  shape: 'date' | 'compact_date' | 'hour' | 'minute' | 'second' | 'micro';
  /** offset written as `Z`, `+hh:mm` or `+hhmm` */
  zone: 'Z' | 'colon' | 'plain' | 'none';
}

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const US_PER_DAY = 86_400_000_000;

/** The formats dlt's detect_datetime_format knows that lag can step (date and datetime ones). */
function parseStamp(s: string): Stamp | undefined {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return { wallUs: Date.UTC(+m[1], +m[2] - 1, +m[3]) * 1000, offsetMin: null, shape: s.includes('-') ? 'date' : 'compact_date', zone: 'none' };
  m = DATETIME.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  // dlt's formats: a zone only with seconds; minute and hour precision are naive
  if (zone && sec === undefined) return undefined;
  const micros = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1e6 + 1e-6);
  const wallUs = Date.UTC(+y, +mo - 1, +d, +h, +(mi ?? 0), +(sec ?? 0)) * 1000 + micros;
  const shape = frac !== undefined ? 'micro' : sec !== undefined ? 'second' : mi !== undefined ? 'minute' : 'hour';
  if (!zone) return { wallUs, offsetMin: null, shape, zone: 'none' };
  if (zone === 'Z') return { wallUs, offsetMin: 0, shape, zone: 'Z' };
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return { wallUs, offsetMin: sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)), shape, zone: zone.includes(':') ? 'colon' : 'plain' };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Writes a wall-clock time back in the shape and zone it was read in (strftime: `%f` is always 6 digits). */
function formatStamp(wallUs: number, like: Stamp): string {
  const ms = Math.floor(wallUs / 1000);
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (like.shape === 'date') return date;
  if (like.shape === 'compact_date') return date.replace(/-/g, '');
  let out = `${date}T${pad(d.getUTCHours())}`;
  if (like.shape !== 'hour') out += `:${pad(d.getUTCMinutes())}`;
  if (like.shape === 'second' || like.shape === 'micro') out += `:${pad(d.getUTCSeconds())}`;
  if (like.shape === 'micro') out += `.${pad(((wallUs % 1_000_000) + 1_000_000) % 1_000_000, 6)}`;
  if (like.zone === 'Z') return `${out}Z`;
  if (like.zone === 'none') return out;
  const off = like.offsetMin ?? 0;
  const abs = Math.abs(off);
  return `${out}${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${like.zone === 'colon' ? ':' : ''}${pad(abs % 60)}`;
}

const isDate = (s: Stamp) => s.shape === 'date' || s.shape === 'compact_date';

/** Lags an ISO string: seconds on the instant, or whole days (dlt: a date cursor, by its initial_value). */
function lagString(lag: number, value: string, order: Order, inDays: boolean | undefined): string {
  const stamp = parseStamp(value);
  if (!stamp) throw new DataError(`incremental lag: the cursor value ${JSON.stringify(value)} is neither a number nor an ISO date or datetime dlt can step`);
  const days = inDays ?? isDate(stamp);
  const sign = order === 'max' ? -1 : 1;
  if (!days) {
    // an instant moves (an aware value keeps its offset), not the wall clock across an offset change
    return formatStamp(stamp.wallUs + Math.round(sign * lag * 1e6), stamp);
  }
  // whole days, as Python's date + timedelta(days=…) takes only the days part
  const step = Math.floor(sign * lag);
  if (isDate(stamp)) return formatStamp(stamp.wallUs + step * US_PER_DAY, stamp);
  // a datetime lagged like a date: its day (UTC, dlt's context timezone) moved, then that day's start (max) or end (min)
  const offsetUs = (stamp.offsetMin ?? 0) * 60_000_000;
  const utcUs = stamp.wallUs - offsetUs;
  const dayUs = Math.floor(utcUs / US_PER_DAY) * US_PER_DAY + step * US_PER_DAY;
  const boundaryUs = order === 'max' ? dayUs : dayUs + US_PER_DAY - 1;
  return formatStamp(stamp.offsetMin === null ? boundaryUs : boundaryUs + offsetUs, stamp);
}

/** Whether dlt takes the cursor as a date (lag in days) or a datetime (seconds) from `initial_value`; undefined: each value decides. */
function dateTypeOf(initial: Json | undefined): boolean | undefined {
  if (typeof initial !== 'string') return undefined;
  const s = parseStamp(initial);
  return s ? isDate(s) : undefined;
}

/**
 * The start value of a run with `lag`: `last` moved back (max) or forward (min) by the lag, but
 * never past `initial` (dlt's apply_lag). A number keeps its kind (an integer stays one).
 */
export function applyLag(lag: number, last: Json, order: Order, initial: Json | undefined, compare: (a: unknown, b: unknown) => number): Json {
  let lagged: Json;
  if (typeof last === 'number') {
    const moved = order === 'max' ? last - lag : last + lag;
    lagged = Number.isInteger(last) ? Math.trunc(moved) : moved;
  } else if (typeof last === 'string') {
    lagged = lagString(lag, last, order, dateTypeOf(initial));
  } else {
    throw new DataError(`incremental lag: the last value ${JSON.stringify(last)} is neither a number nor an ISO date or datetime`);
  }
  if (initial === undefined || initial === null) return lagged;
  const initialWins = order === 'max' ? compare(initial, lagged) >= 0 : compare(initial, lagged) <= 0;
  return initialWins ? initial : lagged;
}
