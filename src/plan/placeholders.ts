/**
 * Finds placeholders in config strings: dlt's `{name}` / `{resources.parent.field}` /
 * `{incremental.start_value}`, and Airbyte-style `{{ stream_partition['parent_id'] }}`,
 * `{{ stream_slice.parent_id }}` and `{{ config['name'] }}` that converted configs carry.
 * Braces around anything else stay literal text. Pure.
 */
import { mapJsonStrings } from './json-walk';
import type { Json } from './types';

export { mapJson, mapJsonStrings } from './json-walk';

export interface Placeholder {
  /** the text as written, braces included */
  raw: string;
  /** the simple name: `project`, `parent_id`, `resources.issues.number` */
  name: string;
  /** `config` for Airbyte `{{ config[...] }}` (a source param); `partition` for stream partition/slice */
  kind: 'format' | 'partition' | 'config';
  start: number;
  end: number;
}

const FORMAT_NAME = /^[A-Za-z_]\w*(?:\.[\w-]+)*$/;
const QUOTED = String.raw`\[\s*['"](\w+)['"]\s*\]`;
const PARTITION = new RegExp(String.raw`^(?:stream_partition|stream_slice)(?:${QUOTED}|\.get\(\s*['"](\w+)['"][^)]*\)|\.(\w+))$`);
const CONFIG = new RegExp(String.raw`^config(?:${QUOTED}|\.(\w+))$`);

/** The Airbyte `{{ expr }}` at `start`, if it is one of the understood forms. */
function templateAt(s: string, start: number): Placeholder | undefined {
  const close = s.indexOf('}}', start + 2);
  if (close < 0) return undefined;
  const expr = s.slice(start + 2, close).trim();
  const raw = s.slice(start, close + 2);
  const partition = PARTITION.exec(expr);
  if (partition) return { raw, name: partition[1] ?? partition[2] ?? partition[3], kind: 'partition', start, end: close + 2 };
  const config = CONFIG.exec(expr);
  if (config) return { raw, name: config[1] ?? config[2], kind: 'config', start, end: close + 2 };
  return undefined;
}

/** The dlt `{name}` at `start`, if its content is a placeholder name. */
function formatAt(s: string, start: number): Placeholder | undefined {
  const close = s.indexOf('}', start + 1);
  if (close < 0) return undefined;
  const name = s.slice(start + 1, close).trim();
  return FORMAT_NAME.test(name) ? { raw: s.slice(start, close + 1), name, kind: 'format', start, end: close + 1 } : undefined;
}

/**
 * Every placeholder in `s`, left to right. A `{{` that starts no understood Airbyte expression is
 * dlt's (Python str.format's) escaped literal brace: it starts no placeholder.
 */
export function findPlaceholders(s: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (let i = s.indexOf('{'); i >= 0; i = s.indexOf('{', i)) {
    const escaped = s.startsWith('{{', i);
    const found = escaped ? templateAt(s, i) : formatAt(s, i);
    if (found) out.push(found);
    i = found ? found.end : i + (escaped ? 2 : 1);
  }
  return out;
}

/** A literal value inside a template: its braces doubled, so the final expansion gives them back as written. */
export function escapeBraces(text: string): string {
  return text.replace(/[{}]/g, (b) => b + b);
}

/**
 * The request text a template finally stands for (dlt's last str.format pass): `{{` and `}}`
 * become `{` and `}`; placeholders left unfilled stay as written.
 */
export function expandText(s: string): string {
  let out = '';
  let at = 0;
  const literal = (t: string) => t.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
  for (const p of findPlaceholders(s)) {
    out += literal(s.slice(at, p.start)) + p.raw;
    at = p.end;
  }
  return out + literal(s.slice(at));
}

/** Rewrites each placeholder with `fn`'s text (return `p.raw` to keep it). */
export function replacePlaceholders(s: string, fn: (p: Placeholder) => string): string {
  let out = '';
  let at = 0;
  for (const p of findPlaceholders(s)) {
    out += s.slice(at, p.start) + fn(p);
    at = p.end;
  }
  return out + s.slice(at);
}

/** The path segment just before the one holding the placeholder: `projects` in `/projects/{id}/env`. */
export function segmentBefore(path: string, p: Placeholder): string | undefined {
  const before = path.slice(0, p.start);
  const segments = before.split('/');
  return segments.length >= 2 ? segments[segments.length - 2] : undefined;
}

/** Values for `{name}` placeholders; a name without a value is left as written. */
export type TemplateValues = Record<string, Json | undefined>;

/** A value as placeholder text: null and missing become the empty string. */
function asText(v: Json | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * Fills the `{name}` placeholders of `s` that `values` has (percent-encoded when `encode`, for URL
 * paths). The result is still a template: values go in with their braces escaped, and
 * expandText gives the final text.
 */
export function fillText(s: string, values: TemplateValues, encode = false): string {
  return replacePlaceholders(s, (p) => {
    if (p.kind !== 'format' || !Object.hasOwn(values, p.name)) return p.raw;
    const text = asText(values[p.name]);
    return encode ? encodeURIComponent(text) : escapeBraces(text);
  });
}

/** The name of the placeholder that is the whole of `s` (`"{id}"`), if it is one. */
function wholePlaceholder(s: string): string | undefined {
  const found = findPlaceholders(s);
  return found.length === 1 && found[0].kind === 'format' && found[0].raw === s ? found[0].name : undefined;
}

/**
 * Fills the placeholders of every string in a JSON value. With `typed`, a string that is one
 * placeholder and nothing else becomes the value itself (a number stays a number).
 */
export function fillJson(value: Json, values: TemplateValues, typed = false): Json {
  return mapJsonStrings(value, (s) => {
    const whole = typed ? wholePlaceholder(s) : undefined;
    if (whole === undefined || !Object.hasOwn(values, whole)) return fillText(s, values);
    return mapJsonStrings(values[whole] ?? null, escapeBraces);
  });
}

/** expandText over every string of a JSON value: the final request body or params. */
export function expandJson(value: Json): Json {
  return mapJsonStrings(value, expandText);
}
