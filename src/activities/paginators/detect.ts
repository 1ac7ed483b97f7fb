import { isPlainObject } from '../json-path';
import { linkHeader, parseLinkHeader } from './header-link';
import type { PageResponse } from './types';

/** What dlt's paginator detector (rest_client/detector.py) makes of a first response. */
export type Detected =
  | { mode: 'header_link' }
  | { mode: 'json_link'; path: string }
  | { mode: 'page_number'; path: string }
  | { mode: 'cursor'; path: string }
  | { mode: 'single_page' };

type Scalar = string | number | boolean;
type Found = { keys: string[]; value: Scalar } | null;

const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * dlt's detectors, in dlt's order, first hit wins:
 * 1. a `Link` header with `rel="next"` → header_link;
 * 2. a key starting with `next` (any case, depth first) holding a string, or an object whose key
 *    starting with `href`/`url` holds one, that starts with `http` or `/` → json_link at that path;
 * 3. a key `total_pages`, `pages` or `totalpages` holding an integer → page_number with that total;
 * 4. a `next...` key as in 2 holding anything else (`next_cursor: "c2"`) → cursor at that path;
 * 5. otherwise single_page.
 * Offsets are not guessed (dlt does not either). Paths are written in bracket notation, so keys
 * with dots or quotes stay one key.
 */
export function detectPaginator(page: PageResponse): Detected {
  const header = linkHeader(page.headers);
  if (header && parseLinkHeader(header).next) return { mode: 'header_link' };
  const next = findNextPagePath(page.body, []);
  if (next && typeof next.value === 'string' && (next.value.startsWith('http') || next.value.startsWith('/'))) {
    return { mode: 'json_link', path: bracketPath(next.keys) };
  }
  const total = findTotalPagesPath(page.body, []);
  if (total && asInteger(total.value) !== null) return { mode: 'page_number', path: bracketPath(total.keys) };
  if (next) return { mode: 'cursor', path: bracketPath(next.keys) };
  return { mode: 'single_page' };
}

/** dlt's find_next_page_path: depth first, in key order. */
function findNextPagePath(node: unknown, at: string[]): Found {
  if (!isPlainObject(node)) return null;
  for (const [key, value] of Object.entries(node)) {
    if (key.toLowerCase().startsWith('next')) {
      if (isPlainObject(value)) {
        for (const [k, v] of Object.entries(value)) {
          if (/^(href|url)/.test(k.toLowerCase()) && isScalar(v)) return { keys: [...at, key, k], value: v };
        }
      } else if (isScalar(value)) return { keys: [...at, key], value };
    }
    const deeper = isPlainObject(value) ? findNextPagePath(value, [...at, key]) : null;
    if (deeper) return deeper;
  }
  return null;
}

/** dlt's find_total_pages_path. */
function findTotalPagesPath(node: unknown, at: string[]): Found {
  if (!isPlainObject(node)) return null;
  for (const [key, value] of Object.entries(node)) {
    if (/^(total_pages|pages|totalpages)$/.test(key.toLowerCase()) && isScalar(value)) return { keys: [...at, key], value };
    const deeper = isPlainObject(value) ? findTotalPagesPath(value, [...at, key]) : null;
    if (deeper) return deeper;
  }
  return null;
}

/** Python's int() of a total: an integer number, or a string of digits. */
function asInteger(v: Scalar): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'boolean') return Number(v);
  return /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : null;
}

/** `['a', "it's"]` → `$['a']['it\'s']`. */
function bracketPath(keys: string[]): string {
  return '$' + keys.map((k) => `['${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`).join('');
}
