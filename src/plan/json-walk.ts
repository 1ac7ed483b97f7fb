/**
 * The one walker over JSON trees (config values, request bodies, paginator tokens). Pure and
 * sandbox-safe: the planner and the activities share it.
 */
import type { Json } from './types';

/** Where a node is: the keys and indexes from the root. */
export type JsonAt = readonly (string | number)[];

/**
 * A copy of `value` in which every node that `visit` maps (returns a value for) is replaced,
 * without descending into it; other arrays and objects are walked, other leaves kept. Keys
 * are never touched. `visit` also gets where the node is, for messages.
 */
export function mapJson(value: Json, visit: (node: Json, at: JsonAt) => Json | undefined, at: JsonAt = []): Json {
  const mapped = visit(value, at);
  if (mapped !== undefined) return mapped;
  if (Array.isArray(value)) return value.map((v, i) => mapJson(v, visit, [...at, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapJson(v, visit, [...at, k])]));
  }
  return value;
}

/** Applies `fn` to every string inside a JSON value (keys untouched), keeping the shape. */
export function mapJsonStrings(value: Json, fn: (s: string) => Json): Json {
  return mapJson(value, (node) => (typeof node === 'string' ? fn(node) : undefined));
}
