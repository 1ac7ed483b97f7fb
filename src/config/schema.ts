/**
 * The dlt `rest_api` source config as zod schemas, with dlt's snake_case keys. Objects are strict
 * like dlt's: an unknown key is an error that lists the allowed keys. Accepted beyond dlt:
 * a top-level `$schema` (editors), `client.timeout` (seconds),
 * `endpoint.error_handler` and `endpoint.headers` (the seeds' dialect), auth type `basic`
 * (alias of `http_basic`), api_key location `param` (dlt's alias of `query`), loose column hints
 * (dlt has many, plus `x-` extensions). Keys of dlt that rest-sync does not
 * implement yet (`processing_steps`, `client.session`, `incremental.convert`, `max_table_nesting`
 * other than 0) are refused by name: no key is accepted and ignored. `$param` references (from `dlt.config[...]`) are allowed where a config string is.
 */
import { z } from 'zod';
import { jsonPathProblem, quoteBrief } from './json-path-syntax';

/** A strict object whose unknown-key error names every allowed key. */
function strict<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `allowed keys: ${allowed}` : undefined),
  });
}

export const secretRefSchema = strict({ $secret: z.string().min(1) });
export const paramRefSchema = strict({ $param: z.string().min(1) });
/** A plain config string, or a `$param` filled in from `--param` when planning. */
const text = z.union([z.string(), paramRefSchema]);
/** A value that may be a secret reference (auth values, headers). */
const secretText = z.union([z.string(), secretRefSchema, paramRefSchema]);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const optStr = z.string().min(1).optional();

/**
 * A number within bounds that `run` can honour: anything outside would hang a sync (a rate of
 * 1e-9 per second) or be refused by Temporal at run time (1e12 attempts), so `validate` refuses it.
 */
function bounded(min: number, max: number, what: string, opts: { int?: boolean; exclusiveMin?: boolean } = {}) {
  const base = opts.int ? z.number().int() : z.number();
  const low = opts.exclusiveMin ? base.gt(min, `${what} must be above ${min}`) : base.min(min, `${what} must be at least ${min}`);
  return low.max(max, `${what} must be at most ${max}`);
}
/** A positive number of seconds, at most an hour: timeouts and retry intervals. */
const seconds = (what: string) => bounded(0, 3600, what, { exclusiveMin: true });
/** A dlt key rest-sync does not implement: refused by name, with what to do instead. */
const refused = (why: string) =>
  z.unknown().superRefine((v, ctx) => {
    if (v !== undefined) ctx.addIssue({ code: 'custom', message: `not supported: ${why}` });
  });

/** A JSONPath into a response or request body, its syntax checked when the config is validated. */
const jsonPath = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    const problem = jsonPathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: `not a JSONPath: ${problem} in ${quoteBrief(path)}` });
  });
const optPath = jsonPath.optional();

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
}).refine((p) => p.cursor_param === undefined || p.cursor_body_path === undefined, { message: 'set cursor_param or cursor_body_path, not both', path: ['cursor_body_path'] });

const paginatorObject = z.discriminatedUnion('type', [
  strict({ type: z.literal('auto') }),
  strict({ type: z.literal('single_page') }),
  strict({ type: z.literal(['json_link', 'json_response']), next_url_path: optPath }),
  strict({ type: z.literal('header_link'), links_next_key: optStr }),
  cursorPaginator,
  offsetPaginator,
  pageNumberPaginator,
]);

/** Paginators usable by name alone (no required options); `offset` needs `limit`. */
export const PAGINATOR_SHORTHANDS = ['auto', 'single_page', 'json_link', 'json_response', 'header_link', 'cursor', 'page_number'] as const;
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
  strict({ type: z.literal('bearer').optional(), token: secretText }),
  strict({
    type: z.literal('api_key'),
    name: text.optional(),
    api_key: secretText,
    location: z.enum(['header', 'query', 'param', 'cookie']).optional(),
  }),
  strict({ type: z.literal(['http_basic', 'basic']), username: secretText, password: secretText }),
  strict({
    type: z.literal('oauth2_client_credentials'),
    access_token_url: text,
    client_id: secretText,
    client_secret: secretText,
    access_token_request_data: z.record(z.string(), z.json()).optional(),
    default_token_expiration: bounded(0, 31_536_000, 'a token lifetime (seconds)', { exclusiveMin: true }).optional(),
  }),
]);
export const authSchema = z.union([authObject, authShorthand]);

const headersSchema = z.record(z.string(), secretText);

/** `rate_limit: 5` (requests per second) or `{ requests_per_second: 5, burst: 10 }`. */
const perSecond = bounded(0.01, 100_000, 'a rate (requests per second)');
const rateLimitSchema = z.union([perSecond, strict({ requests_per_second: perSecond, burst: bounded(1, 100_000, 'a burst', { int: true }).optional() })]);
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
});

const resolveParam = strict({ type: z.literal('resolve'), resource: z.string().min(1), field: z.string().min(1) });
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
  last_value_func: refused('rest-sync keeps the largest cursor value (dlt\'s default max); drop last_value_func').optional(),
  lag: refused('rest-sync does not re-read a lag window yet; drop lag or lower initial_value').optional(),
};
/** dlt's rule: a bounded range (a backfill) needs both ends. */
const backfillNeedsStart = <T extends { initial_value?: unknown; end_value?: unknown }>(i: T) => i.end_value == null || i.initial_value != null;
const backfillRule = { message: 'end_value needs initial_value (a backfill loads the range initial_value..end_value)', path: ['end_value'] };
const incrementalParam = strict({ type: z.literal('incremental'), ...incrementalFields }).refine(backfillNeedsStart, backfillRule);
const isBinding = (v: unknown) => typeof v === 'object' && v !== null && ['resolve', 'incremental'].includes((v as { type?: unknown }).type as string);
/** A query param: a plain JSON value, or dlt's `resolve` / `incremental` binding. */
const paramValue = z.union([
  z.discriminatedUnion('type', [resolveParam, incrementalParam]),
  z.json().refine((v) => !isBinding(v), { message: 'not a valid resolve/incremental binding', abort: true }),
]);

export const incrementalSchema = strict({ ...incrementalFields, start_param: optStr, end_param: optStr }).refine(backfillNeedsStart, backfillRule);

const responseActionSchema = strict({
  status_code: z.union([z.number().int(), z.string().regex(/^\d{3}$/)]).optional(),
  content: optStr,
  action: z.enum(['ignore', 'retry']),
}).refine((a) => a.status_code !== undefined || a.content !== undefined, 'set status_code, content or both');

const errorHandlerSchema = strict({
  retry_on_status_codes: z.array(z.number().int().min(100).max(599)).optional(),
  max_retries: bounded(0, 100, 'max_retries', { int: true }).optional(),
  backoff_factor: bounded(0, 100, 'backoff_factor', { exclusiveMin: true }).optional(),
  /** seconds before the first retry (accepted beyond the seeds' dialect; Temporal's initialInterval) */
  initial_interval: seconds('initial_interval').optional(),
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
}).superRefine(resolveParamsInPath);

const columnNames = z.union([z.string().min(1), z.array(z.string().min(1))]);
const DATA_TYPES = ['text', 'double', 'bool', 'timestamp', 'bigint', 'binary', 'json', 'complex', 'decimal', 'wei', 'date', 'time'] as const;
const columnHint = z.looseObject({
  data_type: z.enum(DATA_TYPES).optional(),
  precision: z.number().int().positive().optional(),
  scale: count.optional(),
  timezone: z.boolean().optional(),
});
const columnsSchema = z.union([z.record(z.string(), columnHint), z.array(columnHint.extend({ name: z.string().min(1) }))]);
const writeDisposition = z.enum(['append', 'replace', 'merge']);

/** Keys a resource and `resource_defaults` share (dlt's EndpointResourceBase). */
const resourceBase = {
  include_from_parent: z.array(z.string().min(1)).optional(),
  table_name: z.string().min(1).optional(),
  max_table_nesting: count
    .superRefine((n, ctx) => {
      if (n !== 0) ctx.addIssue({ code: 'custom', message: `only 0 is supported (got ${n}): nested objects and lists are stored as jsonb columns` });
    })
    .optional(),
  write_disposition: z
    .union([writeDisposition, strict({ disposition: writeDisposition, strategy: z.enum(['delete-insert', 'upsert']).optional() })])
    .optional(),
  columns: columnsSchema.optional(),
  primary_key: columnNames.optional(),
  merge_key: columnNames.optional(),
  selected: z.boolean().optional(),
  parallelized: z.boolean().optional(),
  processing_steps: refused('filter or map records downstream (SQL on the loaded table) for now').optional(),
  ...limitKeys,
};

export const resourceDefaultsSchema = strict({ ...resourceBase, endpoint: endpointSchema.optional() });
export const resourceObjectSchema = strict({
  name: z.string().min(1),
  ...resourceBase,
  endpoint: z.union([z.string(), endpointSchema]).optional(),
});

export const sourceConfigSchema = strict({
  $schema: z.string().optional(),
  client: clientSchema,
  resource_defaults: resourceDefaultsSchema.optional(),
  resources: z.array(z.union([z.string().min(1), resourceObjectSchema])).min(1),
});

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

/** JSON Schema of the config for editors (`$schema` in a JSON config file). */
export function sourceJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(sourceConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
