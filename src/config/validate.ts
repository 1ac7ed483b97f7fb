/**
 * Validates imported config data against the dlt schema and reports every problem at once, each
 * as `config.path: what is wrong (what is allowed)`, so a user fixes a config in one pass.
 */
import type { z } from 'zod';
import { ConfigError } from '../errors';
import { sourceConfigSchema, type SourceConfig } from './schema';
import { quoteBrief } from './json-path-syntax';

type Issue = z.core.$ZodIssue & { input?: unknown };
type Key = PropertyKey;
interface Problem {
  path: Key[];
  text: string;
}

/** `resources[2].endpoint.paginator.type`; keys that are not identifiers are bracketed. */
export function formatConfigPath(path: readonly Key[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += `${out ? '.' : ''}${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

/** What a value is, in the words of a JSON user. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

const quoteAll = (values: readonly unknown[]) =>
  values.filter((v) => v !== undefined && v !== null).map((v) => JSON.stringify(v)).join(' | ');

/** True when a union branch failed only because the value had the wrong JSON type. */
function isTypeMismatch(branch: Issue[]): boolean {
  return branch.every(
    (i) =>
      i.path.length === 0 &&
      (i.code === 'invalid_type' || (i.code === 'invalid_value' && typeof i.input !== typeof i.values[0])),
  );
}

/** Text for a union none of whose branches accepted the value's JSON type. */
function expectedOf(branches: Issue[][], input: unknown): string {
  const wanted = branches.flat().map((i) =>
    i.code === 'invalid_value' ? `one of ${quoteAll(i.values)}` : i.code === 'invalid_type' ? i.expected : 'a value',
  );
  return `expected ${[...new Set(wanted)].join(' or ')}, got ${kindOf(input)}`;
}

/** Edit distance, for suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** ` (did you mean "offset"?)` when a misspelt value is close to an allowed one. */
function didYouMean(input: unknown, options: readonly unknown[]): string {
  const source = input && typeof input === 'object' && 'type' in input ? (input as { type: unknown }).type : input;
  if (typeof source !== 'string') return '';
  const near = (o: string) => Math.max(2, Math.floor(o.length / 3));
  const best = options
    .filter((o): o is string => typeof o === 'string')
    // the distance is at least the length difference: skipping hopeless options keeps a huge value linear
    .filter((o) => Math.abs(o.length - source.length) <= near(o))
    .map((o) => ({ o, d: distance(source.toLowerCase(), o.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d > 0 && best.d <= near(best.o) ? ` (did you mean "${best.o}"?)` : '';
}

/** `, got "pages"`: the value given (an object's `type`, for a discriminated union), quoted briefly. */
function givenText(input: unknown): string {
  const given = input && typeof input === 'object' && 'type' in input ? (input as { type: unknown }).type : input;
  if (given === undefined) return '';
  return `, got ${typeof given === 'string' ? quoteBrief(given) : kindOf(given)}`;
}

/** Expands one zod issue into problems with absolute paths; unions report their closest branch. */
function problemsOf(issue: Issue, base: Key[]): Problem[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case 'invalid_union': {
      if (issue.errors.length === 0) {
        const options = (issue as { options?: unknown[] }).options ?? [];
        return [{ path, text: `expected one of ${quoteAll(options)}${givenText(issue.input)}${didYouMean(issue.input, options)}` }];
      }
      const branches = issue.errors as Issue[][];
      if (issue.input === undefined) return [{ path, text: 'required' }];
      const best = branches.find((b) => !isTypeMismatch(b)) ?? branches.find((b) => b.some((i) => i.code === 'invalid_value' && typeof i.input === 'string'));
      if (best) return best.flatMap((i) => problemsOf(i, path));
      return [{ path, text: expectedOf(branches, issue.input) }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], text: `unknown key; ${issue.message}` }));
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) return [{ path, text: `required, expected ${issue.expected}` }];
      return [{ path, text: `expected ${issue.expected}, got ${kindOf(issue.input)}` }];
    case 'invalid_value':
      return [{ path, text: `expected one of ${quoteAll(issue.values)}, got ${JSON.stringify(issue.input)}${didYouMean(issue.input, issue.values)}` }];
    default:
      return [{ path, text: issue.message }];
  }
}

/** Every problem of a failed parse, deduplicated, as `path: text` lines. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const seen = new Set<string>();
  return issues
    .flatMap((i) => problemsOf(i as Issue, []))
    .filter((p) => {
      const line = `${formatConfigPath(p.path)}: ${p.text}`;
      return seen.has(line) ? false : (seen.add(line), true);
    });
}

/** Deeper than any real config; the schema and planner recurse, so deeper data is refused first. */
export const MAX_CONFIG_DEPTH = 200;

/**
 * Refuses data nested deeper than MAX_CONFIG_DEPTH, walking it without recursion (so the check
 * itself cannot overflow the stack); the error names the path's first keys.
 */
export function checkDepth(raw: unknown): void {
  const stack: Array<[unknown, Key[]]> = [[raw, []]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (at.length >= MAX_CONFIG_DEPTH) {
      throw new ConfigError(`nested deeper than ${MAX_CONFIG_DEPTH} levels`, `${formatConfigPath(at.slice(0, 6))}...`);
    }
    for (const [k, x] of Object.entries(v)) stack.push([x, [...at, Array.isArray(v) ? Number(k) : k]]);
  }
}

/** Keys whose problems name their resource too (column hints and contracts are per resource). */
const RESOURCE_NAMED = new Set(['columns', 'schema_contract', 'nested_hints']);

/** `resource "orgs": ...` for a problem under a named resource's columns or schema_contract. */
function namingResource(p: Problem, raw: unknown): Problem {
  const [top, index, key] = p.path;
  if (top !== 'resources' || typeof index !== 'number' || !RESOURCE_NAMED.has(String(key))) return p;
  const entry = (raw as { resources?: unknown[] }).resources?.[index] as { name?: unknown } | undefined;
  return typeof entry?.name === 'string' ? { ...p, text: `resource ${JSON.stringify(entry.name)}: ${p.text}` } : p;
}

/**
 * Validates raw config data (from `importSourceText`) and returns it typed. Throws one ConfigError
 * listing every problem; with a single problem its `configPath` names the place.
 */
export function parseSourceConfig(raw: unknown): SourceConfig {
  checkDepth(raw);
  const result = sourceConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues).map((p) => namingResource(p, raw));
  if (problems.length === 1) throw new ConfigError(problems[0].text, formatConfigPath(problems[0].path));
  const lines = problems.map((p) => `  - ${formatConfigPath(p.path)}: ${p.text}`);
  throw new ConfigError(`the source config has ${problems.length} problems:\n${lines.join('\n')}`);
}
