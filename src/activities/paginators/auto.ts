import { DataError } from '../../errors';
import type { Json } from '../../plan/types';
import { CursorPaginator, type CursorToken } from './cursor';
import { detectPaginator, type Detected } from './detect';
import { HeaderLinkPaginator } from './header-link';
import { JsonLinkPaginator, type NextUrlToken } from './json-link';
import { PageNumberPaginator, type PageNumberToken } from './page-number';
import type { PageResponse, Paginator, RequestSpec } from './types';

export type AutoToken = { mode: 'detect' } | Detecting;

/** The token once the mode is known. */
type Detecting =
  | { mode: 'json_link'; url: string | null; path?: string }
  | { mode: 'header_link'; url: string | null }
  | { mode: 'page_number'; page: number; path: string }
  | { mode: 'cursor'; cursor: string | number | null; path: string };

/** Where auto says what it chose: `info` for a sure detection, `warn` for a guess or the fallback. */
export type AutoLog = (level: 'info' | 'warn', message: string) => void;

/**
 * Used when a config names no paginator. As in dlt, the first request is the endpoint as is and
 * its response decides the strategy (see detectPaginator): header_link, json_link, page_number
 * from a total of pages, cursor, or one page. The choice and its path are stored in the token
 * with the delegate's own token, so later pages need no detection and no state. The delegates
 * are dlt's defaults: page_number counts from 0 (the first, unnumbered request was page 0, the
 * next asks `page=1`) up to the total, stopping at an empty page; cursor sends `cursor=...`.
 *
 * Handles e.g. `{ "items": [...], "next_cursor": "c2" }`, which becomes the token
 * `{ "mode": "cursor", "cursor": "c2", "path": "$['next_cursor']" }`.
 */
export class AutoPaginator implements Paginator<AutoToken> {
  constructor(private readonly log: AutoLog = () => {}) {}

  initialToken(): AutoToken {
    return { mode: 'detect' };
  }

  applyToken(request: RequestSpec, token: AutoToken): RequestSpec {
    if (token.mode === 'detect') return request;
    const [delegate, inner] = delegateOf(token);
    return delegate.applyToken(request, inner);
  }

  nextToken(page: PageResponse, token: AutoToken): AutoToken | null {
    if (token.mode !== 'detect') {
      const [delegate, inner] = delegateOf(token);
      return wrap(token, delegate.nextToken(page, inner));
    }
    const found = detectPaginator(page);
    this.report(found, page);
    if (found.mode === 'single_page') return null;
    const start = startToken(found);
    const [delegate, inner] = delegateOf(start);
    return wrap(start, delegate.nextToken(page, inner));
  }

  private report(found: Detected, page: PageResponse): void {
    const at = 'path' in found ? ` at ${found.path}` : '';
    if (found.mode === 'header_link' || found.mode === 'json_link') this.log('info', `auto paginator: detected ${found.mode}${at}`);
    else if (found.mode !== 'single_page') {
      this.log('warn', `auto paginator: guessed ${found.mode}${at} (dlt's defaults: ${found.mode === 'cursor' ? 'query param "cursor"' : 'query param "page" counting from 0'}); set the paginator explicitly, the guess may be wrong`);
    } else if (page.records.length === 1 && page.records[0] === page.body) this.log('info', 'auto paginator: one page (the response is a single object)');
    else this.log('warn', 'auto paginator: no pagination detected, loading one page only; set the paginator if the API has more');
  }
}

/** The token of a detected mode before its first next page: the delegate's initial token. */
function startToken(found: Exclude<Detected, { mode: 'single_page' }>): Detecting {
  switch (found.mode) {
    case 'header_link':
      return { mode: 'header_link', url: null };
    case 'json_link':
      return { mode: 'json_link', url: null, path: found.path };
    case 'page_number':
      return { mode: 'page_number', page: 0, path: found.path };
    case 'cursor':
      return { mode: 'cursor', cursor: null, path: found.path };
  }
}

/** The delegate paginator of a token and the delegate's own token. */
function delegateOf(token: Detecting): [Paginator<Json>, Json] {
  const d = <T extends Json>(p: Paginator<T>, t: T): [Paginator<Json>, Json] => [p as unknown as Paginator<Json>, t];
  switch (token.mode) {
    case 'json_link':
      // tokens written before detection stored its path have none: the old lookup, strict
      return d(new JsonLinkPaginator(token.path, true), { url: token.url } satisfies NextUrlToken);
    case 'header_link':
      return d(new HeaderLinkPaginator('next'), { url: token.url } satisfies NextUrlToken);
    case 'page_number': {
      const p = new PageNumberPaginator({ basePage: 0, pageParam: 'page', totalPath: token.path, totalPathExplicit: true, stopAfterEmptyPage: true });
      return d(p, { page: token.page } satisfies PageNumberToken);
    }
    case 'cursor':
      return d(new CursorPaginator({ cursorPath: token.path, cursorParam: 'cursor', limitParam: 'limit' }), { cursor: token.cursor } satisfies CursorToken);
    default:
      throw new DataError(`auto paginator: unknown token ${JSON.stringify(token)}`);
  }
}

/** The delegate's next token with the mode and path of `token` kept. */
function wrap(token: Detecting, next: Json | null): AutoToken | null {
  if (next === null) return null;
  const { mode } = token;
  const path = 'path' in token && token.path !== undefined ? { path: token.path } : {};
  return { mode, ...(next as object), ...path } as AutoToken;
}

/** The pagination a first response shows (dlt's detector). */
export function detectMode(page: PageResponse): Detected['mode'] {
  return detectPaginator(page).mode;
}
