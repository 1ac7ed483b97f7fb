import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors';

/** Resolves `{ "$secret": "name" }` references: only activities ever hold secret values. */
export interface SecretResolver {
  resolve(name: string): string;
  /** every value handed out so far, to scrub from messages */
  known(): string[];
  /** adds a value derived from secrets (a Basic credential, an OAuth access token) to `known()` */
  remember(value: string): void;
}

/**
 * dlt's section of a `rest_api_source(config)` called without `name`/`section`: the source
 * function's name. The configs here carry no source name, so every source reads this section.
 */
export const DEFAULT_SOURCE_SECTION = 'rest_api';

/** Values derived at run time (tokens) kept for scrubbing: the newest this many; a worker's configured secrets are always kept. */
export const MAX_DERIVED = 1000;

/**
 * Where dlt looks for a secret, most specific first, as key paths. A plain name `api_key` is
 * looked up as `sources.<source>.api_key`, then `sources.api_key`, then `api_key`; a dotted name
 * (`sources.github.token`, as `dlt.secrets["sources.github.token"]` names it) only at that path.
 */
export function lookupPaths(name: string, source = DEFAULT_SOURCE_SECTION): string[][] {
  const parts = name.split('.');
  if (parts.length > 1) return [parts];
  return [['sources', source, name], ['sources', name], [name]];
}

/** dlt's env var for a key path: upper-cased, sections joined by `__`. */
export const envName = (keyPath: string[]): string => keyPath.join('__').toUpperCase();

const tomlName = (keyPath: string[]): string =>
  keyPath.length > 1 ? `[${keyPath.slice(0, -1).join('.')}] ${keyPath[keyPath.length - 1]}` : `${keyPath[0]} (top level)`;

/** The value at a key path of a TOML document: a string, `undefined` (absent), or a ConfigError for a table. */
function atPath(doc: unknown, keyPath: string[], file: string): string | undefined {
  let cur: unknown = doc;
  for (const k of keyPath) {
    if (!cur || typeof cur !== 'object' || !Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  if (typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'bigint') return String(cur);
  throw new ConfigError(`${file} ${tomlName(keyPath)} is ${Array.isArray(cur) ? 'an array' : `a ${typeof cur === 'object' ? 'table' : typeof cur}`}, not a secret value`);
}

/** Sections of the document other than the ones looked in that hold the key: named in the error, never used. */
function elsewhere(doc: unknown, key: string, looked: string[][], at: string[] = []): string[] {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const here = [...at, k];
    if (k === key && !looked.some((p) => p.join('.') === here.join('.'))) out.push(tomlName(here));
    else out.push(...elsewhere(v, key, looked, here));
  }
  return out;
}

/**
 * The secret resolver of a worker, following dlt's lookup: each env var of `lookupPaths`
 * (`SOURCES__REST_API__API_KEY`, `SOURCES__API_KEY`, `API_KEY`), then the same paths in
 * `.dlt/secrets.toml` (`[sources.rest_api]`, `[sources]`, top level). A value in another
 * source's section is never used; a missing one is a ConfigError naming every place looked at.
 */
export function createSecretResolver(opts: { env?: NodeJS.ProcessEnv; secretsFile?: string; source?: string } = {}): SecretResolver {
  const env = opts.env ?? process.env;
  const file = opts.secretsFile ?? path.join(process.cwd(), '.dlt', 'secrets.toml');
  let toml: unknown;
  const handed = new Set<string>();
  /** tokens and credentials derived from secrets, oldest first */
  const derived = new Set<string>();
  const find = (name: string): string => {
    const paths = lookupPaths(name, opts.source);
    for (const p of paths) {
      const v = env[envName(p)];
      if (v !== undefined && v !== '') return v;
    }
    const hasFile = existsSync(file);
    if (hasFile) {
      toml ??= parseToml(readFileSync(file, 'utf8'));
      for (const p of paths) {
        const v = atPath(toml, p, file);
        if (v !== undefined && v !== '') return v;
      }
    }
    const other = hasFile ? elsewhere(toml, paths[0][paths[0].length - 1], paths) : [];
    const envs = paths.map(envName).reverse();
    throw new ConfigError(
      `secret "${name}" is not set: export ${envs[0]}=...${envs.length > 1 ? ` (or ${envs.slice(1).join(', ')})` : ''}, ` +
        `or set ${paths.map(tomlName).join(', ')} in ${file}${hasFile ? '' : ' (no such file)'}` +
        (other.length ? `; ${other.join(', ')} is another section, not read for this source` : ''),
    );
  };
  return {
    resolve(name: string): string {
      const value = find(name);
      handed.add(value);
      return value;
    },
    known: () => [...handed, ...derived],
    remember(value: string) {
      if (handed.has(value)) return;
      derived.delete(value);
      derived.add(value);
      // a login before every request (a session token without expiry) would grow the list, and every scrub with it, page by page
      if (derived.size > MAX_DERIVED) derived.delete(derived.values().next().value!);
    },
  };
}
