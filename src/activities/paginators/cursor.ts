import { DataError } from '../../errors';
import { getPath } from '../json-path';
import { readHasMore } from './offset';
import { applyRequestOption } from './request-option';
import type { PageResponse, Paginator, RequestSpec } from './types';

export type CursorToken = { cursor: string | number | null };

export interface CursorOptions {
  /** JSONPath of the next cursor in the response body */
  cursorPath: string;
  /** query param that carries the cursor (used when no cursorBodyPath); default `cursor` */
  cursorParam?: string;
  /** dot path in the JSON request body that carries the cursor */
  cursorBodyPath?: string;
  /** page size sent as the `limitParam` query param with every request */
  limit?: number;
  limitParam: string;
  /** stop at a page without records (dlt's default for cursors: false) */
  stopAfterEmptyPage?: boolean;
  /** JSONPath of a boolean: false stops even when a cursor is present */
  hasMorePath?: string;
}

/**
 * The response body carries an opaque cursor; the next request sends it back as a query param
 * (or in the JSON body). The first request has no cursor. As in dlt: a missing, null, empty or
 * otherwise falsy cursor (`""`, `0`, `false`) ends pagination; with `stopAfterEmptyPage` a page
 * without records ends it; with `hasMorePath` a false flag ends it (a missing or non-boolean flag
 * is an error). The cursor lives in the token.
 *
 * Handles e.g. (with `cursorPath: "pagination.next"`, `cursorParam: "after"`):
 * `GET /items?after=aW1w` → `{ "items": [...], "pagination": { "next": "c2Vjb25k" } }`
 */
export class CursorPaginator implements Paginator<CursorToken> {
  constructor(readonly opts: CursorOptions) {}

  initialToken(): CursorToken {
    return { cursor: null };
  }

  applyToken(request: RequestSpec, token: CursorToken): RequestSpec {
    const o = this.opts;
    let req = o.limit === undefined ? request : applyRequestOption(request, { in: 'query', name: o.limitParam }, o.limit);
    if (token.cursor !== null && token.cursor !== undefined) {
      const opt = o.cursorBodyPath
        ? ({ in: 'body', name: o.cursorBodyPath } as const)
        : ({ in: 'query', name: o.cursorParam ?? 'cursor' } as const);
      req = applyRequestOption(req, opt, token.cursor);
    }
    return req;
  }

  nextToken(page: PageResponse, _token: CursorToken): CursorToken | null {
    const o = this.opts;
    const value = getPath(page.body, o.cursorPath);
    if (o.stopAfterEmptyPage && page.records.length === 0) return null;
    if (o.hasMorePath !== undefined && !readHasMore(page.body, o.hasMorePath, 'cursor')) return null;
    if (!value) return null;
    if (typeof value === 'string' || typeof value === 'number') return { cursor: value };
    throw new DataError(`cursor paginator: cursor_path "${o.cursorPath}" holds ${JSON.stringify(value)}, not a string or number`);
  }
}
