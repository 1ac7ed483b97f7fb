import { DataError } from '../errors';
import { refuseTooDeep, shareVetted } from './http/json';
import { getPath, isComplexJsonPath, isPlainObject, queryAll, walkKeys } from './json-path';

/** Keys that usually hold the records of a wrapped response, in order of preference. */
export const RECORD_KEYS = [
  'data', 'items', 'results', 'records', 'entries', 'rows', 'objects',
  'values', 'elements', 'list', 'hits', 'content', 'value',
];

/**
 * The records of one response body.
 *
 * `selector` (the resource's `data_selector`):
 * - `[]` or `'$'`: the whole body;
 * - a list of keys (`['Response', 'Items']`): walk those keys literally;
 * - a string: a JSONPath as dlt reads it (`data`, `Response.Items`, `$.data[*].rows`,
 *   `['@odata.value']`, see json-path.ts); a path that can match several values gives them all as
 *   records (a match that is an array gives its elements);
 * - undefined: auto-detect, see {@link findRecords}.
 *
 * The selected value becomes records: an array gives its elements, an object is one record.
 * A missing (or null) selection or a scalar is a DataError whose message starts with `where`
 * (e.g. `resource "users" page 3`) and lists the body's top-level keys. So is a body nested
 * deeper than the parser's limit: the first thing done with a body, so no selector, paginator
 * or loader walks it.
 */
export function selectRecords(body: unknown, selector: string | string[] | undefined, where: string): unknown[] {
  refuseTooDeep(body, (m) => new DataError(`${where}: ${m}`));
  const records = select(body, selector, where);
  shareVetted(body, records);
  return records;
}

function select(body: unknown, selector: string | string[] | undefined, where: string): unknown[] {
  if (selector === undefined) return findRecords(body, where);
  const wholeBody = (Array.isArray(selector) && selector.length === 0) || selector === '$';
  if (wholeBody && isEmptyBody(body)) return [];
  let value: unknown;
  if (wholeBody) value = body;
  else if (Array.isArray(selector)) value = walkKeys(body, selector);
  else if (isComplexJsonPath(selector)) {
    const matches = queryAll(body, selector).filter((m) => m !== null && m !== undefined);
    if (matches.length > 1) return matches.flatMap((m) => (Array.isArray(m) ? m : [m]));
    if (matches.length === 0 && queryMatchedNothing(body, selector)) return [];
    value = matches[0];
  } else value = getPath(body, selector);
  return asRecords(value, body, selector, where);
}

/**
 * Auto-detection of the records (like dlt's `find_records`, a bit stricter):
 * 1. a body that is an array: its elements;
 * 2. an object with a key of {@link RECORD_KEYS} holding an array: that array (first key in that
 *    order); else the same one level down (`{ "data": { "items": [...] } }`);
 * 3. an object with exactly one top-level key holding an array of objects (an empty array
 *    counts): that array;
 * 4. any other object: one record. An empty body (null, `""`) has no records; a scalar is an error.
 */
export function findRecords(body: unknown, where = 'response'): unknown[] {
  if (isEmptyBody(body)) return [];
  if (Array.isArray(body)) return body;
  if (!isPlainObject(body)) {
    throw new DataError(`${where}: response body is ${describe(body)}, expected an array or object of records`);
  }
  const known = recordKeyArray(body);
  if (known) return known;
  for (const v of Object.values(body)) {
    const nested = isPlainObject(v) ? recordKeyArray(v) : undefined;
    if (nested) return nested;
  }
  const lists = Object.values(body).filter(
    (v): v is unknown[] => Array.isArray(v) && v.every((e) => isPlainObject(e)),
  );
  return lists.length === 1 ? lists[0] : [body];
}

/**
 * True when a JSONPath without matches is a query that found nothing (`$.data[*]` over an empty
 * `data`, a filter matching no element) rather than a path that is missing: the part before the
 * first wildcard, filter, slice or `..` exists in the body.
 */
function queryMatchedNothing(body: unknown, jsonPath: string): boolean {
  const cut = jsonPath.search(/\.\.|\.\*|\[\s*(\*|\?|\(|-?\d*\s*:)/);
  if (cut < 0) return false;
  const prefix = jsonPath.slice(0, cut) || '$';
  const found = prefix === '$' ? [body] : queryAll(body, prefix);
  return found.some((v) => v !== null && v !== undefined);
}

function recordKeyArray(obj: Record<string, unknown>): unknown[] | undefined {
  for (const key of RECORD_KEYS) if (Array.isArray(obj[key])) return obj[key] as unknown[];
  return undefined;
}

function asRecords(value: unknown, body: unknown, selector: string | string[], where: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) return [value];
  const label = Array.isArray(selector) ? selector.join('.') : selector;
  if (value === null || value === undefined) {
    throw new DataError(`${where}: data_selector "${label}" not found in response; ${topLevel(body)}`);
  }
  throw new DataError(`${where}: data_selector "${label}" selected ${describe(value)}, expected an array or object`);
}

function topLevel(body: unknown): string {
  if (isPlainObject(body)) {
    const keys = Object.keys(body);
    const shown = keys.slice(0, 20).join(', ') + (keys.length > 20 ? `, ... (${keys.length} keys)` : '');
    return `top-level keys: ${keys.length ? shown : '(none)'}`;
  }
  return `the response body is ${describe(body)}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v === 'object' ? 'an' : 'a'} ${typeof v} ${JSON.stringify(v)}`;
}

function isEmptyBody(body: unknown): boolean {
  return body === null || body === undefined || (typeof body === 'string' && body.trim() === '');
}
