import { innermostMessage } from '../errors';
import { envName, lookupPaths } from '../activities/secret-lookup';
import { secretNames } from '../activities/secrets';

/** An HTML error page (a proxy's 502, a login page) says what it is in its title; the markup helps nobody. */
export function withoutHtml(message: string): string {
  return message.replace(/<!doctype html[\s\S]*|<html[\s\S]*/i, (page) => {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(page)?.[1]?.replace(/\s+/g, ' ').trim();
    return title ? `(HTML page: "${title}")` : '(an HTML page)';
  });
}

/** The innermost cause's message, HTML pages reduced to their title: a person wants the reason, not the chain of wrappers. */
export function describeError(err: unknown): string {
  return withoutHtml(innermostMessage(err));
}

/** Where a secret's value was found, as dlt looks it up: the first env var set, else `.dlt/secrets.toml`. */
export function secretOrigin(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const vars = lookupPaths(name).map(envName);
  const found = vars.find((v) => env[v] !== undefined && env[v] !== '');
  return found ? `env ${found}` : `.dlt/secrets.toml (env ${vars.join(', ')} unset)`;
}

/**
 * A hint for a failure a person can fix: a 401/403 names the config's secrets and where each was
 * read from (the value may be wrong or expired). Undefined when there is nothing to add.
 */
export function hintFor(message: string, source?: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (/\bHTTP 40[13]\b/.test(message)) {
    const names = source ? [...secretNames(source)] : [];
    if (!names.length) return 'the API refused the request: the config has no {"$secret": ...} auth; does the API need some?';
    return `the API refused the credentials: check ${names.map((n) => `secret "${n}" (read from ${secretOrigin(n, env)})`).join(', ')}`;
  }
  return undefined;
}
