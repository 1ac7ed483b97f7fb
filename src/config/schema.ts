/**
 * The dlt `rest_api` source config as zod schemas, with dlt's snake_case keys. Objects are strict
 * like dlt's: an unknown key is an error that lists the allowed keys. Accepted beyond dlt:
 * a top-level `$schema` (editors), `client.timeout` (seconds),
 * `endpoint.error_handler` and `endpoint.headers` (the seeds' dialect), auth type `basic`
 * (alias of `http_basic`), api_key location `param` (dlt's alias of `query`). Column hints that
 * have no effect on Postgres are refused by name. Keys of dlt that rest-sync does not
 * implement yet (`client.session`, `incremental.convert`, merge strategy `cdc` and the write_disposition keys `deduplicated`, `source_filter`,
 * `destination_scope`, `skip_unchanged_rows`) are refused by name: no key is accepted and ignored;
 * disposition combinations dlt would ignore are refused by config/disposition.ts. `$param` references (from `dlt.config[...]`) are allowed where a config string is.
 */
import { z } from 'zod';
import { bounded, count, jsonPath, optPath, optStr, paramRefSchema, refused, seconds, secretRefSchema, secretText, strict, text } from './schema-parts';
import { dataBodySchema, jsonDataRule, processingStepsSchema, sessionTokenAuth, oauth2RefreshTokenAuth } from './schema-request';
import { CONTRACT_MODES, DLT_TYPES, hintProblem, type ColumnHintConfig } from './column-hints';

export { paramRefSchema, secretRefSchema } from './schema-parts';

/** Descriptions shared by several objects' keys. */
const D = {
  type: 'the paginator (or auth) kind',
  total_path: 'JSONPath to the total count in the response; null: there is none (stop on an empty page or the maximum)',
  stop_after_empty_page: 'stop at the first page with no records (default true)',
  has_more_path: 'JSONPath to a boolean in the response that says whether more pages follow',
  limit: 'records per page the API is asked for',
  limit_param: 'query param that carries the page size',
  secret: 'a string, {"$secret": "name"} (resolved by the worker) or {"$param": "name"}',
  rate_limit: 'requests per second the API may see from all workers together: a number, or {requests_per_second, burst}',
  max_concurrency: 'requests in flight at once across all workers',
  cursor_path: 'JSONPath to the cursor field in each record (incremental loading)',
  initial_value: 'cursor value the first sync starts from',
  end_value: 'cursor value the sync stops at (a backfill window)',
  convert: 'not supported: a Python function',
  headers: 'HTTP headers sent with each request; values may be secret references',
  paginator: 'how the next page is requested: a name (auto, single_page, json_link, header_link, cursor, page_number) or an object',
  endpoint: 'the endpoint: a path, or {path, params, paginator, data_selector, ...}',
};

/** Page sizes, offsets and counts a paginator sends. */
const pageSize = bounded(1, 1_000_000, 'a page size', { int: true });

const offsetPaginator = strict({
  type: z.literal('offset'),
  limit: pageSize,
  offset: count.optional(),
  offset_param: optStr,
  limit_param: optStr,
  total_path: jsonPath.nullable().optional(),
  maximum_offset: bounded(1, Number.MAX_SAFE_INTEGER, 'maximum_offset', { int: true }).optional(),
  stop_after_empty_page: z.boolean().optional(),
  has_more_path: optPath,
  offset_body_path: optPath,
  limit_body_path: optPath,
}, {
  type: D.type,
  limit: D.limit,
  offset: 'the first offset (default 0)',
  offset_param: 'query param that carries the offset (default offset)',
  limit_param: D.limit_param,
  total_path: D.total_path,
  maximum_offset: 'stop before this offset',
  stop_after_empty_page: D.stop_after_empty_page,
  has_more_path: D.has_more_path,
  offset_body_path: 'JSONPath in the request body (POST) that carries the offset',
  limit_body_path: 'JSONPath in the request body (POST) that carries the page size',
}).superRefine(requireStop('maximum_offset'));

const pageNumberPaginator = strict({
  type: z.literal('page_number'),
  base_page: count.optional(),
  page: count.optional(),
  page_param: optStr,
  total_path: jsonPath.nullable().optional(),
  maximum_page: bounded(1, Number.MAX_SAFE_INTEGER, 'maximum_page', { int: true }).optional(),
  stop_after_empty_page: z.boolean().optional(),
  has_more_path: optPath,
  page_body_path: optPath,
}, {
  type: D.type,
  base_page: 'the number of the first page (default 0)',
  page: 'the page to start from (default base_page)',
  page_param: 'query param that carries the page number (default page)',
  total_path: 'JSONPath to the total number of pages in the response; null: there is none',
  maximum_page: 'stop before this page',
  stop_after_empty_page: D.stop_after_empty_page,
  has_more_path: D.has_more_path,
  page_body_path: 'JSONPath in the request body (POST) that carries the page number',
})
  .superRefine(requireStop('maximum_page'))
  .superRefine((p, ctx) => {
    if (p.page !== undefined && p.page < (p.base_page ?? 0)) ctx.addIssue({ code: 'custom', path: ['page'], message: `must be at least base_page (${p.base_page ?? 0})` });
  });

/**
 * The one stop rule of offset and page-number paginators (the runtime's `nextInRange` stops on
 * each of these): an empty page, the total, the maximum or the has-more flag. dlt refuses a
 * paginator with none of them.
 */
function requireStop(maximumKey: string) {
  return (p: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if (p.total_path === null && p[maximumKey] === undefined && p.stop_after_empty_page === false && p.has_more_path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['total_path'], message: `no way to stop: set total_path, ${maximumKey}, has_more_path or stop_after_empty_page` });
    }
  };
}

const cursorPaginator = strict({
  type: z.literal('cursor'),
  cursor_path: optPath,
  cursor_param: optStr,
  cursor_body_path: optPath,
  limit: pageSize.optional(),
  limit_param: optStr,
  stop_after_empty_page: z.boolean().optional(),
  has_more_path: optPath,
}, {
  type: D.type,
  cursor_path: 'JSONPath to the next cursor in the response (default cursors.next)',
  cursor_param: 'query param that carries the cursor (default cursor)',
  cursor_body_path: 'JSONPath in the request body (POST) that carries the cursor',
  limit: D.limit,
  limit_param: D.limit_param,
  stop_after_empty_page: D.stop_after_empty_page,
  has_more_path: D.has_more_path,
}).refine((p) => p.cursor_param === undefined || p.cursor_body_path === undefined, { message: 'set cursor_param or cursor_body_path, not both', path: ['cursor_body_path'] });

const paginatorObject = z.discriminatedUnion('type', [
  strict({ type: z.literal('auto') }, { type: 'detect the paginator from the first response' }),
  strict({ type: z.literal('single_page') }, { type: 'one request, no pages' }),
  strict({ type: z.literal(['json_link', 'json_response']), next_url_path: optPath }, { type: D.type, next_url_path: 'JSONPath to the next page URL in the response' }),
  strict({ type: z.literal('header_link'), links_next_key: optStr }, { type: D.type, links_next_key: 'rel of the next link in the Link header (default next)' }),
  cursorPaginator,
  strict(
    { type: z.literal('header_cursor'), cursor_key: optStr, cursor_param: optStr },
    { type: D.type, cursor_key: 'response header that carries the next cursor (default next)', cursor_param: 'query param that carries the cursor (default cursor)' },
  ),
  offsetPaginator,
  pageNumberPaginator,
]);

/** Paginators usable by name alone (no required options); `offset` needs `limit`. */
export const PAGINATOR_SHORTHANDS = ['auto', 'single_page', 'json_link', 'json_response', 'header_link', 'header_cursor', 'cursor', 'page_number'] as const;
export const paginatorSchema = z.union([z.enum(PAGINATOR_SHORTHANDS), paginatorObject]);

/**
 * dlt's `auth: "api_key"` names only the type and reads the values from its secrets; rest-sync
 * takes them in the config, so the shorthand is refused naming the type and what to write.
 */
const authShorthand = z.string().superRefine((type, ctx) => {
  ctx.addIssue({
    code: 'custom',
    message: `auth "${type}" names only the auth type; write an object with its values, e.g. {"type": "api_key", "api_key": {"$secret": "API_KEY"}} (dlt reads them from its secrets)`,
  });
}).transform((): never => {
  throw new Error('unreachable: the shorthand never validates');
});

const authObject = z.discriminatedUnion('type', [
  strict({ type: z.literal('bearer').optional(), token: secretText }, { type: D.type, token: `the bearer token: ${D.secret}` }),
  strict({
    type: z.literal('api_key'),
    name: text.optional(),
    api_key: secretText,
    location: z.enum(['header', 'query', 'param', 'cookie']).optional(),
  }, {
    type: D.type,
    name: 'header, query param or cookie name (default Authorization)',
    api_key: `the key: ${D.secret}`,
    location: 'where the key goes (default header)',
  }),
  strict({ type: z.literal(['http_basic', 'basic']), username: secretText, password: secretText }, { type: D.type, username: `user name: ${D.secret}`, password: `password: ${D.secret}` }),
  strict({
    type: z.literal('oauth2_client_credentials'),
    access_token_url: text,
    client_id: secretText,
    client_secret: secretText,
    access_token_request_data: z.record(z.string(), z.json()).optional(),
    default_token_expiration: bounded(0, 31_536_000, 'a token lifetime (seconds)', { exclusiveMin: true }).optional(),
  }, {
    type: D.type,
    access_token_url: 'URL the access token is requested from',
    client_id: `client id: ${D.secret}`,
    client_secret: `client secret: ${D.secret}`,
    access_token_request_data: 'extra form fields of the token request',
    default_token_expiration: 'seconds a token lives when the answer does not say',
  }),
  oauth2RefreshTokenAuth,
  sessionTokenAuth,
]);
export const authSchema = z.union([authObject, authShorthand]);

const headersSchema = z.record(z.string(), secretText);

/** `rate_limit: 5` (requests per second) or `{ requests_per_second: 5, burst: 10 }`. */
const perSecond = bounded(0.01, 100_000, 'a rate (requests per second)');
const rateLimitSchema = z.union([
  perSecond,
  strict(
    { requests_per_second: perSecond, burst: bounded(1, 100_000, 'a burst', { int: true }).optional() },
    { requests_per_second: 'requests in any one second', burst: 'requests that may go at once after a quiet spell (default 1)' },
  ),
]);
const limitKeys = { rate_limit: rateLimitSchema.optional(), max_concurrency: bounded(1, 1024, 'max_concurrency', { int: true }).optional() };

export const clientSchema = strict({
  base_url: text,
  headers: headersSchema.optional(),
  auth: authSchema.nullish(),
  paginator: paginatorSchema.nullish(),
  timeout: seconds('a timeout (seconds)').optional(),
  /** bytes a decompressed response may have (a gzip bomb stops there) */
  max_response_bytes: bounded(1024, 2 ** 40, 'max_response_bytes', { int: true }).optional(),
  session: refused('a Python requests.Session cannot be given in a config; set headers, auth and timeout instead').optional(),
  ...limitKeys,
}, {
  base_url: 'the API root every endpoint path is relative to',
  headers: D.headers,
  auth: 'authentication: bearer, api_key, http_basic, oauth2_client_credentials, oauth2_refresh_token or session_token',
  paginator: `${D.paginator}; inherited by resources that set none`,
  timeout: 'seconds one page may take in all (default 60)',
  max_response_bytes: 'bytes a response may have once decompressed (default 256 MB)',
  session: 'not supported: a Python requests.Session',
  rate_limit: D.rate_limit,
  max_concurrency: D.max_concurrency,
});

const resolveParam = strict(
  { type: z.literal('resolve'), resource: z.string().min(1), field: z.string().min(1) },
  { type: 'a value taken from each record of a parent resource', resource: 'the parent resource', field: "the parent record's field" },
);
const incrementalDocs = {
  cursor_path: D.cursor_path,
  initial_value: D.initial_value,
  end_value: D.end_value,
  convert: D.convert,
  range_start: 'closed (default) keeps a record at the start value, open drops it',
  range_end: 'open (default) drops a record at the end value, closed keeps it',
  on_cursor_value_missing: 'a record without a cursor value: raise (default, fails the page), include or exclude',
  last_value_func: 'max (default): the largest cursor value is kept and records below the start dropped; min: the smallest, for APIs that go back in time',
  lag: 'seconds (ISO datetime cursors), days (date cursors) or units (numbers) the start value is moved back each run to re-read late records; disables boundary deduplication, as in dlt',
  primary_key: 'field or fields that identify a record at the boundary value (default: the resource primary_key, else the whole record); [] disables boundary deduplication',
  row_order: 'asc / desc: the API returns records ordered by the cursor, so paging stops at the first page past the end value (asc) or before the start value (desc)',
  allow_external_schedulers: 'false only: rest-sync has no external scheduler (Airflow) to take the range from',
  per_parent: 'child resources only (rest-sync extension, dlt#2429): keep a last value per parent record, by the parent fields the child uses, instead of one for the whole resource',
};
const incrementalFields = {
  cursor_path: jsonPath,
  initial_value: z.json().optional(),
  end_value: z.json().optional(),
  convert: refused('rest-sync compares cursor values as the API gives them; drop convert').optional(),
  /** dlt: `closed` (default) keeps a record at the start value, `open` drops it */
  range_start: z.enum(['open', 'closed']).optional(),
  /** dlt: `open` (default) drops a record at the end value, `closed` keeps it */
  range_end: z.enum(['open', 'closed']).optional(),
  /** dlt: a record without a cursor value (missing or null) fails the page (`raise`, default), is kept or dropped */
  on_cursor_value_missing: z.enum(['raise', 'include', 'exclude']).optional(),
  /** dlt: a callable, or the name `max` / `min`; a config file can only name one */
  last_value_func: z.enum(['max', 'min']).optional(),
  lag: z.number().nonnegative('lag must be 0 or more').optional(),
  primary_key: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  row_order: z.enum(['asc', 'desc']).optional(),
  allow_external_schedulers: z
    .boolean()
    .refine((v) => v === false, { message: 'allow_external_schedulers true is not supported: rest-sync has no external scheduler to take the range from; set initial_value / end_value' })
    .optional(),
  per_parent: z.boolean().optional(),
};
/** dlt's rule: a bounded range (a backfill) needs both ends. */
const backfillNeedsStart = <T extends { initial_value?: unknown; end_value?: unknown }>(i: T) => i.end_value == null || i.initial_value != null;
const backfillRule = { message: 'end_value needs initial_value (a backfill loads the range initial_value..end_value)', path: ['end_value'] };
const incrementalParam = strict({ type: z.literal('incremental'), ...incrementalFields }, { type: 'the incremental cursor, sent as this param', ...incrementalDocs }).refine(
  backfillNeedsStart,
  backfillRule,
);
const isBinding = (v: unknown) => typeof v === 'object' && v !== null && ['resolve', 'incremental'].includes((v as { type?: unknown }).type as string);
/** A query param: a plain JSON value, or dlt's `resolve` / `incremental` binding. */
const paramValue = z.union([
  z.discriminatedUnion('type', [resolveParam, incrementalParam]),
  z.json().refine((v) => !isBinding(v), { message: 'not a valid resolve/incremental binding', abort: true }),
]);

export const incrementalSchema = strict(
  { ...incrementalFields, start_param: optStr, end_param: optStr },
  { ...incrementalDocs, start_param: 'query param that carries the start value', end_param: 'query param that carries the end value' },
).refine(backfillNeedsStart, backfillRule);

const responseActionSchema = strict({
  status_code: z.union([z.number().int(), z.string().regex(/^\d{3}$/)]).optional(),
  content: optStr,
  action: z.enum(['ignore', 'retry']),
}, {
  status_code: 'the HTTP status the action applies to',
  content: 'text in the response body the action applies to',
  action: 'ignore the response (no records) or retry it',
}).refine((a) => a.status_code !== undefined || a.content !== undefined, 'set status_code, content or both');

const errorHandlerSchema = strict({
  retry_on_status_codes: z.array(z.number().int().min(100).max(599)).optional(),
  max_retries: bounded(0, 100, 'max_retries', { int: true }).optional(),
  backoff_factor: bounded(0, 100, 'backoff_factor', { exclusiveMin: true }).optional(),
  /** seconds before the first retry (accepted beyond the seeds' dialect; Temporal's initialInterval) */
  initial_interval: seconds('initial_interval').optional(),
}, {
  retry_on_status_codes: 'HTTP statuses that are retried',
  max_retries: 'retries after the first attempt',
  backoff_factor: 'each retry waits this many times longer than the one before',
  initial_interval: 'seconds before the first retry',
});

/**
 * dlt binds `resolve` params in the path only (a query param takes `{resources.<parent>.<field>}`):
 * one the path does not use is refused, as dlt refuses it. An endpoint object without a path is
 * not checked here. The plan still binds such a param as a query param: workflows started before
 * this rule replay their plan.
 */
function resolveParamsInPath(e: { path?: unknown; params?: Record<string, unknown> }, ctx: z.RefinementCtx): void {
  if (typeof e.path !== 'string') return;
  for (const [k, v] of Object.entries(e.params ?? {})) {
    if ((v as { type?: unknown } | null)?.type !== 'resolve' || e.path.includes(`{${k}}`)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['params', k],
      message: `the resolve param "${k}" is not used in the path ${JSON.stringify(e.path)}; bind it as {${k}} in the path, or write the query param as "{resources.<parent>.<field>}"`,
    });
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const endpointSchema = strict({
  path: text.optional(),
  method: z.enum([...METHODS, ...METHODS.map((m) => m.toLowerCase() as Lowercase<(typeof METHODS)[number]>)]).optional(),
  params: z.record(z.string(), paramValue).optional(),
  json: z.json().optional(),
  headers: headersSchema.optional(),
  paginator: paginatorSchema.nullish(),
  data_selector: z.union([jsonPath, z.array(z.string())]).nullish(),
  response_actions: z.array(responseActionSchema).optional(),
  incremental: incrementalSchema.optional(),
  error_handler: errorHandlerSchema.optional(),
  /** dlt's endpoint-level auth, in place of client.auth; `null` sends none */
  auth: authSchema.nullish(),
  data: dataBodySchema.optional(),
}, {
  path: 'path relative to base_url (or an absolute URL); {placeholders} are params or parent fields',
  method: 'HTTP method (default GET)',
  params: 'query params: values, or resolve / incremental bindings',
  json: 'the request body (POST), sent as JSON',
  headers: D.headers,
  paginator: D.paginator,
  data_selector: 'where the records are in the response: a JSONPath, a key list, or [] for the whole body',
  response_actions: 'responses to ignore or retry, by status or content',
  incremental: 'load only records past the last cursor value',
  error_handler: 'retries of this endpoint: statuses, attempts, backoff',
  auth: 'auth of this endpoint in place of client.auth; null sends none',
  data: 'the request body as a form (an object: application/x-www-form-urlencoded) or a raw string; not with json',
}).superRefine(resolveParamsInPath).superRefine(jsonDataRule);

const columnNames = z.union([z.string().min(1), z.array(z.string().min(1))]);
/** dlt column hints that have no effect on a Postgres table (or are dlt's own bookkeeping): refused by name. */
const refusedHint = (why: string) => refused(why).optional();
const columnHintShape = {
  data_type: z.enum(DLT_TYPES).optional(),
  precision: z.number().int().positive().optional(),
  scale: count.optional(),
  timezone: z.boolean().optional(),
  nullable: z.boolean().optional(),
  unique: z.boolean().optional(),
  primary_key: z.boolean().optional(),
  merge_key: z.boolean().optional(),
  partition: refusedHint('dlt ignores partition on Postgres; drop it'),
  cluster: refusedHint('dlt ignores cluster on Postgres; drop it'),
  sort: refusedHint('dlt ignores sort on Postgres; drop it'),
  dedup_sort: z.enum(['asc', 'desc']).optional(),
  hard_delete: z.boolean().optional(),
  row_key: refusedHint("dlt's normalizer sets row_key itself"),
  parent_key: refusedHint("dlt's normalizer sets parent_key itself"),
  root_key: refusedHint("dlt's normalizer sets root_key itself"),
  variant: refusedHint('variant columns are made by the loader, not hinted'),
  incremental: refusedHint('set endpoint.incremental instead'),
  description: refusedHint('column comments hold rest-sync\'s record keys; drop description'),
};
const columnHintDocs: { [K in keyof typeof columnHintShape]: string } = {
  data_type: "dlt's data type of the column: text, double, bool, timestamp, date, time, bigint, binary, json (complex), decimal, wei",
  precision: 'text: varchar length; bigint: bits (16 smallint, 32 integer, 64 bigint); decimal/wei: digits; timestamp/time: digits of a second (0-6)',
  scale: 'decimal/wei: digits after the point (default 9 for decimal, 78 for wei)',
  timezone: 'timestamp: false stores the UTC wall clock in a timestamp without time zone',
  nullable: 'false: NOT NULL; a record with a null (or no) value fails its page',
  unique: 'true: a UNIQUE constraint on the column',
  primary_key: "true: the column is part of the resource's primary key",
  merge_key: "true: the column is part of the resource's merge key",
  partition: 'not supported: no effect on Postgres',
  cluster: 'not supported: no effect on Postgres',
  sort: 'not supported: no effect on Postgres',
  dedup_sort: 'merge delete-insert: of the records of one primary key in a load, the lowest (asc) or highest (desc) of this column wins',
  hard_delete: 'merge: a record with this column set (true, or any value in a non-boolean column) deletes its key',
  row_key: "not supported: dlt's own",
  parent_key: "not supported: dlt's own",
  root_key: "not supported: dlt's own",
  variant: "not supported: dlt's own",
  incremental: 'not supported: use endpoint.incremental',
  description: 'not supported',
};
/** dlt refuses nothing here, but a precision, scale or timezone Postgres would ignore is refused by name. */
const checkHint = (h: ColumnHintConfig, ctx: z.RefinementCtx) => {
  const problem = hintProblem(h);
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.key], message: `${problem.message}, got ${JSON.stringify(h[problem.key])}` });
};
const columnHint = strict(columnHintShape, columnHintDocs).superRefine(checkHint);
const namedColumnHint = strict({ ...columnHintShape, name: z.string().min(1) }, { ...columnHintDocs, name: 'the column' }).superRefine(checkHint);
const columnsSchema = z.union([z.record(z.string(), columnHint), z.array(namedColumnHint)]);
const contractMode = z.enum(CONTRACT_MODES);
const schemaContractSchema = z.union([
  contractMode,
  strict(
    { tables: contractMode.optional(), columns: contractMode.optional(), data_type: contractMode.optional() },
    {
      tables: 'a new table: evolve, freeze (fail the page), discard_row or discard_value (drop its records)',
      columns: 'a new column: evolve, freeze (fail the page), discard_row (drop the record) or discard_value (drop the value)',
      data_type: 'a value that does not fit its column (a variant column): evolve, freeze, discard_row or discard_value',
    },
  ),
]);
const writeDisposition = z.enum(['append', 'replace', 'merge', 'skip']);

/** A timestamp dlt's `ensure_pendulum_datetime_utc` takes: an ISO 8601 string or unix seconds. */
const timestamp = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  if (Number.isNaN(new Date(typeof v === 'number' ? v * 1000 : v).getTime())) {
    ctx.addIssue({ code: 'custom', message: `could not parse ${JSON.stringify(v)} as a timestamp (ISO 8601 or unix seconds)` });
  }
});

/** dlt's write_disposition dict: the merge strategies and their options (scd2's by dlt's names). */
const writeDispositionDict = strict(
  {
    disposition: writeDisposition,
    strategy: z.enum(['delete-insert', 'upsert', 'insert-only', 'scd2', 'cdc']).superRefine((v, ctx) => {
      if (v === 'cdc') ctx.addIssue({ code: 'custom', message: 'not supported: strategy "cdc" (an upsert that deletes absent records); use upsert, or scd2' });
    }).optional(),
    validity_column_names: z.tuple([z.string().min(1), z.string().min(1)]).optional(),
    active_record_timestamp: timestamp.nullable().optional(),
    boundary_timestamp: timestamp.nullable().optional(),
    row_version_column_name: z.string().min(1).optional(),
    deduplicated: refused('rest-sync always collapses one load\'s records by primary key (dedup_sort chooses which)').optional(),
    source_filter: refused('load only the records to merge (processing is not supported), or use a plain merge').optional(),
    destination_scope: refused('merge with a merge_key to limit what a load replaces or retires').optional(),
    skip_unchanged_rows: refused('upsert updates every matched row').optional(),
  },
  {
    disposition: 'skip, append, replace or merge',
    strategy: 'how merge writes: delete-insert (default), upsert, insert-only or scd2',
    validity_column_names: 'scd2: the [valid from, valid to] columns (default ["_dlt_valid_from", "_dlt_valid_to"])',
    active_record_timestamp: 'scd2: the valid-to value of active records (default null)',
    boundary_timestamp: "scd2: the valid-from of new and valid-to of retired records (default: the load's time)",
    row_version_column_name: "scd2: a column of the records that versions them, in place of dlt's row hash in _dlt_id",
    deduplicated: 'not supported: records are always deduplicated by primary key',
    source_filter: 'not supported: an SQL filter on the loaded records',
    destination_scope: 'not supported: an SQL filter on the rows a merge may replace',
    skip_unchanged_rows: 'not supported: upsert updates every matched row',
  },
);


/**
 * A nested table's column hints: its rows are keyed by dlt's `_dlt_id` and load with their root
 * row, so the hints that make keys or steer a merge are refused by name there.
 */
const nestedOnly = 'a nested table loads with its root row (its key is _dlt_id); hint the resource\'s columns instead';
const nestedColumnHintShape = { ...columnHintShape, primary_key: refusedHint(nestedOnly), merge_key: refusedHint(nestedOnly), dedup_sort: refusedHint(nestedOnly), hard_delete: refusedHint(nestedOnly) };
const nestedColumnHintDocs = { ...columnHintDocs, primary_key: 'not supported in a nested table', merge_key: 'not supported in a nested table', dedup_sort: 'not supported in a nested table', hard_delete: 'not supported in a nested table' };
const nestedColumnsSchema = z.union([
  z.record(z.string(), strict(nestedColumnHintShape, nestedColumnHintDocs).superRefine((h, ctx) => checkHint(h as ColumnHintConfig, ctx))),
  z.array(strict({ ...nestedColumnHintShape, name: z.string().min(1) }, { ...nestedColumnHintDocs, name: 'the column' }).superRefine((h, ctx) => checkHint(h as ColumnHintConfig, ctx))),
]);
/** dlt keys refused by name, from one table of [why refused, description]: their schema entries and docs. */
function refusedKeys<K extends string>(keys: Record<K, [string, string]>) {
  const entries = Object.entries(keys) as [K, [string, string]][];
  return {
    shape: Object.fromEntries(entries.map(([k, [why]]) => [k, refused(why).optional()])) as Record<K, ReturnType<ReturnType<typeof refused>['optional']>>,
    docs: Object.fromEntries(entries.map(([k, [, doc]]) => [k, doc])) as Record<K, string>,
  };
}
const nestedRefused = refusedKeys({
  write_disposition: ["a nested table loads with its resource's write_disposition", 'not supported: nested tables load with their resource'],
  primary_key: ['a nested table is keyed by _dlt_id and loads with its root row; a key would make it a table of its own, which rest-sync does not do', 'not supported in a nested table'],
  merge_key: ["a nested table loads with its root row; merge by the resource's keys", 'not supported in a nested table'],
  parent_table_name: ['a nested table hangs off the table the normalizer gives it', 'not supported'],
  table_format: ['Postgres has no table formats', 'not supported: no effect on Postgres'],
  file_format: ['rest-sync loads with SQL, through no files', 'not supported: no load files'],
  references: ['rest-sync declares no table references', 'not supported'],
});
/** dlt's `nested_hints` of one nested table (its TResourceNestedHints): the keys rest-sync implements, the others refused by name. */
const nestedHintSchema = strict(
  { columns: nestedColumnsSchema.optional(), schema_contract: schemaContractSchema.optional(), ...nestedRefused.shape },
  {
    columns: "column hints of the nested table (as the resource's columns; no key or merge hints)",
    schema_contract: "the nested table's own schema contract, in place of the resource's (dlt's inheritance: the nearest table up the tree that sets one)",
    ...nestedRefused.docs,
  },
);

/** Keys a resource and `resource_defaults` share (dlt's EndpointResourceBase). */
const resourceBase = {
  include_from_parent: z.array(z.string().min(1)).optional(),
  table_name: z.string().min(1).optional(),
  max_table_nesting: count.optional(),
  write_disposition: z.union([writeDisposition, writeDispositionDict]).optional(),
  columns: columnsSchema.optional(),
  schema_contract: schemaContractSchema.optional(),
  nested_hints: z.record(z.string().min(1), nestedHintSchema).optional(),
  primary_key: columnNames.optional(),
  merge_key: columnNames.optional(),
  selected: z.boolean().optional(),
  parallelized: z.boolean().optional(),
  processing_steps: processingStepsSchema.optional(),
  ...limitKeys,
};

const resourceBaseDocs: { [K in keyof typeof resourceBase]: string } = {
  include_from_parent: "parent record fields copied into each record (as _<parent>_<field>)",
  table_name: 'the table the records land in (default: the resource name)',
  max_table_nesting: "levels of nested objects flattened into parent__child columns and lists into child tables; deeper values stay jsonb; 0: all nested values as jsonb columns (default: dlt's 1000)",
  write_disposition: 'append, replace (swapped in when the sync finishes), merge (by primary_key / merge_key, see strategy) or skip (fetched, not loaded); append by default; or {disposition, strategy, ...}',
  columns: 'column hints: {name: {data_type, precision, scale, timezone, nullable, unique, primary_key, merge_key, dedup_sort, hard_delete}} or a list with name',
  schema_contract: "dlt's schema contract: evolve, freeze, discard_row or discard_value, for all or per tables / columns / data_type",
  nested_hints: "dlt's hints of nested tables, by their path below the resource's table (`tags`, `orders__items`): columns and schema_contract",
  primary_key: 'column or columns that identify a record (merge replaces and deduplicates by it)',
  merge_key: "merge (delete-insert, scd2): column or columns whose values in a load replace (retire) the earlier loads' rows with them",
  selected: 'false: fetched only for the resources that depend on it, not loaded',
  parallelized: "a child resource's parent records are walked in parallel lanes",
  processing_steps: 'filter / map steps applied in order to each record: [{"filter": "<JSONata>"}, {"map": "<JSONata>"}]',
  rate_limit: D.rate_limit,
  max_concurrency: D.max_concurrency,
};

export const resourceDefaultsSchema = strict({ ...resourceBase, endpoint: endpointSchema.optional() }, { ...resourceBaseDocs, endpoint: 'endpoint keys every resource inherits' });
export const resourceObjectSchema = strict(
  {
    name: z.string().min(1),
    ...resourceBase,
    endpoint: z.union([z.string(), endpointSchema]).optional(),
  },
  { name: 'the resource name (the table name unless table_name is set)', ...resourceBaseDocs, endpoint: D.endpoint },
);

export const sourceConfigSchema = strict(
  {
    $schema: z.string().optional(),
    client: clientSchema,
    resource_defaults: resourceDefaultsSchema.optional(),
    resources: z.array(z.union([z.string().min(1), resourceObjectSchema])).min(1),
  },
  {
    $schema: 'the JSON Schema of this file, for editors (`rest-sync schema`)',
    client: 'how to reach the API: base_url, auth, headers, paginator, limits',
    resource_defaults: 'keys every resource inherits unless it sets them',
    resources: 'the resources to load: names or objects, parents before or after their children',
  },
);

export type SourceConfig = z.infer<typeof sourceConfigSchema>;
export type ClientConfig = z.infer<typeof clientSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type PaginatorConfig = z.infer<typeof paginatorSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type ResourceConfig = z.infer<typeof resourceObjectSchema>;
export type ResourceDefaultsConfig = z.infer<typeof resourceDefaultsSchema>;
export type IncrementalConfig = z.infer<typeof incrementalSchema>;
export type ColumnsConfig = z.infer<typeof columnsSchema>;
export type ParamRef = z.infer<typeof paramRefSchema>;
export type SecretRefConfig = z.infer<typeof secretRefSchema>;

/** Every key of the config with its description, by JSON path (`client.auth.token`), for docs and help. */
export function configKeyDocs(): [string, string][] {
  const out = new Map<string, string>();
  const walk = (node: unknown, at: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    for (const [k, v] of Object.entries((n.properties as Record<string, { description?: string }>) ?? {})) {
      const path = at ? `${at}.${k}` : k;
      if (v.description && !out.has(path)) out.set(path, v.description);
      walk(v, path);
    }
    for (const key of ['anyOf', 'oneOf', 'allOf']) for (const alt of (n[key] as unknown[]) ?? []) walk(alt, at);
    if (n.items) walk(n.items, `${at}[]`);
    if (n.additionalProperties && typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${at}.*`);
  };
  walk(sourceJsonSchema(), '');
  return [...out];
}

/** JSON Schema of the config for editors (`$schema` in a JSON config file). */
export function sourceJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(sourceConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
