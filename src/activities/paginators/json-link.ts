import { DataError } from '../../errors';
import { getPath, isPlainObject } from '../json-path';
import type { PageResponse, Paginator, RequestSpec } from './types';

/** Token of the next-URL paginators: the absolute URL of the page to fetch; null = the endpoint. */
export type NextUrlToken = { url: string | null };

/** Key names (lower-cased, `_`/`-` removed) that hold a next-page link. */
const NEXT_KEYS = new Set(['next', 'nexturl', 'nextlink', 'nextpage', 'nextpageurl', 'nextpagelink']);
/** Keys of a link object that hold its URL: `{ "next": { "href": "..." } }`. */
const LINK_KEYS = ['href', 'url', 'link'];
const MAX_DEPTH = 3;

/** True for strings that read as a URL or a URL path, not as an opaque cursor. */
export function looksLikeUrl(s: string): boolean {
  if (/\s/.test(s) || s === '') return false;
  return /^https?:\/\//i.test(s) || s.startsWith('/') || s.startsWith('?') || /^[\w.~-]+(\/[\w.~%-]*)*\?[^=]+=/.test(s);
}

/**
 * Looks for a next link in common places, shallow keys first (breadth first, objects only, up to
 * 3 levels): `next`, `links.next`, `_links.next.href`, `paging.next`, `pagination.next`,
 * `meta.next_url`... A key matches when, ignoring case, `_` and `-`, it is one of `next`,
 * `nextUrl`, `nextLink`, `nextPage`, `nextPageUrl`, `nextPageLink`; its value is the link when it
 * is a non-empty string, or an object with a string `href`/`url`/`link`. With `strict`, only
 * strings that look like a URL count (auto-detection must not mistake a cursor for a link).
 */
export function findNextLink(body: unknown, strict: boolean): string | null {
  let level: unknown[] = [body];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const nextLevel: unknown[] = [];
    for (const node of level) {
      if (!isPlainObject(node)) continue;
      for (const [key, value] of Object.entries(node)) {
        if (NEXT_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''))) {
          const link = linkValue(value);
          if (link !== null && (!strict || looksLikeUrl(link))) return link;
        }
        if (isPlainObject(value)) nextLevel.push(value);
      }
    }
    level = nextLevel;
  }
  return null;
}

function linkValue(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (isPlainObject(value)) {
    for (const k of LINK_KEYS) {
      const v = value[k];
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
    }
  }
  return null;
}

/** Resolves a possibly relative next link against the URL of the page it came from. */
export function resolveUrl(link: string, pageUrl: string): string {
  try {
    return new URL(link, pageUrl).toString();
  } catch {
    throw new DataError(`next page link "${link}" cannot be resolved against "${pageUrl}"`);
  }
}

/**
 * The request for a next-page URL, as dlt makes it: the URL replaces the endpoint and its query
 * replaces the request's params (the API's next link is followed exactly as given; the first
 * request's params, incremental ones included, are not merged back). Auth is applied afterwards
 * to every request, so an API key in the query is still sent.
 */
export function applyNextUrl(request: RequestSpec, token: NextUrlToken): RequestSpec {
  if (token.url === null) return request;
  try {
    new URL(token.url);
  } catch {
    throw new DataError(`next page URL "${token.url}" is not an absolute URL`);
  }
  return { ...request, url: token.url, params: {} };
}

/**
 * The response body carries the URL of the next page. The first request is the endpoint as
 * configured; each next one is the absolute URL found in the body, until it is missing or empty.
 * The URL lives in the token, so the paginator itself keeps no state.
 *
 * Handles e.g. (with `nextUrlPath: "pagination.next"`, or the default lookup):
 * `{ "items": [...], "pagination": { "next": "https://api.example.com/items?page=2" } }`
 */
export class JsonLinkPaginator implements Paginator<NextUrlToken> {
  /**
   * @param nextUrlPath dot path or JSONPath of the link; undefined: look in common places
   * @param strict with the default lookup, accept only values that look like URLs
   */
  constructor(
    readonly nextUrlPath?: string,
    readonly strict = false,
  ) {}

  initialToken(): NextUrlToken {
    return { url: null };
  }

  applyToken(request: RequestSpec, token: NextUrlToken): RequestSpec {
    return applyNextUrl(request, token);
  }

  nextToken(page: PageResponse, _token: NextUrlToken): NextUrlToken | null {
    const link = this.nextUrlPath === undefined ? findNextLink(page.body, this.strict) : this.atPath(page.body);
    return link === null ? null : { url: resolveUrl(link, page.url) };
  }

  private atPath(body: unknown): string | null {
    const value = getPath(body, this.nextUrlPath as string);
    const link = linkValue(value);
    if (link === null && value !== null && value !== undefined && value !== '') {
      throw new DataError(`next_url_path "${this.nextUrlPath}" holds ${JSON.stringify(value)}, not a URL`);
    }
    return link;
  }
}
