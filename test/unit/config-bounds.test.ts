import { jsonPathProblem } from '../../src/config/json-path-syntax';
import { ConfigError } from '../../src/errors';
import { planSource } from '../../src/plan/plan-source';

/** A small valid config; `edit` changes a copy. */
function config(edit: (c: any) => void = () => undefined): unknown {
  const c: any = {
    client: { base_url: 'https://api.example.com/v1' },
    resources: [{ name: 'items', endpoint: { path: '/items', data_selector: 'data', paginator: { type: 'cursor', cursor_path: 'next' } } }],
  };
  edit(c);
  return c;
}

function messageOf(raw: unknown): string {
  try {
    planSource(raw, {});
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'accepted';
}

/**
 * `validate` refuses what `run` cannot do: every rate, retry, backoff, timeout and limit within
 * bounds that cannot hang a sync or be refused by Temporal; base_url an http(s) URL with a host;
 * JSONPaths whose syntax could never match; each message names the config path.
 */
describe('validate refuses what run cannot do', () => {
  test.each([
    ['a rate of 1e-9 per second', (c: any) => (c.client.rate_limit = 1e-9), 'client.rate_limit: a rate (requests per second) must be at least 0.01'],
    ['a rate object of 1e-9', (c: any) => (c.client.rate_limit = { requests_per_second: 1e-9 }), 'client.rate_limit.requests_per_second: a rate (requests per second) must be at least 0.01'],
    ['a burst of 1e12', (c: any) => (c.client.rate_limit = { requests_per_second: 5, burst: 1e12 }), 'client.rate_limit.burst: a burst must be at most 100000'],
    ['max_concurrency 1e9', (c: any) => (c.client.max_concurrency = 1e9), 'client.max_concurrency: max_concurrency must be at most 1024'],
    ['max_retries 1e12', (c: any) => (c.resources[0].endpoint.error_handler = { max_retries: 1e12 }), 'resources[0].endpoint.error_handler.max_retries: max_retries must be at most 100'],
    ['backoff_factor 1e300', (c: any) => (c.resources[0].endpoint.error_handler = { backoff_factor: 1e300 }), 'resources[0].endpoint.error_handler.backoff_factor: backoff_factor must be at most 100'],
    ['initial_interval of a day', (c: any) => (c.resources[0].endpoint.error_handler = { initial_interval: 86400 }), 'initial_interval must be at most 3600'],
    ['a timeout of 0', (c: any) => (c.client.timeout = 0), 'client.timeout: a timeout (seconds) must be above 0'],
    ['a timeout of a year', (c: any) => (c.client.timeout = 3e7), 'client.timeout: a timeout (seconds) must be at most 3600'],
    ['a page size of 1e12', (c: any) => (c.resources[0].endpoint.paginator = { type: 'offset', limit: 1e12 }), 'a page size must be at most 1000000'],
    ['a base_url without scheme', (c: any) => (c.client.base_url = 'api.example.com'), 'client.base_url: expected an http:// or https:// URL with a host, got "api.example.com"'],
    ['a file: base_url', (c: any) => (c.client.base_url = 'file:///etc/passwd'), 'client.base_url: expected an http:// or https:// URL with a host'],
    ['an ftp base_url', (c: any) => (c.client.base_url = 'ftp://example.com/'), 'client.base_url: expected an http:// or https:// URL with a host'],
    ['an unclosed bracket in data_selector', (c: any) => (c.resources[0].endpoint.data_selector = '$.data[0'), 'resources[0].endpoint.data_selector: not a JSONPath: unclosed "[" at character 7 in "$.data[0"'],
    ['an empty key in cursor_path', (c: any) => (c.resources[0].endpoint.paginator.cursor_path = 'meta..'), 'resources[0].endpoint.paginator.cursor_path: not a JSONPath: an empty key'],
    ['junk in brackets', (c: any) => (c.resources[0].endpoint.data_selector = '$.items[a b]'), 'not a JSONPath: "[a b]" is not an index, slice, quoted key or filter'],
    ['a bad incremental cursor_path', (c: any) => (c.resources[0].endpoint.incremental = { cursor_path: "updated_at']" }), 'resources[0].endpoint.incremental.cursor_path: not a JSONPath'],
  ])('%s', (_name, edit, expected) => {
    expect(messageOf(config(edit))).toContain(expected);
  });

  test.each([
    ['the limits at their bounds', (c: any) => ((c.client.rate_limit = 0.01), (c.client.max_concurrency = 1024), (c.client.timeout = 3600))],
    ['retries within bounds', (c: any) => (c.resources[0].endpoint.error_handler = { max_retries: 100, backoff_factor: 0.5, initial_interval: 0.01 })],
    ['a base_url with a port and path', (c: any) => (c.client.base_url = 'http://127.0.0.1:8080/api/')],
  ])('accepts %s', (_name, edit) => {
    expect(messageOf(config(edit))).toBe('accepted');
  });

  test.each([
    '$',
    'data',
    '$.data.items',
    'results[*].x',
    '$..next',
    "['@odata.nextLink']",
    "$['@odata.nextLink']",
    '$.items[0].id',
    '$.items[-1]',
    '$.items[1:5]',
    '$.items[::2]',
    "$.a['b','c']",
    '$.items[?(@.active == true)]',
    "$.items[?(@.name == 'a]b')]",
    'meta.*',
    '$..[0]',
  ])('JSONPath %s is valid', (path) => {
    expect(jsonPathProblem(path)).toBeUndefined();
  });

  test.each([
    ['', 'an empty path'],
    ['$.', 'an empty key at character 3'],
    ['$.a[', 'unclosed "[" at character 4'],
    ['$.a[?(@.x]', 'unclosed "[" at character 4'],
    ['a]', 'unexpected "]" in key "a]"'],
    ['$x', 'unexpected "x" at character 2'],
    ["$['a", 'unclosed "[" at character 2'],
  ])('JSONPath %p is refused: %s', (path, problem) => {
    expect(jsonPathProblem(path)).toBe(problem);
  });
});

/** No key is accepted and ignored: dlt keys rest-sync does not implement are refused by name. */
describe('dlt keys not implemented are refused by name', () => {
  test.each([
    ['a Python lambda as a processing step', (c: any) => (c.resources[0].processing_steps = [{ filter: 'lambda x: x' }]), 'resources[0].processing_steps[0].filter: "lambda x: x" is a Python lambda: write a JSONata expression'],
    ['client.session', (c: any) => (c.client.session = {}), 'client.session: not supported'],
    ['incremental.convert', (c: any) => (c.resources[0].endpoint.incremental = { cursor_path: 'updated', convert: 'int' }), 'resources[0].endpoint.incremental.convert: not supported'],
  ])('%s', (_name, edit, expected) => {
    expect(messageOf(config(edit))).toContain(expected);
  });

  test.each([0, 1, 2, 1000])('max_table_nesting %s (dlt\'s levels of nesting unnested) is accepted', (n) => {
    expect(messageOf(config((c) => (c.resources[0].max_table_nesting = n)))).toBe('accepted');
  });

  test.each([-1, 1.5, '2'])('max_table_nesting %s is refused, naming the key', (n) => {
    expect(messageOf(config((c) => (c.resources[0].max_table_nesting = n)))).toContain('resources[0].max_table_nesting');
  });
});
