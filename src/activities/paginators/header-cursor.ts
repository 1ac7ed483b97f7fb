import type { CursorToken } from './cursor';
import type { PageResponse, Paginator, RequestSpec } from './types';

/**
 * dlt's `header_cursor`: a response header (`cursorKey`, default `next`, any case) carries the
 * cursor of the next page, sent back as the query param `cursorParam` (default `cursor`). A
 * response without the header ends pagination (an empty header too: dlt stops on a missing one
 * and an empty cursor would fetch the first page again). The cursor lives in the token.
 *
 * Handles e.g. (with `cursorKey: "NextPageToken"`, `cursorParam: "page_token"`):
 * ```
 * NextPageToken: 123456
 *
 * [{ "id": 1 }, { "id": 2 }]
 * ```
 * → `GET /items?page_token=123456`
 */
export class HeaderCursorPaginator implements Paginator<CursorToken> {
  constructor(
    readonly cursorKey = 'next',
    readonly cursorParam = 'cursor',
  ) {}

  initialToken(): CursorToken {
    return { cursor: null };
  }

  applyToken(request: RequestSpec, token: CursorToken): RequestSpec {
    if (token.cursor === null || token.cursor === undefined) return request;
    return { ...request, params: { ...request.params, [this.cursorParam]: token.cursor } };
  }

  nextToken(page: PageResponse, _token: CursorToken): CursorToken | null {
    const wanted = this.cursorKey.toLowerCase();
    const key = Object.keys(page.headers).find((k) => k.toLowerCase() === wanted);
    const value = key === undefined ? undefined : page.headers[key];
    return value ? { cursor: value } : null;
  }
}
