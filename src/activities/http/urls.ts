import { holdsSecret } from '../secrets';

/** `https://api.example.com:8443`, or undefined for text that is no absolute URL. */
export function originOf(url: string): string | undefined {
  // an absolute URL has a scheme and its colon: cursors and page numbers skip the parser's throw
  if (!url.includes(':')) return undefined;
  try {
    const u = new URL(url);
    return /^https?:$/.test(u.protocol) ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * The URL without the query params `drop` picks and without user:password; the rest of the URL
 * is kept byte for byte (re-serializing the query could change how an API reads other params).
 */
export function withoutParams(url: string, drop: (name: string, value: string) => boolean): string {
  const hash = url.indexOf('#');
  const q = url.indexOf('?');
  if (q < 0 || (hash >= 0 && hash < q)) return withoutUserInfo(url);
  const end = hash >= 0 ? hash : url.length;
  const pairs = url.slice(q + 1, end).split('&');
  const kept = pairs.filter((pair) => {
    const eq = pair.indexOf('=');
    return pair === '' || !drop(decoded(eq < 0 ? pair : pair.slice(0, eq)), decoded(eq < 0 ? '' : pair.slice(eq + 1)));
  });
  if (kept.length === pairs.length) return withoutUserInfo(url);
  const query = kept.filter(Boolean).join('&');
  return withoutUserInfo(`${url.slice(0, q)}${query ? `?${query}` : ''}${url.slice(end)}`);
}

function withoutUserInfo(url: string): string {
  return url.replace(/^(https?:\/\/)[^/?#@]*@/i, '$1');
}

/**
 * A URL fit to store or show: auth query params (`names`) and any param whose value holds a
 * secret removed. Next-page links go through it before they become tokens, so a token never
 * holds a key and the request that follows carries the key once (the auth adds it again).
 */
export function publicUrl(url: string, names: string[], secrets: string[]): string {
  return withoutParams(url, (name, value) => names.includes(name) || holdsSecret(value, secrets));
}
