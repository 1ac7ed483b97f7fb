import { JSONPath } from 'jsonpath-plus';
import { DataError } from '../errors';

/**
 * Small path helpers shared by paginators and record selectors.
 *
 * Two dialects are accepted wherever a config names a place in a JSON document:
 * - a dot path: `pagination.next`, `data.0.id`, `items[0].id` (bracket indexes become segments);
 *   a leading `$.` is allowed and ignored;
 * - a JSONPath starting with `$` that uses more than plain keys (`$..next`, `$.items[*].id`,
 *   `$['odd key']`): evaluated with jsonpath-plus.
 */

const COMPLEX_JSONPATH = /[*?@()'"]|\.\.|\[(?!\d+\])/;

/** True when `path` is a JSONPath that a plain key walk cannot evaluate. */
export function isComplexJsonPath(path: string): boolean {
  return path.startsWith('$') && COMPLEX_JSONPATH.test(path.slice(1));
}

/** Splits a dot path into keys: `$.a.b[0].c` → `['a', 'b', '0', 'c']`; `$` and `` → `[]`. */
export function splitPath(path: string): string[] {
  let p = path.trim();
  if (p === '$') return [];
  if (p.startsWith('$.')) p = p.slice(2);
  else if (p.startsWith('$[')) p = p.slice(1);
  p = p.replace(/\[(\d+)\]/g, '.$1');
  return p.split('.').filter((k) => k !== '');
}

/** Walks literal keys (array elements by numeric key); undefined when a step is missing. */
export function walkKeys(obj: unknown, keys: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of keys) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, key)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

/**
 * All matches of a JSONPath (never wrapped twice: one entry per match, possibly an array).
 * jsonpath-plus recurses; response bodies are bounded by the parser's MAX_DEPTH, well within its
 * reach, and a deeper value from elsewhere fails as a DataError instead of a stack overflow.
 */
export function queryAll(obj: unknown, jsonPath: string): unknown[] {
  if (obj === null || obj === undefined) return [];
  let matches: unknown;
  try {
    matches = JSONPath({ path: jsonPath, json: obj as object, wrap: true });
  } catch (err) {
    if (err instanceof RangeError) throw new DataError(`JSONPath ${jsonPath}: the value is nested too deep to evaluate it`);
    throw err;
  }
  return Array.isArray(matches) ? matches : [];
}

/**
 * The value at a dot path or JSONPath, or undefined when missing. For a JSONPath with several
 * matches the first one is returned.
 */
export function getPath(obj: unknown, path: string): unknown {
  if (isComplexJsonPath(path)) return queryAll(obj, path)[0];
  return walkKeys(obj, splitPath(path));
}

/**
 * Returns a copy of `obj` with `value` set at the dot path, creating objects on the way.
 * `obj` undefined or null starts from `{}`; a non-object root or step is an error.
 */
export function setPath(obj: unknown, path: string, value: unknown): Record<string, unknown> {
  const keys = splitPath(path);
  if (keys.length === 0) throw new Error(`cannot set a value at the root path "${path}"`);
  const root = obj === undefined || obj === null ? {} : obj;
  if (!isPlainObject(root)) throw new Error(`cannot set "${path}": the body is not a JSON object`);
  const copy: Record<string, unknown> = structuredClone(root);
  let cur = copy;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined || next === null) cur[key] = {};
    else if (!isPlainObject(next)) throw new Error(`cannot set "${path}": "${key}" is not an object`);
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
  return copy;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
