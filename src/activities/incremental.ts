import type { IncrementalSpec, Json } from '../plan/types';
import type { RequestSpec } from './paginators/types';
import { getPath } from './json-path';

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

function fill(s: string, w: IncrementalWindow, spec: IncrementalSpec): string {
  const values: Record<string, Json | undefined> = {
    start_value: w.start,
    last_value: w.start,
    initial_value: spec.initialValue,
    end_value: w.end,
  };
  return s.replace(/\{incremental\.(start_value|last_value|initial_value|end_value)\}/g, (_m, k: string) =>
    values[k] === null || values[k] === undefined ? '' : String(values[k]),
  );
}

function fillJson(v: Json, w: IncrementalWindow, spec: IncrementalSpec): Json {
  if (typeof v === 'string') return fill(v, w, spec);
  if (Array.isArray(v)) return v.map((x) => fillJson(x, w, spec));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillJson(x, w, spec)]));
  return v;
}

/**
 * Puts the run's incremental window into the request: `start_param`/`end_param` query params and
 * dlt's `{incremental.start_value}` placeholders in the path, params and body.
 */
export function applyIncremental(req: RequestSpec, spec: IncrementalSpec, w: IncrementalWindow): RequestSpec {
  const params = fillJson(req.params as Json, w, spec) as Record<string, Json>;
  if (spec.startParam && w.start !== null && w.start !== undefined) params[spec.startParam] = w.start;
  if (spec.endParam && w.end !== null && w.end !== undefined) params[spec.endParam] = w.end;
  return { ...req, url: fill(req.url, w, spec), params, json: req.json === undefined ? undefined : fillJson(req.json, w, spec) };
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
