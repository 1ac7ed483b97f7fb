import { DataError } from '../../errors';
import { nextInRange, type RangeRules } from './offset';
import { applyRequestOption, queryOrBody } from './request-option';
import type { PageResponse, RangePaginator, RequestSpec } from './types';

export type PageNumberToken = { page: number };

export interface PageNumberOptions extends RangeRules {
  /** number of the API's first page (0 or 1 usually) */
  basePage: number;
  /** page of the first request; default basePage */
  page?: number;
  pageParam: string;
  pageBodyPath?: string;
  maximumPage?: number;
}

/**
 * The client asks for page 1, 2, 3... (or 0, 1, 2...). `totalPath` points at the number of
 * pages; pagination stops once the next page would be past it, at `maximumPage`, when the
 * has-more flag is false, or at an empty page. A short page does not stop. The page number
 * lives in the token.
 *
 * Handles e.g. `GET /items?page=2` → `{ "items": [...], "total_pages": 10 }` with
 * `basePage: 1, totalPath: "total_pages"` (pages 1 to 10).
 */
export class PageNumberPaginator implements RangePaginator<PageNumberToken> {
  constructor(readonly opts: PageNumberOptions) {}

  /** a full page: the next page number */
  readonly fullStep = 1;

  shift(token: PageNumberToken, by: number): PageNumberToken {
    return { page: token.page + by };
  }

  initialToken(): PageNumberToken {
    return { page: this.opts.page ?? this.opts.basePage };
  }

  applyToken(request: RequestSpec, token: PageNumberToken): RequestSpec {
    if (typeof token.page !== 'number') throw new DataError(`page_number token has no page: ${JSON.stringify(token)}`);
    return applyRequestOption(request, queryOrBody(this.opts.pageParam, this.opts.pageBodyPath), token.page);
  }

  nextToken(page: PageResponse, token: PageNumberToken): PageNumberToken | null {
    return this.nextBy(page, token, 1);
  }

  nextBy(page: PageResponse, token: PageNumberToken, step: number): PageNumberToken | null {
    const o = this.opts;
    const next = nextInRange(page, token.page, step, o.basePage, o.maximumPage, o, 'page_number');
    return next === null ? null : { page: next };
  }
}
