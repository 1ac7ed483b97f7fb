import { parseSourceConfig } from '../../src/config/validate';
import { applyIncremental, filterIncremental } from '../../src/activities/incremental';
import { applyParent, expandRequest } from '../../src/activities/partitions';
import { buildPlan } from '../../src/plan/build';
import { expandText, fillJson, fillText } from '../../src/plan/placeholders';
import type { IncrementalSpec, Json, ResourcePlan } from '../../src/plan/types';

/** dlt's str.format semantics: placeholders filled, `{{ }}` literal braces, values inserted verbatim. */
describe('templates as dlt formats them', () => {
  test.each([
    ['an escaped GraphQL query', '{{ viewer {{ login }} }}', {}, '{ viewer { login } }'],
    ['a placeholder inside escapes', '{{"id": "{id}"}}', { id: 7 }, '{"id": "7"}'],
    ['a value holding braces stays verbatim', 'q={id}', { id: '{{x}}' }, 'q={{x}}'],
    ['an unfilled placeholder stays as written', 'a/{other}', { id: 1 }, 'a/{other}'],
    ['null is the empty text', 'since={incremental.start_value}', { 'incremental.start_value': null }, 'since='],
  ])('%s', (_name, template, values, expected) => {
    expect(expandText(fillText(template, values as Record<string, Json>))).toBe(expected);
  });

  test('a JSON string that is one placeholder takes the value itself; other strings are formatted', () => {
    const filled = fillJson({ n: '{n}', q: '{{ node(id: {n}) }}', s: '{s}' }, { n: 5, s: '{{a}}' }, true);
    expect(JSON.parse(JSON.stringify(filled))).toEqual({ n: 5, q: '{{ node(id: 5) }}', s: '{{{{a}}}}' });
    expect(expandRequest({ method: 'POST', url: '/', params: {}, headers: {}, json: filled }, []).json).toEqual({ n: 5, q: '{ node(id: 5) }', s: '{{a}}' });
  });
});

const plan = (raw: unknown, params: Record<string, string> = {}) => buildPlan(parseSourceConfig(raw), params);
const byName = (resources: ResourcePlan[], name: string) => resources.find((r) => r.name === name) as ResourcePlan;
const request = (r: ResourcePlan) => ({ method: r.method, url: r.path, params: { ...r.params }, headers: r.headers as Record<string, string>, json: r.json });

describe('placeholders in endpoint headers', () => {
  const source = {
    client: { base_url: 'https://a.io', headers: { 'X-Client': '{{kept}}' } },
    resources: [
      'orgs',
      {
        name: 'audit',
        endpoint: {
          path: 'audit',
          headers: { 'X-Org': 'org-{resources.orgs.id}', 'X-Since': '{incremental.start_value}', 'X-Lit': '{{x}}', 'X-Key': { $secret: 'K' } },
          incremental: { cursor_path: 'at', initial_value: 10 },
        },
      },
    ],
  };

  test('a parent field and an incremental value are filled, escapes expanded, secrets and client headers untouched', () => {
    const audit = byName(plan(source).resources, 'audit');
    expect(audit.parent?.fields).toEqual([{ placeholder: 'resources.orgs.id', location: 'headers', param: 'X-Org', field: 'id', inferred: false }]);
    // at run time the secret is resolved before any template is filled
    let req = applyParent({ ...request(audit), headers: { ...request(audit).headers, 'X-Key': 'k{{' } }, audit.parent!, { id: 'acme' });
    req = applyIncremental(req, audit.incremental!, { start: 42, end: null });
    const sent = expandRequest({ ...req, headers: { ...req.headers, 'X-Client': '{{kept}}' } }, ['X-Org', 'X-Since', 'X-Lit']);
    expect(sent.headers).toMatchObject({ 'X-Org': 'org-acme', 'X-Since': '42', 'X-Lit': '{x}', 'X-Client': '{{kept}}', 'X-Key': 'k{{' });
    expect(audit.headers['X-Key']).toEqual({ $secret: 'K' });
  });

  test.each([
    ['an unknown parent', { 'X-Org': '{resources.nope.id}' }, 'resources[1].endpoint.headers["X-Org"]: resource "audit": {resources.nope.id} refers to "nope"'],
    ['an incremental value without incremental', { 'X-Since': '{incremental.start_value}' }, 'needs endpoint.incremental'],
  ])('%s in a header is refused naming the header', (_name, headers, expected) => {
    const raw = { client: { base_url: 'https://a.io' }, resources: ['orgs', { name: 'audit', endpoint: { path: 'audit', headers } }] };
    expect(() => plan(raw)).toThrow(expected);
  });

  test('a --param value is inserted verbatim, braces and all', () => {
    const r = byName(plan({ client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { path: 'r/{p}', params: { q: 'x{p}' } } }] }, { p: '{a}' }).resources, 'r');
    const sent = expandRequest(request(r), []);
    expect([sent.url, sent.params.q]).toEqual(['r/{a}', 'x{a}']);
  });
});

describe('endpoint auth (dlt: endpoint.auth in place of client.auth)', () => {
  const client = { base_url: 'https://a.io', auth: { type: 'bearer', token: { $secret: 'T' } } };
  test.each([
    ['none of its own: the client auth applies', {}, undefined],
    ['its own auth replaces the client auth', { auth: { type: 'api_key', name: 'X-Key', api_key: { $secret: 'K' } } }, { type: 'api_key', name: 'X-Key', apiKey: { $secret: 'K' }, location: 'header' }],
    ['auth null sends none', { auth: null }, { type: 'none' }],
  ])('%s', (_name, endpoint, expected) => {
    const r = byName(plan({ client, resources: [{ name: 'r', endpoint: { path: 'r', ...endpoint } }] }).resources, 'r');
    expect(r.auth).toEqual(expected);
  });

  test('resource_defaults may set it for every endpoint', () => {
    const p = plan({ client, resource_defaults: { endpoint: { auth: { type: 'bearer', token: 'd' } } }, resources: ['a'] });
    expect(p.resources[0].auth).toEqual({ type: 'bearer', token: 'd' });
  });
});

describe('incremental windows as dlt filters them', () => {
  const recs = [{ at: 1 }, { at: 2 }, { at: 3 }, { at: 4 }];
  const at = (out: { records: unknown[] }) => out.records.map((r) => (r as { at: number | null }).at ?? null);
  test.each([
    ['default: start closed, end open', {}, [2, 3]],
    ['range_start open', { rangeStart: 'open' }, [3]],
    ['range_end closed', { rangeEnd: 'closed' }, [2, 3, 4]],
    ['both flipped', { rangeStart: 'open', rangeEnd: 'closed' }, [3, 4]],
  ])('%s', (_name, extra, expected) => {
    expect(at(filterIncremental(recs, { cursorPath: 'at', ...extra } as IncrementalSpec, { start: 2, end: 4 }))).toEqual(expected);
  });

  test.each([
    ['include', [2, null, null]],
    ['exclude', [2]],
  ])('on_cursor_value_missing %s', (mode, expected) => {
    const spec = { cursorPath: 'at', onCursorValueMissing: mode } as IncrementalSpec;
    expect(at(filterIncremental([{ at: 2 }, {}, { at: null }], spec, { start: null, end: null }))).toEqual(expected);
  });

  test('a record without a cursor value fails the page by default, naming the page and the path', () => {
    expect(() => filterIncremental([{ id: 1 }], { cursorPath: 'at' }, { start: null, end: null }, 'resource "r" page 3')).toThrow(
      'resource "r" page 3: a record has no value at the incremental cursor_path "at"; set on_cursor_value_missing to include or exclude such records',
    );
  });

  test('the options reach the plan from endpoint.incremental', () => {
    const raw = { client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { path: 'r', incremental: { cursor_path: 'at', range_start: 'open', range_end: 'closed', on_cursor_value_missing: 'exclude' } } }] };
    expect(plan(raw).resources[0].incremental).toEqual({ cursorPath: 'at', rangeStart: 'open', rangeEnd: 'closed', onCursorValueMissing: 'exclude' });
  });
});
