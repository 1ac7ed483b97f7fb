import type { DltType } from '../../config/column-hints';

/**
 * Dates and times as dlt reads them (pendulum's ISO 8601 parsing, `from_timestamp` for epoch
 * seconds; a naive value is UTC) and as Postgres reads them back without guessing: with an
 * explicit offset for `timestamptz`, as the UTC wall clock for `timestamp` (dlt's `timezone: false`).
 */

/** A value (ISO text, epoch seconds) as a timestamp Postgres reads without guessing, or undefined. */
export function toTimestamp(v: unknown, kind: DltType, timezone: boolean): string | undefined {
  if (kind === 'bigint' || kind === 'double') return fromEpoch(Number(v), timezone);
  if (kind !== 'text') return undefined;
  const s = v as string;
  if (timezone && plainWithZone(s)) return s; // the hot path: most APIs send these
  const ts = parseTimestamp(s);
  return ts ? formatTimestamp(ts, timezone) : undefined;
}

/** `YYYY-MM-DDTHH:MM:SS[.f](Z|±HH:MM)` with valid fields, checked without allocating: Postgres reads it as is. */
function plainWithZone(s: string): boolean {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 32) return false;
  const n = (i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
  const y = n(0) * 100 + n(2);
  return y >= 1 && EXTENDED_WITH_ZONE.test(s) && validDate(y, n(5), n(8)) && n(11) <= 23 && n(14) <= 59 && n(17) <= 59;
}

const EXTENDED_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A value (ISO date or date and time, epoch seconds) as a date, or undefined. */
export function toDate(v: unknown, kind: DltType): string | undefined {
  if (kind === 'bigint' || kind === 'double') {
    const ts = fromEpoch(Number(v), true);
    return ts?.slice(0, 10);
  }
  if (kind !== 'text') return undefined;
  const s = (v as string).trim();
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (d) return validDate(+d[1], +d[2], +d[3]) ? s : undefined;
  const ts = parseTimestamp(s);
  return ts ? formatTimestamp(ts, false).slice(0, 10) : undefined;
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

/** What dlt's detection takes for a date and time: ISO 8601 extended or basic, `T` or a space, and `2024/01/02 03:04` (pendulum's fallback); week and ordinal dates are left as text. */
const ISO_TIMESTAMP = /^(\d{4})([-/]?)(\d{2})\2(\d{2})[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const validDate = (y: number, mo: number, d: number) => mo >= 1 && mo <= 12 && d >= 1 && d <= (mo === 2 && leap(y) ? 29 : MONTH_DAYS[mo - 1]);

/** An ISO 8601 date and time (extended or basic, `T` or a space, optional zone), or undefined. */
export function parseTimestamp(s: string): Timestamp | undefined {
  const m = ISO_TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [+m[1], +m[3], +m[4], +m[5], +(m[6] ?? 0), +(m[7] ?? 0)];
  if (y < 1 || !validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return undefined; // no year 0 (Python's datetime, Postgres)
  let offset: number | undefined;
  if (m[9]) {
    const z = m[9];
    const digits = z === 'Z' ? '0000' : z.slice(1).replace(':', '').padEnd(4, '0');
    const minutes = +digits.slice(0, 2) * 60 + +digits.slice(2);
    if (+digits.slice(2) > 59 || minutes > 18 * 60) return undefined;
    offset = z.startsWith('-') ? -minutes : minutes;
  }
  return { y, mo, d, h, mi, s: sec, fraction: m[8] ?? '', offset };
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
function fromEpoch(seconds: number, timezone: boolean): string | undefined {
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 8.64e12) return undefined;
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const iso = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${iso}${micros ? `.${pad(micros, 6)}` : ''}${timezone ? '+00:00' : ''}`;
}

/** `HH:MM[:SS[.f]]`, dlt's time. */
export function parseTime(s: string): string | undefined {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?$/.exec(s.trim());
  if (!m || +m[1] > 23 || +m[2] > 59 || +(m[3] ?? 0) > 59) return undefined;
  return s.trim();
}

