import { DataError } from '../../errors';
import { getPath } from '../json-path';
import { applyRequestOption, queryOrBody } from './request-option';
import type { PageResponse, RangePaginator, RequestSpec } from './types';

export type OffsetToken = { offset: number };

/** Stop rules shared by the offset and page-number paginators. */
export interface RangeRules {
  /** undefined: look at `total`, may be missing; null: no total; string: see totalPathExplicit */
  totalPath?: string | null;
  /** the path was configured, so a response without it is an error */
  totalPathExplicit: boolean;
  hasMorePath?: string;
  stopAfterEmptyPage: boolean;
}

/**
 * The value after `current`, or null when `page` was the last one. Stops on an empty page (when
 * `stopAfterEmptyPage`), when `next >= total + base`, when `next >= maximum`, or when the
 * has-more flag is false. A short page does not stop: many APIs cap the page size below the
 * limit asked for.
 */
export function nextInRange(
  page: PageResponse,
  current: number,
  step: number,
  base: number,
  maximum: number | undefined,
  rules: RangeRules,
  kind: string,
): number | null {
  if (rules.stopAfterEmptyPage && page.records.length === 0) return null;
  const total = readTotal(page.body, rules, kind);
  const next = current + step;
  if (total !== null && next >= total + base) return null;
  if (maximum !== undefined && next >= maximum) return null;
  if (rules.hasMorePath !== undefined) return readHasMore(page.body, rules.hasMorePath, kind) ? next : null;
  if (total === null && maximum === undefined && !rules.stopAfterEmptyPage) {
    throw new DataError(`${kind} paginator: no stop condition: total "${rules.totalPath ?? 'total'}" not found in response`);
  }
  return next;
}

function readTotal(body: unknown, rules: RangeRules, kind: string): number | null {
  if (rules.totalPath === null) return null;
  const path = rules.totalPath ?? 'total';
  const value = getPath(body, path);
  if (value === undefined || value === null) {
    if (rules.totalPathExplicit) throw new DataError(`${kind} paginator: total_path "${path}" not found in response`);
    return null;
  }
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n)) return n;
  if (rules.totalPathExplicit) {
    throw new DataError(`${kind} paginator: total_path "${path}" holds ${JSON.stringify(value)}, not an integer`);
  }
  return null;
}

/** The has-more flag at `path` (a boolean, or a string `true`/`false` as dlt's str2bool reads it); missing or other values are errors. */
export function readHasMore(body: unknown, path: string, kind: string): boolean {
  const value = getPath(body, path);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  if (value === undefined || value === null) {
    throw new DataError(`${kind} paginator: has_more_path "${path}" not found in response`);
  }
  throw new DataError(`${kind} paginator: has_more_path "${path}" holds ${JSON.stringify(value)}, not a boolean`);
}

export interface OffsetOptions extends RangeRules {
  limit: number;
  offset: number;
  offsetParam: string;
  limitParam: string;
  maximumOffset?: number;
  offsetBodyPath?: string;
  limitBodyPath?: string;
}

/**
 * The client says where to start (`offset`) and how many to return (`limit`); every request
 * carries both. The next offset is `offset + <records received>`: APIs cap page sizes below the
 * limit asked for, and stepping by `limit` (as dlt does) would skip the records between. The
 * offset lives in the token.
 *
 * Handles e.g. `GET /items?offset=200&limit=100` → `{ "items": [...], "total": 1000 }`
 * (stops once the next offset reaches the total, or at an empty page when there is no total).
 */
export class OffsetPaginator implements RangePaginator<OffsetToken> {
  constructor(readonly opts: OffsetOptions) {}

  /** a full page: `limit` records */
  get fullStep(): number {
    return this.opts.limit;
  }

  shift(token: OffsetToken, by: number): OffsetToken {
    return { offset: token.offset + by };
  }

  initialToken(): OffsetToken {
    return { offset: this.opts.offset };
  }

  applyToken(request: RequestSpec, token: OffsetToken): RequestSpec {
    if (typeof token.offset !== 'number') throw new DataError(`offset token has no offset: ${JSON.stringify(token)}`);
    const o = this.opts;
    const withOffset = applyRequestOption(request, queryOrBody(o.offsetParam, o.offsetBodyPath), token.offset);
    return applyRequestOption(withOffset, queryOrBody(o.limitParam, o.limitBodyPath), o.limit);
  }

  nextToken(page: PageResponse, token: OffsetToken): OffsetToken | null {
    return this.nextBy(page, token, page.records.length > 0 ? page.records.length : this.opts.limit);
  }

  nextBy(page: PageResponse, token: OffsetToken, step: number): OffsetToken | null {
    const next = nextInRange(page, token.offset, step, 0, this.opts.maximumOffset, this.opts, 'offset');
    return next === null ? null : { offset: next };
  }
}
