import type { IncrementalSpec, Json } from '../plan/types';
import type { RequestSpec } from './paginators/types';
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
  return { ...req, url: fillText(req.url, values), params, headers, json: req.json === undefined ? undefined : fillJson(req.json, values, true) };
}

/**
 * Keeps the records inside the window (cursor ≥ start, < end), as dlt does, and returns the
 * largest cursor value seen: the next run starts from it.
 */
export function filterIncremental(records: unknown[], spec: IncrementalSpec, w: IncrementalWindow): { records: unknown[]; max: Json } {
  let max: Json = null;
  const kept = records.filter((r) => {
    const v = getPath(r, spec.cursorPath) as Json;
    if (v === undefined || v === null) return true;
    if (w.start !== null && w.start !== undefined && compare(v, w.start) < 0) return false;
    if (w.end !== null && w.end !== undefined && compare(v, w.end) >= 0) return false;
    if (max === null || compare(v, max) > 0) max = v;
    return true;
  });
  return { records: kept, max };
}
