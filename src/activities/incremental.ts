import type { IncrementalSpec, Json } from '../plan/types';
import type { RequestSpec } from './paginators/types';
import { DataError } from '../errors';
import { getPath } from './json-path';
import { fillJson, fillText, type TemplateValues } from '../plan/placeholders';

/** The values a run's requests and filter use: fixed for the whole run of a resource. */
export interface IncrementalWindow {
  start: Json;
  end: Json;
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
  const data = req.data === undefined ? {} : { data: fillJson(req.data, values) as RequestSpec['data'] }; // dlt formats data as text
  return { ...req, url: fillText(req.url, values), params, headers, json: req.json === undefined ? undefined : fillJson(req.json, values, true), ...data };
}

/** Whether cursor value `v` lies inside the window, its ends open or closed as dlt's range_start/range_end say. */
function inWindow(v: Json, spec: IncrementalSpec, w: IncrementalWindow): boolean {
  const set = (x: Json) => x !== null && x !== undefined;
  if (set(w.start)) {
    const c = compare(v, w.start);
    if (c < 0 || (c === 0 && spec.rangeStart === 'open')) return false;
  }
  if (set(w.end)) {
    const c = compare(v, w.end);
    if (c > 0 || (c === 0 && spec.rangeEnd !== 'closed')) return false;
  }
  return true;
}

/**
 * Keeps the records inside the window (by default cursor ≥ start, < end), as dlt does, and
 * returns the largest cursor value seen: the next run starts from it. A record without a cursor
 * value fails the page unless on_cursor_value_missing says include or exclude (dlt's default).
 */
export function filterIncremental(records: unknown[], spec: IncrementalSpec, w: IncrementalWindow, where = 'page'): { records: unknown[]; max: Json } {
  let max: Json = null;
  const kept = records.filter((r) => {
    const v = getPath(r, spec.cursorPath) as Json;
    if (v === undefined || v === null) {
      const mode = spec.onCursorValueMissing ?? 'raise';
      if (mode === 'raise') {
        throw new DataError(`${where}: a record has no value at the incremental cursor_path "${spec.cursorPath}"; set on_cursor_value_missing to include or exclude such records`);
      }
      return mode === 'include';
    }
    if (!inWindow(v, spec, w)) return false;
    if (max === null || compare(v, max) > 0) max = v;
    return true;
  });
  return { records: kept, max };
}
