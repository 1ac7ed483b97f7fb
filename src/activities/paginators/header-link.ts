import { applyNextUrl, resolveUrl, type NextUrlToken } from './json-link';
import type { PageResponse, Paginator, RequestSpec } from './types';

/**
 * Parses an RFC 8288 `Link` header into relation → URL (first link of each relation wins).
 * Accepts several links, quoted or bare parameter values, several relations in one `rel`
 * (`rel="next last"`), any case. `<a>; rel="next", <b>; rel=prev` → `{ next: "a", prev: "b" }`.
 */
export function parseLinkHeader(header: string): Record<string, string> {
  const links: Record<string, string> = {};
  const linkRe = /<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:"[^"]*"|[^;,]*))?)*)/g;
  const paramRe = /;\s*([^;,=\s]+)\s*(?:=\s*(?:"([^"]*)"|([^;,]*)))?/g;
  for (const m of header.matchAll(linkRe)) {
    const url = m[1].trim();
    for (const p of m[2].matchAll(paramRe)) {
      if (p[1].toLowerCase() !== 'rel') continue;
      const rels = (p[2] ?? p[3] ?? '').trim().toLowerCase().split(/\s+/);
      for (const rel of rels) if (rel && !(rel in links)) links[rel] = url;
    }
  }
  return links;
}

/** The `link` header of a response, whatever the case of its name. */
export function linkHeader(headers: Record<string, string>): string | undefined {
  if (headers.link !== undefined) return headers.link;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'link');
  return key === undefined ? undefined : headers[key];
}

/**
 * The `Link` response header carries the URL of the next page (GitHub, GitLab, many others).
 * The first request is the endpoint as configured; each next one is the link whose relation is
 * `linksNextKey`, until the header has none. The URL lives in the token: no state here.
 *
 * Handles e.g.:
 * ```
 * Link: <https://api.example.com/items?page=2>; rel="next", <https://api.example.com/items?page=9>; rel="last"
 *
 * [{ "id": 1 }, { "id": 2 }]
 * ```
 */
export class HeaderLinkPaginator implements Paginator<NextUrlToken> {
  constructor(readonly linksNextKey = 'next') {}

  initialToken(): NextUrlToken {
    return { url: null };
  }

  applyToken(request: RequestSpec, token: NextUrlToken): RequestSpec {
    return applyNextUrl(request, token);
  }

  nextToken(page: PageResponse, _token: NextUrlToken): NextUrlToken | null {
    const header = linkHeader(page.headers);
    if (!header) return null;
    const link = parseLinkHeader(header)[this.linksNextKey.toLowerCase()];
    return link ? { url: resolveUrl(link, page.url) } : null;
  }
}
