import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { sourceJsonSchema } from '../../src/config/schema';
import { formatConfigPath, parseSourceConfig } from '../../src/config/validate';
import { ConfigError } from '../../src/errors';

const SEEDS = path.join(__dirname, '../fixtures/seeds');

/** A small valid config; `edit` mutates a copy to make it invalid. */
function config(edit: (c: any) => void = () => undefined): unknown {
  const c = {
    client: { base_url: 'https://api.example.com', auth: { type: 'bearer', token: { $secret: 'tok' } } },
    resource_defaults: { primary_key: 'id', endpoint: { params: { per_page: 50 } } },
    resources: [
      'users',
      { name: 'orgs', endpoint: { path: '/orgs', paginator: 'json_link' } },
      { name: 'repos', endpoint: { path: '/orgs/{org}/repos', data_selector: 'items', paginator: { type: 'offset', limit: 10 } } },
    ],
  };
  edit(c);
  return c;
}

function errorOf(raw: unknown): ConfigError {
  try {
    parseSourceConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseSourceConfig accepts', () => {
  test.each(readdirSync(SEEDS).filter((f) => f.endsWith('.txt')))('seed %s as written', (file) => {
    const raw = importSourceText(readFileSync(path.join(SEEDS, file), 'utf8'), file);
    expect(() => parseSourceConfig(raw)).not.toThrow();
  });

  test.each([
    ['the base config', () => undefined],
    ['paginator shorthands', (c: any) => (c.client.paginator = 'header_link')],
    ['page_number shorthand', (c: any) => (c.resources[1].endpoint.paginator = 'page_number')],
    ['auth alias basic', (c: any) => (c.client.auth = { type: 'basic', username: 'u', password: { $secret: 'p' } })],
    ['bearer without a type', (c: any) => (c.client.auth = { token: 'x' })],
    ['api_key with defaults', (c: any) => (c.client.auth = { type: 'api_key', api_key: 'k' })],
    ['oauth2', (c: any) => (c.client.auth = { type: 'oauth2_client_credentials', access_token_url: 'https://a/t', client_id: 'i', client_secret: { $secret: 's' } })],
    ['write_disposition dict', (c: any) => (c.resources[1].write_disposition = { disposition: 'merge', strategy: 'upsert' })],
    ['resolve params', (c: any) => (c.resources[2].endpoint.params = { org: { type: 'resolve', resource: 'orgs', field: 'login' } })],
    ['incremental', (c: any) => (c.resources[1].endpoint.incremental = { cursor_path: 'updated_at', initial_value: '2024-01-01', start_param: 'since' })],
    ['response_actions', (c: any) => (c.resources[1].endpoint.response_actions = [{ status_code: 404, action: 'ignore' }, { content: 'not found', action: 'ignore' }])],
    ['column hints', (c: any) => (c.resources[1].columns = { id: { data_type: 'bigint', nullable: false } })],
    ['every implemented column hint', (c: any) => (c.resources[1].columns = [{ name: 'id', data_type: 'bigint', precision: 32, nullable: false, unique: true, primary_key: true, merge_key: true }, { name: 'at', data_type: 'timestamp', precision: 3, timezone: false }, { name: 'amount', data_type: 'decimal', precision: 12, scale: 2 }])],
    ['schema_contract shorthand and per entity', (c: any) => {
      c.resource_defaults.schema_contract = 'freeze';
      c.resources[1].schema_contract = { tables: 'evolve', columns: 'discard_row', data_type: 'discard_value' };
    }],
    ['nested_hints: columns and schema_contract of nested tables', (c: any) => {
      c.resource_defaults.nested_hints = { tags: { schema_contract: 'freeze' } };
      c.resources[1].nested_hints = { tags: { columns: { name: { data_type: 'text', nullable: false } }, schema_contract: { columns: 'discard_row' } }, orders__items: { columns: [{ name: 'meta', data_type: 'json' }] } };
    }],
    ['parallelized children and max_table_nesting 0', (c: any) => Object.assign(c.resources[1], { max_table_nesting: 0, parallelized: true })],
    ['client timeout', (c: any) => Object.assign(c.client, { timeout: 30 })],
    ['$schema for editors', (c: any) => (c.$schema = './rest-sync.schema.json')],
    ['dlt.config params', (c: any) => (c.client.base_url = { $param: 'base_url' })],
    ['a paginator that stops on has_more_path only', (c: any) => Object.assign(c.resources[2].endpoint.paginator, { total_path: null, stop_after_empty_page: false, has_more_path: 'more' })],
  ])('%s', (_name, edit) => {
    expect(() => parseSourceConfig(config(edit))).not.toThrow();
  });
});

describe('parseSourceConfig rejects, naming the config path and what is allowed', () => {
  test.each([
    [
      'bad paginator type',
      (c: any) => (c.resources[2].endpoint.paginator = { type: 'pages', limit: 1 }),
      'resources[2].endpoint.paginator.type: expected one of "auto" | "single_page" | "json_link" | "json_response" | "header_link" | "cursor" | "header_cursor" | "offset" | "page_number", got "pages"',
    ],
    [
      'bad paginator shorthand',
      (c: any) => (c.resources[1].endpoint.paginator = 'offset'),
      'resources[1].endpoint.paginator: expected one of "auto" | "single_page" | "json_link" | "json_response" | "header_link" | "header_cursor" | "cursor" | "page_number", got "offset"',
    ],
    ['offset without limit', (c: any) => delete c.resources[2].endpoint.paginator.limit, 'resources[2].endpoint.paginator.limit: required, expected number'],
    ['missing base_url', (c: any) => delete c.client.base_url, 'client.base_url: required'],
    ['missing client', (c: any) => delete c.client, 'client: required, expected object'],
    ['unknown endpoint key', (c: any) => (c.resources[1].endpoint.pagination = 'auto'), 'resources[1].endpoint.pagination: unknown key; allowed keys: path, method, params, json, headers, paginator, data_selector'],
    ['unknown resource key', (c: any) => (c.resources[2].primary_keys = 'id'), 'resources[2].primary_keys: unknown key; allowed keys: name, include_from_parent'],
    ['unknown top-level key', (c: any) => (c.resource_default = {}), 'resource_default: unknown key; allowed keys: $schema, client, resource_defaults, resources'],
    ['bad auth type', (c: any) => (c.client.auth = { type: 'digest', token: 'x' }), 'client.auth.type: expected one of "bearer" | "api_key" | "http_basic" | "basic" | "oauth2_client_credentials"'],
    ['bad api_key location', (c: any) => (c.client.auth = { type: 'api_key', api_key: 'k', location: 'body' }), 'client.auth.location: expected one of "header" | "query" | "param" | "cookie", got "body"'],
    ['bad write_disposition', (c: any) => (c.resources[1].write_disposition = 'upsert'), 'resources[1].write_disposition: expected one of "append" | "replace" | "merge" | "skip", got "upsert"'],
    ['resource of a wrong type', (c: any) => (c.resources[0] = 42), 'resources[0]: expected string or object, got number'],
    ['endpoint path of a wrong type', (c: any) => (c.resources[1].endpoint.path = 5), 'resources[1].endpoint.path: expected string'],
    ['resource without a name', (c: any) => delete c.resources[1].name, 'resources[1].name: required, expected string'],
    ['empty resources', (c: any) => (c.resources = []), 'resources: '],
    ['secret with a typo', (c: any) => (c.client.auth.token = { $secrets: 'tok' }), 'client.auth.token.$secrets: unknown key; allowed keys: $secret'],
    ['header key with dashes', (c: any) => (c.client.headers = { 'X-Api-Key': 5 }), 'client.headers["X-Api-Key"]: expected string'],
    ['the api_key shorthand without a key', (c: any) => (c.client.auth = 'api_key'), 'client.auth: auth "api_key" names only the auth type; write an object with its values'],
    ['api_key without a key', (c: any) => (c.client.auth = { type: 'api_key' }), 'client.auth.api_key: required'],
    ['a resolve param the path does not use', (c: any) => (c.resources[2].endpoint.params = { owner: { type: 'resolve', resource: 'orgs', field: 'login' } }), 'resources[2].endpoint.params.owner: the resolve param "owner" is not used in the path'],
    ['end_value without initial_value', (c: any) => (c.resources[1].endpoint.incremental = { cursor_path: 'at', end_value: 5 }), 'resources[1].endpoint.incremental.end_value: end_value needs initial_value'],
    ['an incremental param with end_value only', (c: any) => (c.resources[1].endpoint.params = { since: { type: 'incremental', cursor_path: 'at', end_value: 5 } }), 'resources[1].endpoint.params.since.end_value: end_value needs initial_value'],
    ['client.session, quoted', (c: any) => (c.client.session = 'requests.Session()'), 'client.session: not supported (got "requests.Session()"): a Python requests.Session cannot be given in a config'],
    ['incremental convert, quoted', (c: any) => (c.resources[1].endpoint.incremental = { cursor_path: 'at', convert: 'to_ts' }), 'resources[1].endpoint.incremental.convert: not supported (got "to_ts")'],
    ['an unknown paginator name, quoted', (c: any) => (c.resources[1].endpoint.paginator = 'pages'), 'resources[1].endpoint.paginator: expected one of "auto" | "single_page"'],
    ['json with data, both quoted', (c: any) => Object.assign(c.resources[1].endpoint, { json: { q: 1 }, data: 'q=1' }), 'resources[1].endpoint.data: set json or data, not both (dlt\'s client refuses a request with both): json {"q":1}, data "q=1"'],
    ['a yield_map step, quoted', (c: any) => (c.resources[1].processing_steps = [{ yield_map: 'f' }]), 'resources[1].processing_steps[0].yield_map: not supported (got "f")'],
    ['incremental last_value_func other than max/min', (c: any) => (c.resources[1].endpoint.incremental = { cursor_path: 'at', last_value_func: 'median' }), 'resources[1].endpoint.incremental.last_value_func: expected one of "max" | "min", got "median"'],
    ['incremental negative lag', (c: any) => (c.resources[1].endpoint.incremental = { cursor_path: 'at', lag: -5 }), 'resources[1].endpoint.incremental.lag: lag must be 0 or more'],
    ['incremental row_order', (c: any) => (c.resources[1].endpoint.incremental = { cursor_path: 'at', row_order: 'up' }), 'resources[1].endpoint.incremental.row_order: expected one of "asc" | "desc"'],
    ['allow_external_schedulers true', (c: any) => (c.resources[1].endpoint.incremental = { cursor_path: 'at', allow_external_schedulers: true }), 'resources[1].endpoint.incremental.allow_external_schedulers: allow_external_schedulers true is not supported'],
    ['incomplete resolve param', (c: any) => (c.resources[2].endpoint.params = { org: { type: 'resolve', resource: 'orgs' } }), 'resources[2].endpoint.params.org.field: required'],
    ['paginator that cannot stop', (c: any) => Object.assign(c.resources[2].endpoint.paginator, { total_path: null, stop_after_empty_page: false }), 'resources[2].endpoint.paginator.total_path: no way to stop'],
    ['page below base_page', (c: any) => (c.resources[1].endpoint.paginator = { type: 'page_number', base_page: 1, page: 0 }), 'resources[1].endpoint.paginator.page: must be at least base_page (1)'],
    ['maximum_page 0', (c: any) => (c.resources[1].endpoint.paginator = { type: 'page_number', maximum_page: 0 }), 'resources[1].endpoint.paginator.maximum_page: maximum_page must be at least 1'],
    ['maximum_offset 0', (c: any) => (c.resources[2].endpoint.paginator.maximum_offset = 0), 'resources[2].endpoint.paginator.maximum_offset: maximum_offset must be at least 1'],
    ['cursor param and body path', (c: any) => (c.resources[1].endpoint.paginator = { type: 'cursor', cursor_param: 'c', cursor_body_path: 'c' }), 'resources[1].endpoint.paginator.cursor_body_path: set cursor_param or cursor_body_path, not both'],
    ['empty page_param', (c: any) => (c.resources[1].endpoint.paginator = { type: 'page_number', page_param: '' }), 'resources[1].endpoint.paginator.page_param'],
    ['a column hint dlt ignores on Postgres', (c: any) => (c.resources[1].columns = { id: { partition: true } }), 'resources[1].columns.id.partition: resource "orgs": not supported (got true): dlt ignores partition on Postgres; drop it'],
    ['a column hint of dlt\'s normalizer', (c: any) => (c.resources[1].columns = { id: { row_key: true } }), 'resources[1].columns.id.row_key: resource "orgs": not supported (got true): dlt\'s normalizer sets row_key itself'],
    ['an unknown column hint', (c: any) => (c.resources[1].columns = { id: { data_typ: 'text' } }), 'resources[1].columns.id.data_typ: resource "orgs": unknown key; allowed keys: data_type, precision, scale, timezone, nullable, unique, primary_key, merge_key'],
    ['an unknown data type', (c: any) => (c.resources[1].columns = { id: { data_type: 'integer' } }), 'resources[1].columns.id.data_type: resource "orgs": expected one of "text" | "double" | "bool" | "timestamp" | "bigint" | "binary" | "json" | "complex" | "decimal" | "wei" | "date" | "time", got "integer"'],
    ['a bigint over 64 bits', (c: any) => (c.resources[1].columns = { id: { data_type: 'bigint', precision: 128 } }), 'resources[1].columns.id.precision: resource "orgs": a bigint\'s precision is in bits, at most 64, got 128'],
    ['a timestamp precision over 6', (c: any) => (c.resources[1].columns = [{ name: 'at', data_type: 'timestamp', precision: 9 }]), 'resources[1].columns[0].precision: resource "orgs": Postgres keeps at most 6 digits of a second, got 9'],
    ['a precision the type does not take', (c: any) => (c.resources[1].columns = { ok: { data_type: 'bool', precision: 1 } }), 'resources[1].columns.ok.precision: resource "orgs": data_type bool takes no precision on Postgres, got 1'],
    ['timezone on time', (c: any) => (c.resources[1].columns = { at: { data_type: 'time', timezone: true } }), 'resources[1].columns.at.timezone: resource "orgs": data_type time takes no timezone on Postgres, got true'],
    ['a scale above the precision', (c: any) => (c.resources[1].columns = { amount: { data_type: 'decimal', precision: 4, scale: 6 } }), 'resources[1].columns.amount.scale: resource "orgs": scale 6 is above the precision 4, got 6'],
    ['precision without data_type', (c: any) => (c.resources[1].columns = { amount: { precision: 4 } }), 'resources[1].columns.amount.precision: resource "orgs": precision needs a data_type, got 4'],
    ['a bad schema_contract mode', (c: any) => (c.resources[1].schema_contract = 'strict'), 'resources[1].schema_contract: resource "orgs": expected one of "evolve" | "freeze" | "discard_row" | "discard_value", got "strict"'],
    ['a bad schema_contract entity mode', (c: any) => (c.resources[1].schema_contract = { columns: 'frozen' }), 'resources[1].schema_contract.columns: resource "orgs": expected one of "evolve" | "freeze" | "discard_row" | "discard_value", got "frozen"'],
    ['an unknown schema_contract entity', (c: any) => (c.resources[1].schema_contract = { data_types: 'freeze' }), 'resources[1].schema_contract.data_types: resource "orgs": unknown key; allowed keys: tables, columns, data_type'],
    ['a bad schema_contract in resource_defaults', (c: any) => (c.resource_defaults.schema_contract = 'strict'), 'resource_defaults.schema_contract: expected one of "evolve" | "freeze" | "discard_row" | "discard_value", got "strict"'],
    ...(['write_disposition', 'primary_key', 'merge_key', 'parent_table_name', 'table_format', 'file_format', 'references'] as const).map((key) => [
      `nested_hints' ${key}`,
      (c: any) => (c.resources[1].nested_hints = { tags: { [key]: 'x' } }),
      `resources[1].nested_hints.tags.${key}: resource "orgs": not supported (got "x")`,
    ] as [string, (c: any) => void, string]),
    ...(['primary_key', 'merge_key', 'dedup_sort', 'hard_delete'] as const).map((key) => [
      `a ${key} column hint in nested_hints`,
      (c: any) => (c.resources[1].nested_hints = { tags: { columns: { name: { [key]: true } } } }),
      `resources[1].nested_hints.tags.columns.name.${key}: resource "orgs": not supported (got true): a nested table loads with its root row`,
    ] as [string, (c: any) => void, string]),
    ['an unknown nested_hints key', (c: any) => (c.resources[1].nested_hints = { tags: { colums: {} } }), 'resources[1].nested_hints.tags.colums: resource "orgs": unknown key; allowed keys: columns, schema_contract'],
    ['a bad nested_hints contract', (c: any) => (c.resources[1].nested_hints = { tags: { schema_contract: 'strict' } }), 'resources[1].nested_hints.tags.schema_contract: resource "orgs": expected one of'],
    ['response action with no condition', (c: any) => (c.resources[1].endpoint.response_actions = [{ action: 'ignore' }]), 'resources[1].endpoint.response_actions[0]: set status_code, content or both'],
  ])('%s', (_name, edit, expected) => {
    const error = errorOf(config(edit));
    expect(error.message).toContain(expected);
  });

  test('every problem is listed in one error', () => {
    const error = errorOf(
      config((c) => {
        delete c.client.base_url;
        c.resources[2].endpoint.paginator.type = 'pages';
        c.resources[1].tabel_name = 'x';
      }),
    );
    expect(error.message).toContain('3 problems');
    expect(error.message).toContain('  - client.base_url: required');
    expect(error.message).toContain('  - resources[2].endpoint.paginator.type: expected one of');
    expect(error.message).toContain('  - resources[1].tabel_name: unknown key');
    expect(error.configPath).toBeUndefined();
  });

  test('a single problem sets configPath', () => {
    expect(errorOf(config((c) => delete c.client.base_url)).configPath).toBe('client.base_url');
  });
});

describe('formatConfigPath', () => {
  test.each([
    [['resources', 2, 'endpoint', 'paginator', 'type'], 'resources[2].endpoint.paginator.type'],
    [['client', 'headers', 'X-Key'], 'client.headers["X-Key"]'],
    [[], '(root)'],
  ])('%p -> %s', (p, expected) => {
    expect(formatConfigPath(p)).toBe(expected);
  });
});

describe('sourceJsonSchema', () => {
  test('describes the config for editors', () => {
    const schema = sourceJsonSchema() as { type: string; properties: Record<string, unknown>; required: string[] };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(['$schema', 'client', 'resource_defaults', 'resources']);
    expect(schema.required).toEqual(['client', 'resources']);
    expect(() => JSON.stringify(schema)).not.toThrow();
  });
});
