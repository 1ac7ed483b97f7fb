/**
 * The parser of the JSONPath dialect dlt reads (jsonpath-ng's `ext` parser): an optional `$`, a
 * leading key without `$` (`results[*].x`), dotted keys (bare or quoted: `a."b.c"`), `*`, `..`
 * (descendants), and brackets holding `*`, indexes (negative from the end), slices, unions of
 * indexes or quoted keys (`['@odata.nextLink']`) and filters (`[?(@.on == true & @.n > 5)]`,
 * `[?on]`). Parsed paths are cached: configs name few paths and evaluate them on every page.
 * config/json-path-syntax.ts checks the same grammar at validate time (a test keeps them agreeing).
 */
import { DataError } from '../errors';

export type Selector =
  | { kind: 'fields'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'indexes'; indexes: number[] }
  | { kind: 'slice'; start?: number; end?: number; step: number }
  | { kind: 'filter'; conditions: Condition[] };

/** One step of a path; `descend` applies the selector to the node and everything under it. */
export interface Step {
  selector: Selector;
  descend: boolean;
}

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** `@.n > 5`: a relative path, and optionally an operator and a literal; without one, the path must exist. */
export interface Condition {
  path: Step[];
  op?: Comparison;
  value?: unknown;
}

const cache = new Map<string, Step[]>();

/** The steps of `path`; a DataError naming the path when it is not a JSONPath. */
export function parseJsonPath(path: string): Step[] {
  let steps = cache.get(path);
  if (!steps) {
    steps = parse(path.trim(), path);
    if (cache.size > 1000) cache.clear();
    cache.set(path, steps);
  }
  return steps;
}

function parse(p: string, original: string): Step[] {
  const fail = (why: string): never => {
    throw new DataError(`not a JSONPath: ${why} in ${JSON.stringify(original)}`);
  };
  if (p === '') fail('an empty path');
  const steps: Step[] = [];
  let i = p.startsWith('$') ? 1 : p.startsWith('@') && (p.length === 1 || '.['.includes(p[1])) ? 1 : 0;
  let first = i === 0;
  while (i < p.length) {
    let descend = false;
    if (p.startsWith('..', i)) {
      descend = true;
      i += 2;
    } else if (p[i] === '.') i++;
    else if (p[i] !== '[' && !first) fail(`unexpected "${p[i]}" at character ${i + 1}`);
    first = false;
    if (p[i] === '[') {
      const end = closeOf(p, i);
      if (end < 0) fail(`unclosed "[" at character ${i + 1}`);
      steps.push({ selector: bracket(p.slice(i + 1, end).trim(), fail), descend });
      i = end + 1;
    } else {
      const [name, next] = fieldName(p, i, fail);
      steps.push({ selector: name === '*' ? { kind: 'wildcard' } : { kind: 'fields', names: [name] }, descend });
      i = next;
    }
  }
  return steps;
}

/** A dotted key at `i`: bare up to the next `.` or `[`, or quoted; returns it and where the path goes on. */
function fieldName(p: string, i: number, fail: (why: string) => never): [string, number] {
  if (p[i] === "'" || p[i] === '"') {
    const end = closeQuote(p, i);
    if (end < 0) fail(`unclosed quote at character ${i + 1}`);
    return [unquote(p.slice(i, end + 1)), end + 1];
  }
  let end = i;
  while (end < p.length && p[end] !== '.' && p[end] !== '[') end++;
  const key = p.slice(i, end).trim();
  if (key === '') fail(`an empty key at character ${i + 1}`);
  if (/[\]()'"]/.test(key)) fail(`unexpected "${/[\]()'"]/.exec(key)![0]}" in key ${JSON.stringify(key)}`);
  return [key, end];
}

const QUOTED = String.raw`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`;
const UNION = new RegExp(String.raw`^(?:${QUOTED}|-?\d+)(?:\s*,\s*(?:${QUOTED}|-?\d+))*$`);
const SLICE = /^(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d+))?$/;

function bracket(body: string, fail: (why: string) => never): Selector {
  if (body === '*') return { kind: 'wildcard' };
  if (body.startsWith('?')) return { kind: 'filter', conditions: filter(body.slice(1).trim(), fail) };
  const slice = SLICE.exec(body);
  if (slice) {
    const num = (s: string | undefined) => (s ? Number(s) : undefined);
    const step = num(slice[3]) ?? 1;
    if (step === 0) fail('a slice step of 0');
    return { kind: 'slice', start: num(slice[1]), end: num(slice[2]), step };
  }
  if (!UNION.test(body)) fail(`"[${body}]" is not an index, slice, quoted key or filter`);
  const parts = body.match(new RegExp(`${QUOTED}|-?\\d+`, 'g'))!;
  if (parts.every((s) => /^-?\d+$/.test(s))) return { kind: 'indexes', indexes: parts.map(Number) };
  if (parts.some((s) => /^-?\d+$/.test(s))) fail(`"[${body}]" mixes indexes and keys`);
  return { kind: 'fields', names: parts.map(unquote) };
}

const CONDITION = /^(.*?)\s*(==|!=|<=|>=|=|<|>)\s*(.+)$/s;

/** `(@.a == 1 & b)` or `a == 1 & b`: conditions that must all hold. */
function filter(body: string, fail: (why: string) => never): Condition[] {
  const inner = body.startsWith('(') && closeOf(body, 0) === body.length - 1 ? body.slice(1, -1).trim() : body;
  if (inner === '') fail('an empty filter');
  return splitOutsideQuotes(inner, '&').map((part) => {
    const m = CONDITION.exec(part.trim());
    const path = relativePath((m ? m[1] : part).trim());
    if (!m) return { path };
    const op = (m[2] === '=' ? '==' : m[2]) as Comparison;
    return { path, op, value: literal(m[3].trim(), fail) };
  });
}

function relativePath(s: string): Step[] {
  if (s === '@' || s === '') return [];
  return parse(s.startsWith('@') ? `$${s.slice(1)}` : s, s);
}

function literal(s: string, fail: (why: string) => never): unknown {
  if (s.startsWith("'") || s.startsWith('"')) return unquote(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null' || s === 'None') return null;
  const n = Number(s);
  return s !== '' && Number.isFinite(n) ? n : fail(`${JSON.stringify(s)} is not a number, string, true, false or null`);
}

function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, '$1');
}

function closeQuote(p: string, start: number): number {
  for (let i = start + 1; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === p[start]) return i;
  }
  return -1;
}

/** The end of a `[...]` or `(...)` opened at `start`, honouring quotes and nesting; -1 when unclosed. */
function closeOf(p: string, start: number): number {
  const stack: string[] = [];
  for (let i = start; i < p.length; i++) {
    const c = p[i];
    if (c === "'" || c === '"') {
      i = closeQuote(p, i);
      if (i < 0) return -1;
    } else if (c === '[' || c === '(') stack.push(c === '[' ? ']' : ')');
    else if (c === ']' || c === ')') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "'" || s[i] === '"') i = Math.max(closeQuote(s, i), i);
    else if (s[i] === sep) {
      parts.push(s.slice(from, i));
      from = i + 1;
    }
  }
  return [...parts, s.slice(from)];
}
