/**
 * The body of a request as dlt's client (requests) sends it: a `data` object form-encoded
 * (application/x-www-form-urlencoded unless the request sets a content type; a list repeats its
 * key; null is left out; booleans as Python prints them), a `data` string as it is (no content
 * type of its own), else the `json` body. An empty `data` sends none, as requests does.
 */
import type { Json } from '../../plan/types';
import type { RequestSpec } from '../paginators/types';

const FORM = 'application/x-www-form-urlencoded';

/** A form value as Python's str() writes it: requests form-encodes `str(value)`. */
function formText(v: Json): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Python's quote_plus, which requests' urlencode applies: only letters, digits and `_.-~` stay, a space is `+`. */
function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** requests' encoding of a dict body, byte for byte: key=value pairs in order, a list's items under one key each. */
export function formEncode(data: Record<string, Json>): string {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    for (const item of Array.isArray(v) ? v : [v]) if (item !== null && item !== undefined) pairs.push(`${quotePlus(k)}=${quotePlus(formText(item))}`);
  }
  return pairs.join('&');
}

/** Whether `data` sends anything (Python's truth test, as requests applies it). */
function hasData(data: RequestSpec['data']): data is string | Record<string, Json> {
  return typeof data === 'string' ? data !== '' : !!data && Object.keys(data).length > 0;
}

/** The body to send and the headers with it (a form's content type added when the request names none). */
export function requestBody(req: RequestSpec): { data?: Json; headers: Record<string, string>; untyped?: boolean } {
  if (!hasData(req.data)) return { ...(req.json !== undefined ? { data: req.json } : {}), headers: req.headers };
  const typed = Object.keys(req.headers).some((h) => h.toLowerCase() === 'content-type');
  if (typeof req.data === 'string') return { data: req.data, headers: req.headers, untyped: !typed };
  return { data: formEncode(req.data), headers: typed ? req.headers : { ...req.headers, 'content-type': FORM } };
}
