/**
 * Resource hints that are straight mappings: write disposition, keys, retry, response actions,
 * incremental and column types (dlt data types to Postgres). Pure.
 */
import type { ColumnsConfig, EndpointConfig, ResourceConfig } from '../config/schema';
import { flaggedColumns, hintEntries, pgTypeOf } from '../config/column-hints';
import type { IncrementalParam } from './parents';
import { columnHints, strategyOf, timestampIso as isoOf } from '../config/disposition';
import type { IncrementalSpec, Json, MergeSpec, MergeStrategy, ResponseAction, RetrySpec, WriteDisposition } from './types';

/** Retry when the config says nothing: 3 attempts, doubling from one second. */
export const DEFAULT_RETRY: RetrySpec = { maximumAttempts: 3, backoffCoefficient: 2, initialIntervalMs: 1000 };

/**
 * `error_handler` (seed dialect): max_retries counts retries, Temporal counts attempts;
 * `initial_interval` (seconds) is the delay before the first retry.
 */
export function retryOf(handler: EndpointConfig['error_handler']): RetrySpec {
  if (!handler) return { ...DEFAULT_RETRY };
  return {
    ...DEFAULT_RETRY,
    ...(handler.max_retries !== undefined ? { maximumAttempts: handler.max_retries + 1 } : {}),
    // Temporal refuses a coefficient below 1 (the workflow task would fail on every attempt)
    ...(handler.backoff_factor !== undefined ? { backoffCoefficient: Math.max(1, handler.backoff_factor) } : {}),
    ...(handler.initial_interval !== undefined ? { initialIntervalMs: Math.max(1, Math.round(handler.initial_interval * 1000)) } : {}),
    ...(handler.retry_on_status_codes ? { retryOnStatusCodes: [...handler.retry_on_status_codes] } : {}),
  };
}

/** `"merge"` or `{disposition: "merge", strategy}`; dlt's default is append. */
export function writeDispositionOf(wd: ResourceConfig['write_disposition']): WriteDisposition {
  if (wd === undefined) return 'append';
  return typeof wd === 'string' ? wd : wd.disposition;
}

/**
 * A merge resource's strategy and options as dlt's hints make them: the write_disposition dict,
 * scd2's validity columns (dlt's `_dlt_valid_from` / `_dlt_valid_to` by default) and row version
 * column (`_dlt_id`, dlt's row hash), the `dedup_sort` and `hard_delete` column hints.
 */
export function mergeOf(config: Pick<ResourceConfig, 'write_disposition' | 'columns'>): MergeSpec | undefined {
  const strategy = strategyOf(config.write_disposition) as MergeStrategy | undefined;
  if (strategy === undefined) return undefined;
  const spec: MergeSpec = { strategy };
  const hints = columnHints(config.columns);
  const sorted = hints.find(([, h]) => h.dedup_sort !== undefined);
  if (sorted) spec.dedupSort = { column: sorted[0], order: sorted[1].dedup_sort as 'asc' | 'desc' };
  const deleting = hints.find(([, h]) => h.hard_delete === true);
  if (deleting) spec.hardDelete = deleting[0];
  if (strategy === 'scd2') {
    const wd: Partial<Exclude<NonNullable<ResourceConfig['write_disposition']>, string>> = typeof config.write_disposition === 'object' ? config.write_disposition : {};
    const [validFrom, validTo] = wd.validity_column_names ?? ['_dlt_valid_from', '_dlt_valid_to'];
    spec.scd2 = { validFrom, validTo, activeRecordTimestamp: isoOf(wd.active_record_timestamp ?? null), rowVersion: wd.row_version_column_name ?? '_dlt_id' };
    const boundary = isoOf(wd.boundary_timestamp ?? null);
    if (boundary !== null) spec.scd2.boundaryTimestamp = boundary;
  }
  return spec;
}

/** `"id"` or `["a", "b"]` as a list. */
export function columnList(names: string | string[] | undefined): string[] {
  if (names === undefined) return [];
  return typeof names === 'string' ? [names] : [...names];
}

export function responseActionsOf(actions: EndpointConfig['response_actions']): ResponseAction[] {
  return (actions ?? []).map((a) => ({
    ...(a.status_code !== undefined ? { statusCode: Number(a.status_code) } : {}),
    ...(a.content !== undefined ? { content: a.content } : {}),
    action: a.action,
  }));
}

/** endpoint.incremental, or dlt's incremental param binding (its param is the start param). */
export function incrementalOf(config: EndpointConfig['incremental'], param: IncrementalParam | undefined): IncrementalSpec | undefined {
  const source = config ?? param;
  if (!source) return undefined;
  const spec: IncrementalSpec = {
    cursorPath: source.cursor_path,
    initialValue: source.initial_value as Json | undefined,
    endValue: source.end_value as Json | undefined,
    startParam: config ? config.start_param : param?.param,
    endParam: config?.end_param,
    rangeStart: source.range_start,
    rangeEnd: source.range_end,
    onCursorValueMissing: source.on_cursor_value_missing,
    lastValueFunc: source.last_value_func,
    lag: source.lag || undefined,
    primaryKey: Array.isArray(source.primary_key) ? [...source.primary_key] : source.primary_key,
    rowOrder: source.row_order,
    perParent: source.per_parent || undefined,
  };
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as IncrementalSpec;
}

/** `columns` hints (dict or list form) as column name -> Postgres type (dlt's mapper); untyped hints are skipped. */
export function columnsOf(columns: ColumnsConfig | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, hint] of hintEntries(columns)) {
    const type = pgTypeOf(hint);
    if (type) out[name] = type;
  }
  return out;
}

/** The resource's key plus the columns a hint marks (`primary_key: true`), as dlt adds them. */
export function keyWithHints(key: string | string[] | undefined, columns: ColumnsConfig | undefined, flag: 'primary_key' | 'merge_key'): string[] {
  const out = columnList(key);
  for (const c of flaggedColumns(columns, flag)) if (!out.includes(c)) out.push(c);
  return out;
}
