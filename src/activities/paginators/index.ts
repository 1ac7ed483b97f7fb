import { ConfigError, PaginationLoopError } from '../../errors';
import type { Json, PaginatorSpec } from '../../plan/types';
import { AutoPaginator } from './auto';
import { CursorPaginator } from './cursor';
import { HeaderLinkPaginator } from './header-link';
import { JsonLinkPaginator } from './json-link';
import { OffsetPaginator } from './offset';
import { PageNumberPaginator } from './page-number';
import { SinglePagePaginator } from './single-page';
import type { PageResponse, Paginator, RequestSpec } from './types';

export { AutoPaginator, detectMode, type AutoToken } from './auto';
export { CursorPaginator, type CursorOptions, type CursorToken } from './cursor';
export { HeaderLinkPaginator, parseLinkHeader } from './header-link';
export { JsonLinkPaginator, findNextLink, type NextUrlToken } from './json-link';
export { OffsetPaginator, type OffsetOptions, type OffsetToken } from './offset';
export { PageNumberPaginator, type PageNumberOptions, type PageNumberToken } from './page-number';
export { SinglePagePaginator, type SinglePageToken } from './single-page';
export { applyRequestOption } from './request-option';
export type { PageResponse, Paginator, RequestSpec } from './types';

/**
 * Wraps a paginator so that a next token equal to the current one (the API repeats its cursor
 * or next link) fails with PaginationLoopError instead of fetching the same page forever.
 */
export class LoopGuard<T extends Json = Json> implements Paginator<T> {
  constructor(readonly inner: Paginator<T>) {}

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

/** Builds the paginator of a normalized spec, with loop detection; ConfigError for nonsense. */
export function createPaginator(spec: PaginatorSpec, configPath = 'paginator'): Paginator {
  const at = (field: string) => `${configPath}.${field}`;
  const int = (field: string, v: unknown, min: number, optional = false): void => {
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new ConfigError(`must be an integer >= ${min}, got ${JSON.stringify(v)}`, at(field));
    }
  };
  const name = (field: string, v: unknown, optional = false): void => {
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`must be a non-empty string`, at(field));
  };
  const stops = (s: { stopAfterEmptyPage: boolean; totalPath?: string | null; hasMorePath?: string }, max?: number) => {
    if (!s.stopAfterEmptyPage && s.totalPath === null && max === undefined && !s.hasMorePath) {
      throw new ConfigError('never stops: set a total path, a maximum, a has-more path or stop_after_empty_page', configPath);
    }
  };
  switch (spec.type) {
    case 'auto':
      return new LoopGuard(new AutoPaginator());
    case 'single_page':
      return new LoopGuard(new SinglePagePaginator());
    case 'json_link':
      name('next_url_path', spec.nextUrlPath, true);
      return new LoopGuard(new JsonLinkPaginator(spec.nextUrlPath));
    case 'header_link':
      name('links_next_key', spec.linksNextKey, true);
      return new LoopGuard(new HeaderLinkPaginator(spec.linksNextKey ?? 'next'));
    case 'offset':
      int('limit', spec.limit, 1);
      int('offset', spec.offset, 0);
      int('maximum_offset', spec.maximumOffset, 1, true);
      if (!spec.offsetBodyPath) name('offset_param', spec.offsetParam);
      if (!spec.limitBodyPath) name('limit_param', spec.limitParam);
      stops(spec, spec.maximumOffset);
      return new LoopGuard(new OffsetPaginator(spec));
    case 'page_number':
      int('base_page', spec.basePage, 0);
      int('page', spec.page, spec.basePage, true);
      int('maximum_page', spec.maximumPage, 1, true);
      if (!spec.pageBodyPath) name('page_param', spec.pageParam);
      stops(spec, spec.maximumPage);
      return new LoopGuard(new PageNumberPaginator(spec));
    case 'cursor':
      name('cursor_path', spec.cursorPath);
      name('cursor_param', spec.cursorParam, true);
      name('cursor_body_path', spec.cursorBodyPath, true);
      if (spec.cursorParam && spec.cursorBodyPath) {
        throw new ConfigError('set cursor_param or cursor_body_path, not both', configPath);
      }
      int('limit', spec.limit, 1, true);
      if (spec.limit !== undefined) name('limit_param', spec.limitParam);
      return new LoopGuard(new CursorPaginator(spec));
    default:
      throw new ConfigError(`unknown paginator type ${JSON.stringify((spec as { type: unknown }).type)}`, at('type'));
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

/** Paginators whose page positions are known in advance, so windows can fetch them in parallel. */
export function canStride(spec: PaginatorSpec): spec is Extract<PaginatorSpec, { type: 'offset' | 'page_number' }> {
  return spec.type === 'offset' || spec.type === 'page_number';
}

/**
 * Window `index` of `count` parallel windows over an offset or page-number resource, starting
 * after the committed token `from`: it fetches every `count`-th page from `from + index` pages
 * on, and stops at its first empty page (or the total / maximum).
 */
export function stridedPaginator(spec: PaginatorSpec, index: number, count: number, from: Json): { paginator: Paginator; initial: Json } {
  if (spec.type === 'offset') {
    const start = (from as { offset: number }).offset + index * spec.limit;
    return { paginator: new LoopGuard(new OffsetPaginator({ ...spec, stride: count })), initial: { offset: start } };
  }
  if (spec.type === 'page_number') {
    const start = (from as { page: number }).page + index;
    return { paginator: new LoopGuard(new PageNumberPaginator({ ...spec, stride: count })), initial: { page: start } };
  }
  throw new ConfigError(`${spec.type} pages cannot be fetched in parallel windows`, 'paginator.type');
}
