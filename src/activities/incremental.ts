import type { IncrementalSpec, Json } from '../plan/types';
import type { RequestSpec } from './paginators/types';
import { DataError } from '../errors';
import { getPath } from './json-path';
import { fillJson, fillText, type TemplateValues } from '../plan/placeholders';
import { recordHash } from './dedup';
import { applyLag } from './lag';

/** The values a run's requests and filter use: fixed for the whole run of a resource (or, per_parent, of a parent record). */
export interface IncrementalWindow {
  start: Json;
  end: Json;
  /** dedup hashes of the records earlier runs loaded at `start` (boundary deduplication) */
  startHashes?: string[];
}

/** dlt's comparison: numbers numerically, everything else as text (ISO timestamps sort as text). */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The `{incremental.*}` placeholder values of a run. */
function incrementalValues(w: IncrementalWindow, spec: IncrementalSpec): TemplateValues {
  return {
    'incremental.start_value': w.start,
    'incremental.last_value': w.start,
    'incremental.initial_value': spec.initialValue,
    'incremental.end_value': w.end,
  };
}

/**
 * Puts the run's incremental window into the request: `start_param`/`end_param` query params and
 * dlt's `{incremental.start_value}` placeholders in the path, params, headers and
 * body (a body string that is only the placeholder takes the value itself, as dlt's json does).
 */
export function applyIncremental(req: RequestSpec, spec: IncrementalSpec, w: IncrementalWindow): RequestSpec {
  const values = incrementalValues(w, spec);
  const params = fillJson(req.params as Json, values) as Record<string, Json>;
  if (spec.startParam && w.start !== null && w.start !== undefined) params[spec.startParam] = w.start;
  if (spec.endParam && w.end !== null && w.end !== undefined) params[spec.endParam] = w.end;
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, fillText(v, values)]));
  return { ...req, url: fillText(req.url, values), params, headers, json: req.json === undefined ? undefined : fillJson(req.json, values, true) };
}

/** What one page leaves of its records, and what it tells the resource's incremental state. */
export interface Filtered {
  records: unknown[];
  /** the best cursor value kept (largest for max, smallest for min); null when none */
  max: Json;
  /** dedup hashes of the records kept at `max` (empty when boundary deduplication is off) */
  hashes: string[];
  /** row_order: a record past the end (asc) or before the start (desc) was seen, so no later page is in range */
  stop: boolean;
}

/** `a` comes after `b` in the order of last_value_func: larger for max, smaller for min. */
export function isBetter(spec: IncrementalSpec, a: unknown, b: unknown): boolean {
  const c = compare(a, b);
  return spec.lastValueFunc === 'min' ? c < 0 : c > 0;
}

/**
 * dlt turns boundary deduplication off for an open range start, a bounded range (no state is
 * kept), a lag (the destination must deduplicate what is read again) and `primary_key: []`.
 */
export function deduplicates(spec: IncrementalSpec): boolean {
  if (spec.rangeStart === 'open' || (spec.endValue !== undefined && spec.endValue !== null) || spec.lag) return false;
  return !(Array.isArray(spec.primaryKey) && spec.primaryKey.length === 0);
}

/** The key boundary hashes are taken by: the incremental's primary_key, else the resource's, else the whole record. */
export function dedupKey(spec: IncrementalSpec, resourceKey: string[]): string | string[] | undefined {
  if (spec.primaryKey !== undefined) return spec.primaryKey;
  if (resourceKey.length === 0) return undefined;
  return resourceKey.length === 1 ? resourceKey[0] : resourceKey;
}

const isSet = (x: Json | undefined): x is Json => x !== null && x !== undefined;

/** Python's ordering classes: numbers (booleans are ints) with numbers, strings with strings, lists with lists; objects never. */
const orderKind = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? 'number' : typeof v === 'string' ? 'string' : Array.isArray(v) ? 'list' : 'other');

/**
 * dlt compares a record's cursor value with the start and end values as Python does, which fails
 * for values of different kinds (a number against a date string): so does this, naming both,
 * instead of comparing them as text (IncrementalCursorInvalidCoercion in dlt).
 */
function assertComparable(v: Json, bound: Json, name: string, spec: IncrementalSpec, where: string): void {
  const [a, b] = [orderKind(v), orderKind(bound)];
  if (a === b && a !== 'other') return;
  throw new DataError(
    `${where}: the cursor value ${JSON.stringify(v)} at "${spec.cursorPath}" cannot be compared with the ${name} ${JSON.stringify(bound)}; give initial_value / end_value of the cursor's kind`,
  );
}

/** The cursor value of a record, or undefined when it has none and on_cursor_value_missing lets it through. */
function cursorOf(r: unknown, spec: IncrementalSpec, where: string): Json | undefined {
  const v = getPath(r, spec.cursorPath) as Json;
  if (v !== undefined && v !== null) return v;
  if ((spec.onCursorValueMissing ?? 'raise') === 'raise') {
    throw new DataError(`${where}: a record has no value at the incremental cursor_path "${spec.cursorPath}"; set on_cursor_value_missing to include or exclude such records`);
  }
  return undefined;
}

/**
 * Keeps the records inside the window as dlt's JsonIncremental does: past the end (at it too,
 * unless range_end is closed) or before the start are dropped; at the start a record is dropped
 * when range_start is open, or when an earlier run loaded it (its hash is in `startHashes`). The
 * order is last_value_func's. A record without a cursor value fails the page unless
 * on_cursor_value_missing says include or exclude. `resourceKey`: the resource's primary key;
 * `parentFields`: a child's include_from_parent fields as dlt adds them to each record (`_<parent>_<field>`).
 */
export function filterIncremental(
  records: unknown[],
  spec: IncrementalSpec,
  w: IncrementalWindow,
  where = 'page',
  resourceKey: string[] = [],
  parentFields?: Record<string, unknown>,
): Filtered {
  const dedup = deduplicates(spec);
  const key = dedupKey(spec, resourceKey);
  // dlt hashes a child's record with its include_from_parent fields in it
  const hash = (r: unknown) => recordHash(parentFields && key === undefined ? { ...(r as object), ...parentFields } : r, key, where);
  const seen = new Set(w.startHashes ?? []);
  let max: Json = null;
  let atMax: unknown[] = [];
  let startOut = false;
  let endOut = false;
  const kept = records.filter((r) => {
    const v = cursorOf(r, spec, where);
    if (v === undefined) return spec.onCursorValueMissing === 'include';
    if (isSet(w.end)) assertComparable(v, w.end, 'end_value', spec, where);
    if (isSet(w.start)) assertComparable(v, w.start, 'start value', spec, where);
    if (isSet(w.end) && (isBetter(spec, v, w.end) || (compare(v, w.end) === 0 && spec.rangeEnd !== 'closed'))) return !(endOut = true);
    if (isSet(w.start)) {
      if (isBetter(spec, w.start, v)) return !(startOut = true);
      if (compare(v, w.start) === 0 && (spec.rangeStart === 'open' || (dedup && seen.has(hash(r))))) return !(startOut = true);
    }
    if (max === null || isBetter(spec, v, max)) [max, atMax] = [v, [r]];
    else if (compare(v, max) === 0) atMax.push(r);
    return true;
  });
  const hashes = dedup ? [...new Set(atMax.map(hash))] : [];
  const stop = (spec.rowOrder === 'asc' && endOut) || (spec.rowOrder === 'desc' && startOut);
  return { records: kept, max, hashes, stop };
}

/** dlt warns when more records than this share the last cursor value: each one's hash is kept. */
export const DUPLICATE_CURSOR_WARNING = 200;

/** dlt's warning about a low-resolution cursor, whose boundary hashes grow with every record at the last value. */
export function duplicateCursorWarning(resource: string, cursorPath: string, n: number): string {
  return `resource "${resource}": ${n} records share the last value of cursor "${cursorPath}", and each one's hash is kept for boundary deduplication; a cursor of higher resolution (a timestamp, not a date) keeps the state small`;
}

/** dlt's bounded range: with `end_value` the incremental keeps no state between runs. */
export function isBackfill(spec: IncrementalSpec): boolean {
  return spec.endValue !== undefined && spec.endValue !== null;
}

/** A run's start value from the last value kept (none: the initial value), moved back by `lag` as dlt does. */
export function startOf(spec: IncrementalSpec, last: Json | undefined): Json {
  if (last === undefined || last === null) return spec.initialValue ?? null;
  if (!spec.lag || isBackfill(spec)) return last;
  return applyLag(spec.lag, last, spec.lastValueFunc ?? 'max', spec.initialValue, compare);
}

/**
 * The incremental state after `value`/`hashes` (a page's, or a run's) were loaded on top of
 * `best`/`bestHashes`: dlt keeps the best value in last_value_func's order and the hashes of the
 * records loaded at it (a new best value starts them afresh; an equal one adds to them).
 */
export function mergeBest(spec: IncrementalSpec, best: Json, bestHashes: string[], value: Json, hashes: string[]): { value: Json; hashes: string[] } {
  if (value === null || value === undefined) return { value: best, hashes: bestHashes };
  if (best === null || best === undefined || isBetter(spec, value, best)) return { value, hashes: [...new Set(hashes)] };
  if (compare(value, best) === 0) return { value: best, hashes: [...new Set([...bestHashes, ...hashes])] };
  return { value: best, hashes: bestHashes };
}
