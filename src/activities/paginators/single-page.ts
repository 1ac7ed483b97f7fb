import type { PageResponse, Paginator, RequestSpec } from './types';

export type SinglePageToken = Record<string, never>;

/**
 * The endpoint answers with everything at once: one request, no next page.
 * Also the fallback of auto-detection when a response shows no sign of pagination.
 *
 * Handles e.g. `GET /me` → `{ "id": 1, "name": "Ada" }` or `GET /tags` → `["a", "b"]`.
 */
export class SinglePagePaginator implements Paginator<SinglePageToken> {
  initialToken(): SinglePageToken {
    return {};
  }

  applyToken(request: RequestSpec): RequestSpec {
    return request;
  }

  nextToken(_page: PageResponse, _token: SinglePageToken): SinglePageToken | null {
    return null;
  }
}
