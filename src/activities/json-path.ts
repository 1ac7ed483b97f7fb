import { DataError } from '../errors';
import { parseJsonPath, type Condition, type Selector, type Step } from './json-path-parse';

/**
 * JSONPath as dlt evaluates it (jsonpath-ng): the one evaluator of every data selector, next-URL
 * path, cursor path, total and has-more path and incremental cursor path. See json-path-parse.ts
 * for the grammar. Semantics follow jsonpath-ng: keys select from objects only (`results.x` over
 * an array matches nothing), `*` gives an object's values or an array's elements, a filter keeps
 * the array elements for which every condition holds (a condition without an operator: the path
 * exists). One leniency: a numeric key indexes an array (`data.0.id`), as rest-sync's dot paths
 * always did.
 */

/** True when `path` can match several values (wildcard, slice, filter, union, descendants). */
export function isComplexJsonPath(path: string): boolean {
  return parseJsonPath(path).some(({ selector: s, descend }) => descend || s.kind === 'wildcard' || s.kind === 'slice' || s.kind === 'filter' || ('names' in s && s.names.length > 1) || ('indexes' in s && s.indexes.length > 1));
}

/**
 * All matches of `path` in `obj`, in document order (one entry per match, an array match is one
 * entry). A node nested too deep to walk fails as a DataError instead of a stack overflow.
 */
export function queryAll(obj: unknown, path: string): unknown[] {
  try {
    return evaluate(parseJsonPath(path), [obj]);
  } catch (err) {
    if (err instanceof RangeError) throw new DataError(`JSONPath ${path}: the value is nested too deep to evaluate it`);
    throw err;
  }
}

/** The first match of `path`, or undefined when nothing matches (dlt takes `values[0]`). */
export function getPath(obj: unknown, path: string): unknown {
  return queryAll(obj, path)[0];
}

function evaluate(steps: readonly Step[], nodes: unknown[]): unknown[] {
  let current = nodes;
  for (const step of steps) {
    const from = step.descend ? current.flatMap(withDescendants) : current;
    current = from.flatMap((node) => select(step.selector, node));
  }
  return current;
}

function withDescendants(node: unknown): unknown[] {
  const children = Array.isArray(node) ? node : isPlainObject(node) ? Object.values(node) : [];
  return [node, ...children.flatMap(withDescendants)];
}

function select(s: Selector, node: unknown): unknown[] {
  switch (s.kind) {
    case 'fields':
      return s.names.flatMap((name) => field(node, name));
    case 'wildcard':
      return Array.isArray(node) ? node : isPlainObject(node) ? Object.values(node) : [];
    case 'indexes':
      return Array.isArray(node) ? s.indexes.map((i) => (i < 0 ? node.length + i : i)).filter((i) => i >= 0 && i < node.length).map((i) => node[i]) : [];
    case 'slice':
      return Array.isArray(node) ? slice(node, s) : [];
    case 'filter':
      return Array.isArray(node) ? node.filter((el) => s.conditions.every((c) => holds(c, el))) : [];
  }
}

function field(node: unknown, name: string): unknown[] {
  if (isPlainObject(node)) return Object.prototype.hasOwnProperty.call(node, name) ? [node[name]] : [];
  if (Array.isArray(node) && /^\d+$/.test(name) && Number(name) < node.length) return [node[Number(name)]];
  return [];
}

function slice(arr: unknown[], s: { start?: number; end?: number; step: number }): unknown[] {
  const norm = (i: number) => (i < 0 ? Math.max(arr.length + i, 0) : Math.min(i, arr.length));
  const out: unknown[] = [];
  if (s.step > 0) for (let i = norm(s.start ?? 0); i < norm(s.end ?? arr.length); i += s.step) out.push(arr[i]);
  else for (let i = s.start === undefined ? arr.length - 1 : Math.min(norm(s.start), arr.length - 1); i > (s.end === undefined ? -1 : norm(s.end)); i += s.step) out.push(arr[i]);
  return out;
}

function holds(c: Condition, el: unknown): boolean {
  const values = evaluate(c.path, [el]);
  if (c.op === undefined) return values.length > 0;
  return values.some((v) => compare(v, c.op!, c.value));
}

function compare(a: unknown, op: NonNullable<Condition['op']>, b: unknown): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  const ordered = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!ordered) return false;
  const [x, y] = [a as number | string, b as number | string];
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/**
 * Returns a copy of `obj` with `value` set at the dot path (dlt's `set_value_at_path`: request
 * body paths are dot-separated keys), creating objects on the way. `obj` undefined or null starts
 * from `{}`; a non-object root or step is an error.
 */
export function setPath(obj: unknown, path: string, value: unknown): Record<string, unknown> {
  const keys = path.trim().replace(/^\$\.?/, '').split('.').filter((k) => k !== '');
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

/** Walks literal keys (array elements by numeric key); undefined when a step is missing. */
export function walkKeys(obj: unknown, keys: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of keys) {
    const found = field(cur, key);
    if (found.length === 0) return undefined;
    cur = found[0];
  }
  return cur;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
