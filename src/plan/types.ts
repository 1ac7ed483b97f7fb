/**
 * The plan: what a source config means once defaults are merged, shorthand expanded and parents
 * resolved. Plain JSON only (it travels in workflow and activity inputs), camelCase, and free of
 * secret values: secrets stay `{ "$secret": "name" }` references until an activity resolves them.
 */
import type { ColumnHintSpec, SchemaContract } from '../config/column-hints';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A reference to a secret, resolved only inside activities (env var NAME, or .dlt/secrets.toml). */
export interface SecretRef {
  $secret: string;
}

/** A config value that may be a secret reference. */
export type MaybeSecret = string | SecretRef;

/** Where a paginator (or auth) puts a value in the request. */
export interface RequestOption {
  in: 'query' | 'header' | 'body' | 'path';
  /** Query/header name, or a dot path into the JSON body, or the path placeholder name. */
  name: string;
}

export type PaginatorSpec =
  | { type: 'auto' }
  | { type: 'single_page' }
  | { type: 'json_link'; nextUrlPath?: string }
  | { type: 'header_link'; linksNextKey: string }
  | {
      type: 'offset';
      limit: number;
      offset: number;
      offsetParam: string;
      limitParam: string;
      /** undefined = dlt's default `total`, optional; null = no total; string = user set it: must exist. */
      totalPath?: string | null;
      totalPathExplicit: boolean;
      maximumOffset?: number;
      stopAfterEmptyPage: boolean;
      hasMorePath?: string;
      offsetBodyPath?: string;
      limitBodyPath?: string;
    }
  | {
      type: 'page_number';
      basePage: number;
      page?: number;
      pageParam: string;
      totalPath?: string | null;
      totalPathExplicit: boolean;
      maximumPage?: number;
      stopAfterEmptyPage: boolean;
      hasMorePath?: string;
      pageBodyPath?: string;
    }
  | {
      type: 'cursor';
      cursorPath: string;
      cursorParam?: string;
      cursorBodyPath?: string;
      /** seeds' dialect: a page size sent with every request */
      limit?: number;
      limitParam: string;
      stopAfterEmptyPage: boolean;
      hasMorePath?: string;
    }
  | { type: 'header_cursor'; cursorKey: string; cursorParam: string };

export type AuthSpec =
  | { type: 'none' }
  | { type: 'bearer'; token: MaybeSecret }
  | { type: 'api_key'; name: string; apiKey: MaybeSecret; location: 'header' | 'query' | 'cookie' }
  | { type: 'http_basic'; username: MaybeSecret; password: MaybeSecret }
  | {
      type: 'oauth2_client_credentials';
      accessTokenUrl: string;
      clientId: MaybeSecret;
      clientSecret: MaybeSecret;
      accessTokenRequestData?: Record<string, Json>;
      defaultTokenExpiration?: number;
    }
  | {
      type: 'oauth2_refresh_token';
      accessTokenUrl: string;
      clientId: MaybeSecret;
      clientSecret?: MaybeSecret;
      refreshToken: MaybeSecret;
      accessTokenRequestData?: Record<string, Json>;
      defaultTokenExpiration?: number;
    }
  | SessionTokenAuth;

/** Airbyte's SessionTokenAuthenticator: a login request whose answer holds the token, sent on each request as `inject` says. */
export interface SessionTokenAuth {
  type: 'session_token';
  login: {
    /** absolute, or relative to base_url */
    url: string;
    method: 'GET' | 'POST';
    /** body values and headers may be secret references (the credentials) */
    json?: Json;
    data?: Record<string, MaybeSecret>;
    headers: Record<string, MaybeSecret>;
  };
  /** a key list or a JSONPath into the login answer */
  tokenPath: string | string[];
  /** unset: a login before every request (Airbyte's default) */
  expiresInSeconds?: number;
  /** where the token goes; `template` holds `{{ session_token }}` */
  inject: { in: 'header' | 'query'; name: string; template: string };
}

/** dlt's processing step: `filter` keeps a record when true, `map` yields the new record (JSONata expressions). */
export interface ProcessingStep {
  filter?: string;
  map?: string;
}

export interface RetrySpec {
  maximumAttempts: number;
  backoffCoefficient: number;
  initialIntervalMs: number;
  /** statuses retried besides network errors; others 4xx fail at once. 408, 429 and 5xx by default. */
  retryOnStatusCodes?: number[];
}

export interface ResponseAction {
  statusCode?: number;
  content?: string;
  action: 'ignore' | 'retry';
}

export interface IncrementalSpec {
  cursorPath: string;
  initialValue?: Json;
  endValue?: Json;
  startParam?: string;
  endParam?: string;
  /** dlt's range_start / range_end: whether a record exactly at the start / end value is kept */
  rangeStart?: 'open' | 'closed';
  rangeEnd?: 'open' | 'closed';
  /** dlt's on_cursor_value_missing (default raise) */
  onCursorValueMissing?: 'raise' | 'include' | 'exclude';
  /** dlt's last_value_func by name (default max) */
  lastValueFunc?: 'max' | 'min';
  /** dlt's lag: the start value moved back by this many seconds / days / units each run */
  lag?: number;
  /** dlt's incremental primary_key: what identifies a record at the boundary ([] turns deduplication off) */
  primaryKey?: string | string[];
  /** dlt's row_order: the API returns records ordered by the cursor, so paging may stop early */
  rowOrder?: 'asc' | 'desc';
  /** child resources: a last value per parent record instead of one for the resource (dlt#2429) */
  perParent?: boolean;
}

/** A placeholder whose value comes from the parent resource's records. */
export interface ParentField {
  /** the placeholder name as it stands in braces in the planned path/params, e.g. `project` or `parent_id` */
  placeholder: string;
  /** where it appears: path, query param name, or json body */
  location: 'path' | 'params' | 'json' | 'data' | 'headers';
  /** the param name when location is 'params', the header name when 'headers' */
  param?: string;
  /** field in the parent record (dot path) */
  field: string;
  /** true when the parent was inferred from the path segment before the placeholder */
  inferred: boolean;
}

export interface ParentLink {
  resource: string;
  fields: ParentField[];
  /** include_from_parent: parent fields copied into `_<parent>_<field>` columns */
  includeFromParent: string[];
}

/** dlt's write dispositions: `skip` fetches (children fan out) but loads nothing. */
export type WriteDisposition = 'merge' | 'append' | 'replace' | 'skip';

/** dlt's merge strategies rest-sync implements (dlt's default is delete-insert). */
export type MergeStrategy = 'delete-insert' | 'upsert' | 'insert-only' | 'scd2';

/** How a merge resource writes: dlt's `write_disposition` dict and its column hints. */
export interface MergeSpec {
  strategy: MergeStrategy;
  /** the column hint `dedup_sort`: which record of a primary key one load keeps */
  dedupSort?: { column: string; order: 'asc' | 'desc' };
  /** the column hint `hard_delete`: a record with it set (true, or any value in a non-boolean column) deletes its key */
  hardDelete?: string;
  scd2?: Scd2Spec;
}

/** scd2's options as dlt names them, column names as given (normalized by the activities). */
export interface Scd2Spec {
  validFrom: string;
  validTo: string;
  /** the `valid to` of active records (ISO timestamp); null: NULL */
  activeRecordTimestamp: string | null;
  /** the `valid from` of new and `valid to` of retired records (ISO); unset: the load's time */
  boundaryTimestamp?: string;
  /** the row version column: `_dlt_id` holds dlt's row hash unless `row_version_column_name` names another */
  rowVersion: string;
}

export interface ResourcePlan {
  name: string;
  table: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** path relative to base URL, or absolute URL; source params already substituted, parent placeholders left as `{name}` */
  path: string;
  params: Record<string, Json>;
  json?: Json;
  /** dlt's `data` body: an object is sent form-encoded, a string as it is */
  data?: string | Record<string, Json>;
  headers: Record<string, MaybeSecret>;
  /** undefined: auto-detect; [] or '$': whole response; string: JSONPath; string[]: key path */
  dataSelector?: string | string[];
  paginator: PaginatorSpec;
  /** where the paginator came from, for `validate` */
  paginatorSource: 'endpoint' | 'resource_defaults' | 'client' | 'auto';
  primaryKey: string[];
  mergeKey: string[];
  writeDisposition: WriteDisposition;
  /** merge only: the strategy and its options (absent in plans recorded before strategies: delete-insert) */
  merge?: MergeSpec;
  parent?: ParentLink;
  retry: RetrySpec;
  responseActions: ResponseAction[];
  incremental?: IncrementalSpec;
  /** the endpoint's own auth (dlt's endpoint.auth; `none` for `auth: null`), in place of the client's */
  auth?: AuthSpec;
  selected: boolean;
  /** fields of this resource's records that child resources need (dot paths) */
  exportFields: string[];
  /** config `columns` hints: column name -> postgres type */
  columns: Record<string, string>;
  /** config `columns` hints in full (type, precision, nullable, unique); absent in plans made before them */
  columnHints?: Record<string, ColumnHintSpec>;
  /** dlt's schema_contract, expanded; absent: everything evolves */
  schemaContract?: SchemaContract;
  /** dlt's nested_hints, by the nested table's path below the resource's table as the config writes it (`tags`, `orders__items`) */
  nestedHints?: Record<string, NestedHintsPlan>;
  maxTableNesting?: number;
  /** a resource's own limits, inside the source's */
  rateLimit?: RateLimitSpec;
  maxConcurrency?: number;
  /** dlt's `parallelized`: a child fans out over its parent's records concurrently */
  parallelized?: boolean;
  /** dlt's processing_steps, applied in order to each record after selection and the incremental window */
  processingSteps?: ProcessingStep[];
}

/** One nested table's hints (dlt's TResourceNestedHints, the keys rest-sync implements). */
export interface NestedHintsPlan {
  columnHints?: Record<string, ColumnHintSpec>;
  /** the nested table's own contract, expanded (all evolve too: it replaces the one it would inherit) */
  schemaContract?: SchemaContract;
}

/** A token bucket: `requestsPerSecond` on average, up to `burst` at once. */
export interface RateLimitSpec {
  requestsPerSecond: number;
  burst: number;
}

export interface ClientPlan {
  baseUrl: string;
  /** client.rate_limit: shared by every resource, window and child of the source in a worker */
  rateLimit?: RateLimitSpec;
  /** client.max_concurrency: requests in flight for the source */
  maxConcurrency?: number;
  headers: Record<string, MaybeSecret>;
  auth: AuthSpec;
  /** request timeout in ms: bounds the whole response */
  timeoutMs: number;
  /** client.max_response_bytes; unset: the activity's default (256 MB) */
  maxResponseBytes?: number;
}

export interface SourcePlan {
  client: ClientPlan;
  /** in dependency order: every parent before its children */
  resources: ResourcePlan[];
}
