import { PaginationLoopError } from '../../errors';
import type { Json, PaginatorSpec } from '../../plan/types';
import { AutoPaginator, type AutoLog } from './auto';
import { CursorPaginator } from './cursor';
import { HeaderCursorPaginator } from './header-cursor';
import { HeaderLinkPaginator } from './header-link';
import { JsonLinkPaginator } from './json-link';
import { OffsetPaginator } from './offset';
import { PageNumberPaginator } from './page-number';
import { SinglePagePaginator } from './single-page';
import { Strided } from './strided';
import type { PageResponse, Paginator, RangePaginator, RequestSpec } from './types';

export { AutoPaginator, detectMode, type AutoLog, type AutoToken } from './auto';
export { detectPaginator, type Detected } from './detect';
export { HeaderCursorPaginator } from './header-cursor';
export { CursorPaginator, type CursorOptions, type CursorToken } from './cursor';
export { HeaderLinkPaginator, parseLinkHeader } from './header-link';
export { JsonLinkPaginator, findNextLink, type NextUrlToken } from './json-link';
export { OffsetPaginator, type OffsetOptions, type OffsetToken } from './offset';
export { PageNumberPaginator, type PageNumberOptions, type PageNumberToken } from './page-number';
export { SinglePagePaginator, type SinglePageToken } from './single-page';
export { applyRequestOption } from './request-option';
export { Strided } from './strided';
export type { PageResponse, Paginator, RangePaginator, RequestSpec } from './types';

/**
 * Wraps a paginator so that a next token equal to the current one (the API repeats its cursor
 * or next link) fails with PaginationLoopError instead of fetching the same page forever.
 */
export class LoopGuard<T extends Json = Json> implements Paginator<T> {
  readonly predictNext?: (token: T) => T;

  constructor(readonly inner: Paginator<T>) {
    if (inner.predictNext) this.predictNext = (token) => inner.predictNext!(token);
  }

  initialToken(): T {
    return this.inner.initialToken();
  }

  applyToken(request: RequestSpec, token: T): RequestSpec {
    return this.inner.applyToken(request, token);
  }

  nextToken(page: PageResponse, token: T): T | null {
    const next = this.inner.nextToken(page, token);
    if (next !== null && jsonEqual(next, token)) {
      throw new PaginationLoopError(`pagination does not advance: ${describeToken(next)} repeated (page ${page.url})`);
    }
    return next;
  }
}

/**
 * Builds the paginator of a validated plan's spec, with loop detection. The config schema has
 * refused every spec these classes cannot run (see config/schema.ts), so nothing is checked here.
 * `log` hears what `auto` detected.
 */
export function createPaginator(spec: PaginatorSpec, log?: AutoLog): Paginator {
  return new LoopGuard(basePaginator(spec, log));
}

function basePaginator(spec: PaginatorSpec, log?: AutoLog): Paginator {
  switch (spec.type) {
    case 'auto':
      return new AutoPaginator(log);
    case 'single_page':
      return new SinglePagePaginator();
    case 'json_link':
      // dlt's JSONLinkPaginator: next_url_path defaults to `next`, the only place it looks
      return new JsonLinkPaginator(spec.nextUrlPath ?? 'next');
    case 'header_link':
      return new HeaderLinkPaginator(spec.linksNextKey ?? 'next');
    case 'offset':
      return new OffsetPaginator(spec);
    case 'page_number':
      return new PageNumberPaginator(spec);
    case 'cursor':
      return new CursorPaginator(spec);
    case 'header_cursor':
      return new HeaderCursorPaginator(spec.cursorKey, spec.cursorParam);
  }
}

/** `cursor "abc"`, `offset 100, limit 10`: the token's fields, for messages. */
export function describeToken(token: Json): string {
  if (token === null || typeof token !== 'object' || Array.isArray(token)) return JSON.stringify(token);
  const fields = Object.entries(token).filter(([k]) => k !== 'mode');
  return fields.length ? fields.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ') : JSON.stringify(token);
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
}

/**
 * The paginator of window `index` of `count` parallel windows over an offset or page-number
 * resource, starting after the committed token `from` (see Strided).
 */
export function stridedPaginator(spec: Extract<PaginatorSpec, { type: 'offset' | 'page_number' }>, index: number, count: number, from: Json): Paginator {
  const inner = spec.type === 'offset' ? new OffsetPaginator(spec) : new PageNumberPaginator(spec);
  return new LoopGuard(new Strided(inner as RangePaginator, index, count, from));
}
