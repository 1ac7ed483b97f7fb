import { DataError } from '../../errors';
import { HeaderLinkPaginator, linkHeader, parseLinkHeader } from './header-link';
import { findNextLink, JsonLinkPaginator } from './json-link';
import type { PageResponse, Paginator, RequestSpec } from './types';

export type AutoToken =
  | { mode: 'detect' }
  | { mode: 'json_link'; url: string | null }
  | { mode: 'header_link'; url: string | null };

/**
 * Used when a config names no paginator. The first request is the endpoint as is; its response
 * decides the strategy, as dlt's detector does:
 * 1. a `Link` header with `rel="next"` → header_link;
 * 2. a next link in the body at a common place (`next`, `links.next`, `_links.next.href`,
 *    `paging.next`, `pagination.next`...) whose value looks like a URL or URL path → json_link;
 * 3. otherwise single_page (the response is all there is).
 * Offset, page-number and cursor pagination are never guessed. The detected mode is stored in
 * the token with the delegate's own token, so later pages need no detection and no state.
 *
 * Handles e.g. `{ "results": [...], "next": "https://api.example.com/items?page=2" }`, which
 * becomes the token `{ "mode": "json_link", "url": "https://api.example.com/items?page=2" }`.
 */
export class AutoPaginator implements Paginator<AutoToken> {
  private readonly json = new JsonLinkPaginator(undefined, true);
  private readonly header = new HeaderLinkPaginator('next');

  initialToken(): AutoToken {
    return { mode: 'detect' };
  }

  applyToken(request: RequestSpec, token: AutoToken): RequestSpec {
    switch (token.mode) {
      case 'detect':
        return request;
      case 'json_link':
        return this.json.applyToken(request, { url: token.url });
      case 'header_link':
        return this.header.applyToken(request, { url: token.url });
      default:
        throw unknownMode(token);
    }
  }

  nextToken(page: PageResponse, token: AutoToken): AutoToken | null {
    const mode = token.mode === 'detect' ? detectMode(page) : token.mode;
    const url = 'url' in token ? token.url : null;
    switch (mode) {
      case 'single_page':
        return null;
      case 'json_link':
        return withMode('json_link', this.json.nextToken(page, { url }));
      case 'header_link':
        return withMode('header_link', this.header.nextToken(page, { url }));
      default:
        throw unknownMode(token);
    }
  }
}

/** The pagination a first response shows: `header_link`, `json_link` or `single_page`. */
export function detectMode(page: PageResponse): 'header_link' | 'json_link' | 'single_page' {
  const header = linkHeader(page.headers);
  if (header && parseLinkHeader(header).next) return 'header_link';
  if (findNextLink(page.body, true) !== null) return 'json_link';
  return 'single_page';
}

function withMode(mode: 'json_link' | 'header_link', next: { url: string | null } | null): AutoToken | null {
  return next === null ? null : { mode, url: next.url };
}

function unknownMode(token: unknown): DataError {
  return new DataError(`auto paginator: unknown token ${JSON.stringify(token)}`);
}
