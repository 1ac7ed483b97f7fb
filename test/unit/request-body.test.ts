import { requestBody } from '../../src/activities/http/body';
import { applyIncremental } from '../../src/activities/incremental';
import { applyParent, expandRequest } from '../../src/activities/partitions';
import { parseSourceConfig } from '../../src/config/validate';
import { buildPlan } from '../../src/plan/build';
import type { Json, ResourcePlan } from '../../src/plan/types';

const plan = (raw: unknown) => buildPlan(parseSourceConfig(raw), {});
const source = (endpoint: Record<string, unknown>, defaults?: Record<string, unknown>) => ({
  client: { base_url: 'https://a.io' },
  ...(defaults ? { resource_defaults: { endpoint: defaults } } : {}),
  resources: ['orgs', { name: 'search', endpoint: { path: 'search', method: 'POST', ...endpoint } }],
});
const search = (raw: unknown) => plan(raw).resources.find((r) => r.name === 'search') as ResourcePlan;

/** dlt's `data=` as requests sends it: the body and content type each config gives. */
describe('data bodies as requests sends them', () => {
  test.each([
    ['a form', { q: 'a b', n: 1 }, {}, 'q=a+b&n=1', 'application/x-www-form-urlencoded'],
    // requests 2.34: Request('POST', u, data={'q': 'a b&c~*!', 'f': 1.5, 'ü': 'é'}).prepare().body
    ['quoted as Python\'s quote_plus', { q: "a b&c~*!'", f: 1.5, ü: 'é' }, {}, 'q=a+b%26c~%2A%21%27&f=1.5&%C3%BC=%C3%A9', 'application/x-www-form-urlencoded'],
    ['a list repeats its key, null is left out', { tag: ['x', 'y'], skip: null }, {}, 'tag=x&tag=y', 'application/x-www-form-urlencoded'],
    ['booleans as Python prints them', { on: true, off: false }, {}, 'on=True&off=False', 'application/x-www-form-urlencoded'],
    ['a form with the caller\'s content type', { a: '1' }, { 'Content-Type': 'text/plain' }, 'a=1', undefined],
    ['a raw string, no content type of its own', 'query { viewer }', {}, 'query { viewer }', undefined],
    ['an empty form sends no body', {}, {}, undefined, undefined],
  ])('%s', (_name, data, headers, body, contentType) => {
    const out = requestBody({ method: 'POST', url: '/', params: {}, headers: headers as Record<string, string>, data: data as string | Record<string, Json> });
    expect(out.data).toBe(body);
    expect(out.headers['content-type']).toBe(contentType);
    expect(out.untyped ?? false).toBe(typeof data === 'string' && Object.keys(headers).length === 0);
  });

  test('json is sent when data is empty', () => {
    expect(requestBody({ method: 'POST', url: '/', params: {}, headers: {}, json: { a: 1 }, data: '' }).data).toEqual({ a: 1 });
  });
});

describe('data placeholders: parent fields, incremental values, {{ }} escapes (dlt formats data as text)', () => {
  test.each([
    ['a form', { org: '{resources.orgs.id}', since: '{incremental.start_value}', lit: '{{x}}' }, { org: '7', since: '42', lit: '{x}' }],
    ['a raw string', 'org={resources.orgs.id}&since={incremental.start_value}&q={{x}}', 'org=7&since=42&q={x}'],
  ])('%s', (_name, data, sent) => {
    const r = search(source({ data, incremental: { cursor_path: 'at', initial_value: 10 } }));
    expect(r.parent?.fields).toEqual([{ placeholder: 'resources.orgs.id', location: 'data', field: 'id', inferred: false }]);
    let req = applyParent({ method: r.method, url: r.path, params: {}, headers: {}, data: r.data }, r.parent!, { id: 7 });
    req = applyIncremental(req, r.incremental!, { start: 42, end: null });
    expect(expandRequest(req, []).data).toEqual(sent);
  });
});

describe('data refused as dlt refuses it, naming the key and quoting the value', () => {
  test.each([
    ['json and data together', { json: { a: 1 }, data: { b: 2 } }, undefined, 'resources[1].endpoint.data: set json or data, not both (dlt\'s client refuses a request with both): json {"a":1}, data {"b":2}'],
    ['a number', { data: 5 }, undefined, 'resources[1].endpoint.data: expected a form (an object of strings, numbers, booleans or lists of them) or a raw string, got 5'],
    ['a nested object', { data: { a: { b: 1 } } }, undefined, 'resources[1].endpoint.data'],
    ['json from resource_defaults with data', { data: 'x=1' }, { json: { q: 1 } }, 'resources[1].endpoint.data: resource "search": set json or data, not both'],
    ['a body-path paginator with data', { data: { q: 1 }, paginator: { type: 'offset', limit: 10, offset_body_path: 'offset' } }, undefined, 'resources[1].endpoint.data: resource "search": the offset paginator\'s offset_body_path writes into the JSON body, but the endpoint sends a data body ({"q":1})'],
  ])('%s', (_name, endpoint, defaults, message) => {
    expect(() => search(source(endpoint, defaults))).toThrow(message);
  });

  test.each([
    ['an empty json with data', { json: {}, data: 'x=1' }],
    ['json with an empty data', { json: { a: 1 }, data: '' }],
  ])('%s is accepted (dlt tests truthiness)', (_name, endpoint) => {
    expect(() => search(source(endpoint))).not.toThrow();
  });
});
