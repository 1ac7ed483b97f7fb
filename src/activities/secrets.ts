import type { Json } from '../plan/types';
import { mapJson } from '../plan/json-walk';
import type { SecretResolver } from './secret-lookup';

export { createSecretResolver, DEFAULT_SOURCE_SECTION, lookupPaths, type SecretResolver } from './secret-lookup';

export function isSecretRef(v: unknown): v is { $secret: string } {
  return !!v && typeof v === 'object' && typeof (v as { $secret?: unknown }).$secret === 'string';
}

/** Replaces every secret reference in a value by the secret. */
export function resolveDeep(v: Json | { $secret: string }, secrets: SecretResolver): Json {
  return mapJson(v as Json, (node) => (isSecretRef(node) ? secrets.resolve(node.$secret) : undefined));
}

/** Secrets shorter than this are not scrubbed (dlt's MIN_SECRET_MASKING_LENGTH): they would blank out ordinary text. */
const MIN_SECRET = 3;
/** A text holding this many leading characters of a secret form is taken for a cut-off secret. */
export const MIN_PREFIX = 8;

const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);

/**
 * The forms a secret travels in: as is; JSON-escaped (once, twice, and with `\/` as PHP writes
 * it), as an API echoing it in a JSON body does; percent-encoded (upper and lower hex, URI and
 * component) and form-encoded (`+` for space), as URLs carry it; base64 and base64url.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const once = jsonEscaped(secret);
  for (const j of [secret, once, jsonEscaped(once)]) forms.add(j).add(j.replace(/\//g, '\\/'));
  const pct = encodeURIComponent(secret);
  forms.add(pct).add(pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())).add(encodeURI(secret));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  const b64 = Buffer.from(secret).toString('base64');
  forms.add(b64).add(b64.replace(/=+$/, '')).add(Buffer.from(secret).toString('base64url'));
  return [...forms];
}

/**
 * The one scrubber: every path that turns an error or a URL into text runs it before truncating
 * or formatting. It replaces each form of each secret (`secretForms`) by `***`, longer forms
 * first (a Basic credential holding a password goes whole), and then any run of 8 or more
 * leading characters of a form that is left: the remains of a secret some earlier code cut off.
 */
export function redact(message: string, secrets: string[]): string {
  const forms = formsOf(secrets);
  let out = withoutUnicodeEscapes(message);
  for (const form of forms) out = out.split(form).join('***');
  return withoutRemains(out, forms);
}

/**
 * A text with its `\\uXXXX` escapes decoded: encoders that escape every non-ASCII character, or
 * `<`, `>`, `&` as Go's does, spell a secret in a way no fixed form list can enumerate. Decoding
 * first lets the forms above match it; the message keeps its meaning (the escape is only a spelling).
 */
function withoutUnicodeEscapes(text: string): string {
  if (!text.includes('\\u')) return text;
  return text.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Every form of every secret long enough to scrub, longest first. */
function formsOf(secrets: string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET).flatMap(secretForms))].sort((a, b) => b.length - a.length);
}

/** Replaces each run of `MIN_PREFIX`+ leading characters of a form, the longest run where several start. */
function withoutRemains(text: string, forms: string[]): string {
  const runs: Array<[number, number]> = [];
  for (const form of forms) {
    if (form.length < MIN_PREFIX) continue;
    for (let at = text.indexOf(form.slice(0, MIN_PREFIX)); at >= 0; at = text.indexOf(form.slice(0, MIN_PREFIX), at + 1)) {
      let n = MIN_PREFIX;
      while (n < form.length && text[at + n] === form[n]) n += 1;
      runs.push([at, at + n]);
    }
  }
  let out = '';
  let done = 0;
  for (const [from, to] of runs.sort((a, b) => a[0] - b[0] || b[1] - a[1])) {
    if (to <= done) continue;
    out += `${text.slice(done, Math.max(from, done))}***`;
    done = to;
  }
  return out + text.slice(done);
}

/**
 * True when a text holds a whole secret in any form `secretForms` knows. Decisions (drop this
 * header, this param) use it; leading characters alone do not count, as a JWT bearer token and
 * a JWT cursor share their first characters.
 */
export function holdsSecret(text: string, secrets: string[]): boolean {
  return formsOf(secrets).some((f) => text.includes(f));
}

/** Every secret a config refers to, by name. */
export function secretNames(v: unknown, out = new Set<string>()): Set<string> {
  if (isSecretRef(v)) out.add(v.$secret);
  else if (Array.isArray(v)) v.forEach((x) => secretNames(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => secretNames(x, out));
  return out;
}
