/**
 * The dlt `rest_api` source config as zod schemas, with dlt's snake_case keys. Objects are strict
 * like dlt's: an unknown key is an error that lists the allowed keys. Accepted beyond dlt:
 * a top-level `$schema` (editors), `client.timeout` (seconds) and `client.session` (ignored),
 * `endpoint.error_handler` and `endpoint.headers` (the seeds' dialect), auth type `basic`
 * (alias of `http_basic`), api_key location `param` (dlt's alias of `query`), loose column hints
 * (dlt has many, plus `x-` extensions). `processing_steps` and `parallelized` are accepted and
 * ignored. `$param` references (from `dlt.config[...]`) are allowed where a config string is.
 */
import { z } from 'zod';

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
const count = z.number().int().min(0);
const optStr = z.string().min(1).optional();

const offsetPaginator = strict({
  type: z.literal('offset'),
  limit: z.number().int().positive(),
  offset: count.optional(),
  offset_param: optStr,
  limit_param: optStr,
  total_path: z.string().min(1).nullable().optional(),
  maximum_offset: count.optional(),
  stop_after_empty_page: z.boolean().optional(),
  has_more_path: optStr,
  offset_body_path: optStr,
  limit_body_path: optStr,
}).superRefine(requireStop('maximum_offset'));

const pageNumberPaginator = strict({
  type: z.literal('page_number'),
  base_page: count.optional(),
  page: count.optional(),
  page_param: optStr,
  total_path: z.string().min(1).nullable().optional(),
  maximum_page: count.optional(),
  stop_after_empty_page: z.boolean().optional(),
  has_more_path: optStr,
  page_body_path: optStr,
}).superRefine(requireStop('maximum_page'));

/** dlt refuses an offset/page paginator that could never stop: no total, no maximum, no empty-page stop. */
function requireStop(maximumKey: string) {
  return (p: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if (p.total_path === null && p[maximumKey] === undefined && p.stop_after_empty_page === false) {
      ctx.addIssue({ code: 'custom', path: ['total_path'], message: `no way to stop: set total_path, ${maximumKey} or stop_after_empty_page` });
    }
  };
}

const cursorPaginator = strict({
  type: z.literal('cursor'),
  cursor_path: optStr,
  cursor_param: optStr,
  cursor_body_path: optStr,
  limit: z.number().int().positive().optional(),
  limit_param: optStr,
});

const paginatorObject = z.discriminatedUnion('type', [
  strict({ type: z.literal('auto') }),
  strict({ type: z.literal('single_page') }),
  strict({ type: z.literal(['json_link', 'json_response']), next_url_path: optStr }),
  strict({ type: z.literal('header_link'), links_next_key: optStr }),
  cursorPaginator,
  offsetPaginator,
  pageNumberPaginator,
]);

/** Paginators usable by name alone (no required options); `offset` needs `limit`. */
export const PAGINATOR_SHORTHANDS = ['auto', 'single_page', 'json_link', 'json_response', 'header_link', 'cursor', 'page_number'] as const;
export const paginatorSchema = z.union([z.enum(PAGINATOR_SHORTHANDS), paginatorObject]);

export const authSchema = z.discriminatedUnion('type', [
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
    default_token_expiration: z.number().positive().optional(),
  }),
]);

const headersSchema = z.record(z.string(), secretText);

/** `rate_limit: 5` (requests per second) or `{ requests_per_second: 5, burst: 10 }`. */
const rateLimitSchema = z.union([
  z.number().positive(),
  strict({ requests_per_second: z.number().positive(), burst: z.number().int().positive().optional() }),
]);
const limitKeys = { rate_limit: rateLimitSchema.optional(), max_concurrency: z.number().int().positive().optional() };

export const clientSchema = strict({
  base_url: text,
  headers: headersSchema.optional(),
  auth: authSchema.nullish(),
  paginator: paginatorSchema.nullish(),
  timeout: z.number().positive().optional(),
  /** bytes a decompressed response may have (a gzip bomb stops there) */
  max_response_bytes: z.number().int().positive().optional(),
  session: z.unknown().optional(),
  ...limitKeys,
});

const resolveParam = strict({ type: z.literal('resolve'), resource: z.string().min(1), field: z.string().min(1) });
const incrementalFields = {
  cursor_path: z.string().min(1),
  initial_value: z.json().optional(),
  end_value: z.json().optional(),
  convert: optStr,
};
const incrementalParam = strict({ type: z.literal('incremental'), ...incrementalFields });
const isBinding = (v: unknown) => typeof v === 'object' && v !== null && ['resolve', 'incremental'].includes((v as { type?: unknown }).type as string);
/** A query param: a plain JSON value, or dlt's `resolve` / `incremental` binding. */
const paramValue = z.union([
  z.discriminatedUnion('type', [resolveParam, incrementalParam]),
  z.json().refine((v) => !isBinding(v), { message: 'not a valid resolve/incremental binding', abort: true }),
]);

export const incrementalSchema = strict({ ...incrementalFields, start_param: optStr, end_param: optStr });

const responseActionSchema = strict({
  status_code: z.union([z.number().int(), z.string().regex(/^\d{3}$/)]).optional(),
  content: optStr,
  action: z.enum(['ignore', 'retry']),
}).refine((a) => a.status_code !== undefined || a.content !== undefined, 'set status_code, content or both');

const errorHandlerSchema = strict({
  retry_on_status_codes: z.array(z.number().int().min(100).max(599)).optional(),
  max_retries: count.optional(),
  backoff_factor: z.number().positive().optional(),
  /** seconds before the first retry (accepted beyond the seeds' dialect; Temporal's initialInterval) */
  initial_interval: z.number().positive().optional(),
});

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const endpointSchema = strict({
  path: text.optional(),
  method: z.enum([...METHODS, ...METHODS.map((m) => m.toLowerCase() as Lowercase<(typeof METHODS)[number]>)]).optional(),
  params: z.record(z.string(), paramValue).optional(),
  json: z.json().optional(),
  headers: headersSchema.optional(),
  paginator: paginatorSchema.nullish(),
  data_selector: z.union([z.string(), z.array(z.string())]).nullish(),
  response_actions: z.array(responseActionSchema).optional(),
  incremental: incrementalSchema.optional(),
  error_handler: errorHandlerSchema.optional(),
});

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
  max_table_nesting: count.optional(),
  write_disposition: z
    .union([writeDisposition, strict({ disposition: writeDisposition, strategy: z.enum(['delete-insert', 'upsert']).optional() })])
    .optional(),
  columns: columnsSchema.optional(),
  primary_key: columnNames.optional(),
  merge_key: columnNames.optional(),
  selected: z.boolean().optional(),
  parallelized: z.boolean().optional(),
  processing_steps: z.array(z.unknown()).optional(),
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
