import type { Json } from '../../plan/types';

/** The request a paginator adjusts: plain data, turned into an axios call by the HTTP client. */
export interface RequestSpec {
  method: string;
  /** absolute URL, or path relative to the client's base URL */
  url: string;
  params: Record<string, Json>;
  headers: Record<string, string>;
  json?: Json;
  /** dlt's `data` body: an object is sent form-encoded, a string as it is */
  data?: string | Record<string, Json>;
}

/** One API answer, as paginators and selectors see it. */
export interface PageResponse {
  status: number;
  /** lower-cased header names */
  headers: Record<string, string>;
  body: unknown;
  /** the URL that was fetched (absolute) */
  url: string;
  /** the records selected from this page */
  records: unknown[];
}

/**
 * A pagination strategy. Stateless: all state lives in the plain-JSON token, so it can be
 * committed with the page and carried across activities and continue-as-new.
 */
export interface Paginator<T extends Json = Json> {
  /** token for the first request */
  initialToken(): T;
  /** the request for the page that `token` points at */
  applyToken(request: RequestSpec, token: T): RequestSpec;
  /** the token of the next page, or null when `page` was the last one */
  nextToken(page: PageResponse, token: T): T | null;
  /**
   * The token the next page will have unless the page at `token` turns out to be the last: only
   * paginators whose positions are known in advance (a parallel window's), so that page may be
   * requested before this one has arrived.
   */
  predictNext?(token: T): T;
}

/**
 * A paginator whose page positions are known in advance (offset, page number): the position of
 * any page can be computed, so parallel windows can fetch every n-th page (see `Strided`).
 */
export interface RangePaginator<T extends Json = Json> extends Paginator<T> {
  /** how far a full page moves the position: `limit` records, or one page number */
  readonly fullStep: number;
  /** the token `by` positions after `token` */
  shift(token: T, by: number): T;
  /** the token `step` positions after `token`, or null when `page` was the last one (the same stop rule as nextToken) */
  nextBy(page: PageResponse, token: T, step: number): T | null;
}
