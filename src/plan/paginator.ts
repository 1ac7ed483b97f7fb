/**
 * dlt paginator configs to PaginatorSpec, with dlt's defaults written out so the runtime never
 * guesses, and the inheritance chain endpoint -> resource_defaults -> client -> auto. Pure.
 */
import type { PaginatorConfig } from '../config/schema';
import type { PaginatorSpec, ResourcePlan } from './types';

type PaginatorObject = Exclude<PaginatorConfig, string>;
type Of<T extends PaginatorObject['type']> = Extract<PaginatorObject, { type: T }>;

/** dlt's total_path: unset = optional `total`, null = none, string = must be present. */
function totalPath(p: { total_path?: string | null }) {
  return { totalPath: p.total_path, totalPathExplicit: typeof p.total_path === 'string' };
}

/** Drops keys whose value is undefined, so plans compare and serialize cleanly. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function offset(p: Of<'offset'>): PaginatorSpec {
  return defined({
    type: 'offset' as const,
    limit: p.limit,
    offset: p.offset ?? 0,
    offsetParam: p.offset_param ?? 'offset',
    limitParam: p.limit_param ?? 'limit',
    ...totalPath(p),
    maximumOffset: p.maximum_offset,
    stopAfterEmptyPage: p.stop_after_empty_page ?? true,
    hasMorePath: p.has_more_path,
    offsetBodyPath: p.offset_body_path,
    limitBodyPath: p.limit_body_path,
  });
}

function pageNumber(p: Of<'page_number'>): PaginatorSpec {
  return defined({
    type: 'page_number' as const,
    basePage: p.base_page ?? 0,
    page: p.page,
    pageParam: p.page_param ?? 'page',
    ...totalPath(p),
    maximumPage: p.maximum_page,
    stopAfterEmptyPage: p.stop_after_empty_page ?? true,
    hasMorePath: p.has_more_path,
    pageBodyPath: p.page_body_path,
  });
}

function cursor(p: Of<'cursor'>): PaginatorSpec {
  return defined({
    type: 'cursor' as const,
    cursorPath: p.cursor_path ?? 'cursors.next',
    cursorParam: p.cursor_param ?? (p.cursor_body_path ? undefined : 'cursor'),
    cursorBodyPath: p.cursor_body_path,
    limit: p.limit,
    limitParam: p.limit_param ?? 'limit',
    stopAfterEmptyPage: p.stop_after_empty_page ?? false,
    hasMorePath: p.has_more_path,
  });
}

/** One dlt paginator config (object or name shorthand) as a PaginatorSpec. */
export function toPaginatorSpec(config: PaginatorConfig): PaginatorSpec {
  const p: PaginatorObject = typeof config === 'string' ? ({ type: config } as PaginatorObject) : config;
  switch (p.type) {
    case 'auto':
    case 'single_page':
      return { type: p.type };
    case 'json_link':
    case 'json_response':
      return defined({ type: 'json_link' as const, nextUrlPath: p.next_url_path });
    case 'header_link':
      return { type: 'header_link', linksNextKey: p.links_next_key ?? 'next' };
    case 'cursor':
      return cursor(p);
    case 'header_cursor':
      return { type: 'header_cursor', cursorKey: p.cursor_key ?? 'next', cursorParam: p.cursor_param ?? 'cursor' };
    case 'offset':
      return offset(p);
    case 'page_number':
      return pageNumber(p);
  }
}

/** The paginator a resource uses and where it came from. */
export function inheritPaginator(
  endpoint: PaginatorConfig | null | undefined,
  ownPaginator: boolean,
  client: PaginatorConfig | null | undefined,
): Pick<ResourcePlan, 'paginator' | 'paginatorSource'> {
  if (endpoint != null) return { paginator: toPaginatorSpec(endpoint), paginatorSource: ownPaginator ? 'endpoint' : 'resource_defaults' };
  if (client != null) return { paginator: toPaginatorSpec(client), paginatorSource: 'client' };
  return { paginator: { type: 'auto' }, paginatorSource: 'auto' };
}

/**
 * Requests a parallel window has out at once (its page positions are known in advance): on a
 * slow API this doubles what each window fetches a second, for at most one request past the
 * window's last page. Here because the workflow sizes windows by it too.
 */
export const WINDOW_IN_FLIGHT = 2;

/** Paginators whose page positions are known in advance, so windows can fetch them in parallel. */
export function canStride(spec: PaginatorSpec): spec is Extract<PaginatorSpec, { type: 'offset' | 'page_number' }> {
  return spec.type === 'offset' || spec.type === 'page_number';
}
