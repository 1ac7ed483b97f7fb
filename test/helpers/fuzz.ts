/**
 * A small seeded fuzzer for config data: the same seed always yields the same cases, so a
 * failing case can be replayed by its number.
 */

/** mulberry32: a fast deterministic PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const int = (r: Rand, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Keys that break naive code: prototype names, config-looking names, odd text. */
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$secret', '$param', 'type', 'name', 'path', '', ' ', 'ünï', '🦄', 'a.b', '[0]', '{x}', 'resources', 'x'.repeat(300)];
const NASTY_STRINGS = ['', ' ', '{', '}', '{}', '{resources.x.id}', '{resources..}', '{a}{b}', '$', '$.', '$..*', '$[?(@.a)]', '[', 'a..b', '\u0000', '\uD800', '🦄'.repeat(50), 'null', 'NaN', '-1', '1e999', 'https://', '//x', 'http://a b', 'ü'.repeat(1000), '\n'.repeat(10)];
const NASTY_NUMBERS = [0, -0, -1, 1, 0.5, -0.5, 1e21, -1e21, 2 ** 53 + 1, Number.MAX_VALUE, Number.MIN_VALUE, 1e-9, 599, 100, 42];

/** A value `depth` levels deep: arrays and objects alternating. */
export function deep(depth: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** A random JSON value, small by default, sometimes huge or deep. */
export function randomValue(r: Rand, budget = 3): unknown {
  switch (int(r, 12)) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return pick(r, NASTY_NUMBERS);
    case 3: return pick(r, NASTY_STRINGS);
    case 4: return 'x'.repeat(int(r, 3) === 0 ? 1_000_000 : int(r, 200));
    case 5: return deep(pick(r, [10, 200, 2000]));
    case 6: return { $secret: pick(r, ['', 'api_key', 1, null]) };
    case 7: return { $param: pick(r, ['', 'p', {}]) };
    case 8: return budget > 0 ? Array.from({ length: int(r, 4) }, () => randomValue(r, budget - 1)) : [];
    case 9: return budget > 0 ? Object.fromEntries(Array.from({ length: int(r, 4) }, () => [pick(r, NASTY_KEYS), randomValue(r, budget - 1)])) : {};
    case 10: return String.fromCodePoint(...Array.from({ length: int(r, 20) }, () => int(r, 0x10ffff)).filter((c) => c < 0xd800 || c > 0xdfff));
    default: return int(r, 1000);
  }
}

/** Every path (list of keys) of containers and leaves in a JSON value. */
export function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

type Container = Record<string | number, unknown>;

/** The value at a path's parent and the last key; undefined for the root. */
function parentOf(root: unknown, path: (string | number)[]): [Container, string | number] | undefined {
  if (path.length === 0) return undefined;
  let cur = root as Container;
  for (const k of path.slice(0, -1)) cur = cur[k] as Container;
  return [cur, path[path.length - 1]];
}

/** The same value with another JSON type: strings become numbers, lists become objects, ... */
function swapType(r: Rand, v: unknown): unknown {
  if (typeof v === 'string') return pick(r, [Number(v.length), [v], { v }, v === '' ? null : true]);
  if (typeof v === 'number') return pick(r, [String(v), [v], -v, v + 0.5, null]);
  if (Array.isArray(v)) return pick(r, [Object.fromEntries(v.map((x, i) => [String(i), x])), v.length, v[0] ?? null, JSON.stringify(v)]);
  if (v && typeof v === 'object') return pick(r, [Object.values(v), Object.keys(v).join(','), 1]);
  return pick(r, ['true', 0, [], {}]);
}

/** Applies one random mutation in place (a copy of the root when the root itself is replaced). */
export function mutate(r: Rand, root: unknown): unknown {
  const all = paths(root);
  const path = pick(r, all);
  const loc = parentOf(root, path);
  if (!loc) return int(r, 2) ? randomValue(r) : swapType(r, root);
  const [parent, key] = loc;
  const op = int(r, 6);
  if (op === 0) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (op === 1) parent[key] = swapType(r, parent[key]);
  else if (op === 2) parent[key] = randomValue(r);
  else if (op === 3 && !Array.isArray(parent)) {
    // rename, keeping the value
    const v = parent[key];
    delete parent[key];
    Object.defineProperty(parent, pick(r, NASTY_KEYS), { value: v, enumerable: true, writable: true, configurable: true });
  } else if (op === 4) parent[key] = structuredClone(pick(r, all).reduce((c: any, k) => c[k], root));
  else parent[key] = deep(int(r, 600), parent[key]);
  return root;
}
