import type { Json } from '../../plan/types';
import type { PageResponse, Paginator, RangePaginator, RequestSpec } from './types';

/**
 * Window `index` of `count` parallel windows over a range paginator, starting after the
 * committed token `from`: it fetches every `count`-th page from `from + index` pages on, with
 * the wrapped paginator's requests and stop rule (an empty page, the total, the maximum or the
 * has-more flag). The server serves full pages, so every window steps over the others' pages.
 */
export class Strided<T extends Json = Json> implements Paginator<T> {
  constructor(
    readonly inner: RangePaginator<T>,
    readonly index: number,
    readonly count: number,
    readonly from: T,
  ) {}

  initialToken(): T {
    return this.inner.shift(this.from, this.index * this.inner.fullStep);
  }

  applyToken(request: RequestSpec, token: T): RequestSpec {
    return this.inner.applyToken(request, token);
  }

  nextToken(page: PageResponse, token: T): T | null {
    return this.inner.nextBy(page, token, this.count * this.inner.fullStep);
  }

  predictNext(token: T): T {
    return this.inner.shift(token, this.count * this.inner.fullStep);
  }
}
