import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors';
import type { Json } from '../plan/types';

/** Resolves `{ "$secret": "name" }` references: only activities ever hold secret values. */
export interface SecretResolver {
  resolve(name: string): string;
  /** every value handed out so far, to scrub from messages */
  known(): string[];
  /** adds a value derived from secrets (a Basic credential, an OAuth access token) to `known()` */
  remember(value: string): void;
}

function findInToml(doc: unknown, key: string): string | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const obj = doc as Record<string, unknown>;
  const v = obj[key];
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  for (const child of Object.values(obj)) {
    const found = findInToml(child, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * dlt's habit: the upper-cased env var (`api_key` → `API_KEY`, `sources.x.token` → `SOURCES__X__TOKEN`),
 * then `.dlt/secrets.toml` (top level first, then any table holding the key).
 */
export function createSecretResolver(opts: { env?: NodeJS.ProcessEnv; secretsFile?: string } = {}): SecretResolver {
  const env = opts.env ?? process.env;
  const file = opts.secretsFile ?? path.join(process.cwd(), '.dlt', 'secrets.toml');
  let toml: unknown;
  const handed = new Set<string>();
  return {
    resolve(name: string): string {
      const envName = name.toUpperCase().replace(/\./g, '__');
      let value = env[envName];
      if (value === undefined && existsSync(file)) {
        toml ??= parseToml(readFileSync(file, 'utf8'));
        value = findInToml(toml, name.split('.').pop()!);
      }
      if (value === undefined || value === '') {
        throw new ConfigError(`secret "${name}" is not set: export ${envName}=... or add ${name} to .dlt/secrets.toml`);
      }
      handed.add(value);
      return value;
    },
    known: () => [...handed],
    remember: (value: string) => void handed.add(value),
  };
}

export function isSecretRef(v: unknown): v is { $secret: string } {
  return !!v && typeof v === 'object' && typeof (v as { $secret?: unknown }).$secret === 'string';
}

/** Replaces every secret reference in a value by the secret. */
export function resolveDeep(v: Json | { $secret: string }, secrets: SecretResolver): Json {
  if (isSecretRef(v)) return secrets.resolve(v.$secret);
  if (Array.isArray(v)) return v.map((x) => resolveDeep(x, secrets));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveDeep(x as Json, secrets)]));
  }
  return v;
}

/**
 * Scrubs secret values from a message, also in the forms a URL or header carries them:
 * percent-encoded (encodeURIComponent), form-encoded (URLSearchParams: `~!'()` escaped, space as
 * `+`) and base64. Longer forms go first, so a value that contains another secret (a Basic
 * credential holding the password) is scrubbed whole.
 */
export function redact(message: string, secrets: string[]): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < 3) continue;
    forms.add(s).add(encodeURIComponent(s)).add(new URLSearchParams({ s }).toString().slice(2)).add(Buffer.from(s).toString('base64'));
  }
  let out = message;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  return out;
}

/** Every secret a config refers to, by name. */
export function secretNames(v: unknown, out = new Set<string>()): Set<string> {
  if (isSecretRef(v)) out.add(v.$secret);
  else if (Array.isArray(v)) v.forEach((x) => secretNames(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => secretNames(x, out));
  return out;
}
