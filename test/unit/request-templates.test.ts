import { parseSourceConfig } from '../../src/config/validate';
import { applyIncremental, compare, filterIncremental, mergeBest, startOf, type IncrementalWindow } from '../../src/activities/incremental';
import { applyLag } from '../../src/activities/lag';
import { dedupDigest } from '../../src/activities/dedup';

import { nextParentRow, parentKeyOf, parentWindow } from '../../src/activities/fetch/parent-incremental';
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

describe('incremental lag as dlt applies it (expected values from dlt 1.31 apply_lag)', () => {
  test.each([
    [3600, undefined, '2024-05-01T12:00:00Z', 'max', '2024-05-01T11:00:00Z'],
    [3600, undefined, '2024-05-01T00:30:00Z', 'max', '2024-04-30T23:30:00Z'],
    [90.5, undefined, '2024-05-01T12:00:00.250Z', 'max', '2024-05-01T11:58:29.750000Z'],
    [3600, undefined, '2024-05-01T12:00:00+02:00', 'max', '2024-05-01T11:00:00+02:00'],
    [3600, undefined, '2024-05-01T12:00:00+0200', 'max', '2024-05-01T11:00:00+0200'],
    [3600, undefined, '2024-05-01T12:00:00', 'max', '2024-05-01T11:00:00'],
    [3600, undefined, '2024-05-01T12:00', 'max', '2024-05-01T11:00'],
    [2, undefined, '2024-05-01', 'max', '2024-04-29'],
    [1.5, undefined, '2024-05-01', 'max', '2024-04-29'],
    [2, undefined, '20240501', 'max', '20240429'],
    [2, '2024-01-01', '2024-05-01T12:00:00Z', 'max', '2024-04-29T00:00:00Z'],
    [2, '2024-01-01', '2024-05-01T12:00:00+02:00', 'max', '2024-04-29T02:00:00+02:00'],
    [2, '2024-01-01', '2024-05-01T12:00:00Z', 'min', '2024-01-01'],
    [3600, '2024-01-01T00:00:00Z', '2024-05-01', 'max', '2024-04-30'],
    [3600, undefined, '2024-05-01T12:00:00Z', 'min', '2024-05-01T13:00:00Z'],
    [10, undefined, 100, 'max', 90],
    [10, undefined, 100, 'min', 110],
    [0.5, undefined, 100, 'max', 99],
    [2.5, undefined, 100.5, 'max', 98],
    [50, 80, 100, 'max', 80],
    [3600, '2024-05-01T11:30:00Z', '2024-05-01T12:00:00Z', 'max', '2024-05-01T11:30:00Z'],
  ])('lag %p, initial %p: %p (%s) starts at %p', (lag, initial, last, order, expected) => {
    expect(applyLag(lag as number, last as Json, order as 'max' | 'min', initial as Json | undefined, compare)).toEqual(expected);
  });

  test('a cursor value lag cannot step is a DataError naming it', () => {
    expect(() => applyLag(60, 'yesterday', 'max', undefined, compare)).toThrow('incremental lag: the cursor value "yesterday" is neither a number nor an ISO date or datetime dlt can step');
  });

  test.each([
    ['no state yet: the initial value', undefined, 10],
    ['a kept value, lagged', 100, 95],
    ['lagged below the initial value: the initial value', 12, 10],
  ])('run start with lag 5, initial 10: %s', (_name, last, expected) => {
    expect(startOf({ cursorPath: 'at', initialValue: 10, lag: 5 }, last as Json | undefined)).toBe(expected);
  });

  test('a backfill (end_value) is not lagged', () => {
    expect(startOf({ cursorPath: 'at', initialValue: 10, endValue: 50, lag: 5 }, 100)).toBe(100);
  });
});

describe('incremental boundary deduplication as dlt', () => {
  const at = (out: { records: unknown[] }) => out.records.map((r) => (r as { id: number }).id);
  // the API returns, on the second run (start 3), a record loaded by the first run at 3 (id 3), a new one at 3 (id 4) and one later
  const page = [{ id: 2, at: 2 }, { id: 3, at: 3 }, { id: 4, at: 3 }, { id: 5, at: 5 }];
  const loadedAt3 = [dedupDigest(3)];
  test.each([
    ['by the resource primary key: the loaded one is dropped', {}, ['id'], { start: 3, end: null, startHashes: loadedAt3 }, [4, 5]],
    ['by incremental.primary_key over the resource one', { primaryKey: 'id' }, [], { start: 3, end: null, startHashes: loadedAt3 }, [4, 5]],
    ['primary_key [] turns it off', { primaryKey: [] }, ['id'], { start: 3, end: null, startHashes: loadedAt3 }, [3, 4, 5]],
    ['a lag turns it off', { lag: 1 }, ['id'], { start: 3, end: null, startHashes: loadedAt3 }, [3, 4, 5]],
    ['a backfill turns it off', { endValue: 9, initialValue: 0 }, ['id'], { start: 3, end: 9, startHashes: loadedAt3 }, [3, 4, 5]],
    ['no hashes kept: nothing dropped at the start', {}, ['id'], { start: 3, end: null, startHashes: [] }, [3, 4, 5]],
    ['without a primary key by the whole record', {}, [], { start: 3, end: null, startHashes: [dedupDigest({ at: 3, id: 3 })] }, [4, 5]],
  ])('%s', (_name, extra, resourceKey, window, expected) => {
    const spec = { cursorPath: 'at', ...extra } as IncrementalSpec;
    expect(at(filterIncremental(page, spec, window, 'page', resourceKey))).toEqual(expected);
  });

  test('a child record is hashed with its include_from_parent fields in it, as dlt adds them', () => {
    const out = filterIncremental([{ at: 3 }], { cursorPath: 'at' }, { start: 3, end: null }, 'page', [], { _posts_id: 7 });
    expect(out.hashes).toEqual([dedupDigest({ _posts_id: 7, at: 3 })]);
  });

  test('the page reports its best value and the hashes of the records kept at it', () => {
    const out = filterIncremental([{ id: 1, at: 5 }, { id: 2, at: 7 }, { id: 3, at: 7 }], { cursorPath: 'at' }, { start: 1, end: null }, 'page', ['id']);
    expect([out.max, out.hashes]).toEqual([7, [dedupDigest(2), dedupDigest(3)]]);
  });

  test.each([
    ['a number', 1, '669czW83KR00'],
    ['a record (keys sorted, compact, UTF-8)', { b: 2, a: 'é', c: [1, 2.5, null, true] }, 'qKt1r1aIAYAP'],
    ['a compound key', [1, 'x'], 'T2u7rnGEfmXm'],
  ])('the hash of %s is dlt\'s digest_dedup_value', (_name, value, expected) => {
    expect(dedupDigest(value)).toBe(expected);
  });

  test.each([
    ['a number against a date string', { at: 5 }, { start: '2024-01-01', end: null }, 'the cursor value 5 at "at" cannot be compared with the start value "2024-01-01"'],
    ['a string against a numeric end', { at: '7' }, { start: null, end: 10 }, 'the cursor value "7" at "at" cannot be compared with the end_value 10'],
    ['an object', { at: { t: 1 } }, { start: { t: 0 }, end: null }, 'the cursor value {"t":1} at "at" cannot be compared with the start value {"t":0}'],
  ])('values dlt cannot compare fail the page: %s', (_name, record, window, message) => {
    expect(() => filterIncremental([record], { cursorPath: 'at' }, window as IncrementalWindow, 'resource "r" page 1')).toThrow(`resource "r" page 1: ${message}`);
  });

  test('a record without the primary key field fails the page naming it', () => {
    expect(() => filterIncremental([{ at: 3 }], { cursorPath: 'at' }, { start: 3, end: null, startHashes: ['x'] }, 'resource "r" page 2', ['id'])).toThrow(
      'resource "r" page 2: a record has no primary key field "id", which the incremental boundary deduplication needs',
    );
  });

  test.each([
    ['same value: hashes join', 3, ['a'], 3, ['b'], 3, ['a', 'b']],
    ['a better value starts them afresh', 3, ['a'], 4, ['b'], 4, ['b']],
    ['a worse value changes nothing', 3, ['a'], 2, ['b'], 3, ['a']],
    ['nothing yet', null, [], 2, ['b'], 2, ['b']],
  ])('run state: %s', (_name, best, bestHashes, value, hashes, expValue, expHashes) => {
    expect(mergeBest({ cursorPath: 'at' }, best, bestHashes, value, hashes)).toEqual({ value: expValue, hashes: expHashes });
  });
});

describe('incremental last_value_func and row_order', () => {
  const ats = (out: { records: unknown[] }) => out.records.map((r) => (r as { at: number }).at);
  const recs = [{ at: 5 }, { at: 4 }, { at: 3 }, { at: 2 }, { at: 1 }];
  test.each([
    ['max: at or after the start', 'max', { start: 3, end: null }, [5, 4, 3], 5],
    ['min: at or before the start', 'min', { start: 3, end: null }, [3, 2, 1], 1],
    ['min with an end: above the end, end open', 'min', { start: 4, end: 2 }, [4, 3], 3],
  ])('%s', (_name, fn, window, expected, best) => {
    const out = filterIncremental(recs, { cursorPath: 'at', lastValueFunc: fn } as IncrementalSpec, window);
    expect([ats(out), out.max]).toEqual([expected, best]);
  });

  test.each([
    ['asc, a record past the end: stop', 'asc', [{ at: 3 }, { at: 9 }], { start: 1, end: 5 }, true],
    ['asc, all inside: go on', 'asc', [{ at: 3 }, { at: 4 }], { start: 1, end: 5 }, false],
    ['desc, a record before the start: stop', 'desc', [{ at: 3 }, { at: 0 }], { start: 1, end: null }, true],
    ['desc, a record at the start already loaded: stop', 'desc', [{ at: 1, id: 1 }], { start: 1, end: null, startHashes: [dedupDigest({ at: 1, id: 1 })] }, true],
    ['no row_order: never', undefined, [{ at: 9 }], { start: 1, end: 5 }, false],
  ])('row_order %s', (_name, order, page, window, stop) => {
    expect(filterIncremental(page, { cursorPath: 'at', rowOrder: order } as IncrementalSpec, window).stop).toBe(stop);
  });

  test('the new options reach the plan', () => {
    const incremental = { cursor_path: 'at', last_value_func: 'min', lag: 60, primary_key: ['a', 'b'], row_order: 'desc', allow_external_schedulers: false };
    const raw = { client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { path: 'r', incremental } }] };
    expect(plan(raw).resources[0].incremental).toEqual({ cursorPath: 'at', lastValueFunc: 'min', lag: 60, primaryKey: ['a', 'b'], rowOrder: 'desc' });
  });

  test('per_parent needs a parent resource', () => {
    const raw = { client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { path: 'r', incremental: { cursor_path: 'at', per_parent: true } } }] };
    expect(() => plan(raw)).toThrow('resource "r": incremental per_parent true needs a parent resource');
  });

  test('per_parent keys a child by the parent fields it uses', () => {
    const raw = {
      client: { base_url: 'https://a.io' },
      resources: ['posts', { name: 'comments', endpoint: { path: 'posts/{resources.posts.id}/comments', incremental: { cursor_path: 'at', per_parent: true } } }],
    };
    const child = plan(raw).resources.find((r) => r.name === 'comments')!;
    expect(child.incremental).toEqual({ cursorPath: 'at', perParent: true });
    expect(parentKeyOf(child, { id: 7, title: 'x' })).toEqual({ id: 7 });
  });
});

describe('per_parent incremental: a parent record window and its row after a page', () => {
  const spec: IncrementalSpec = { cursorPath: 'at', initialValue: 0 };
  const row = (over: object = {}) => ({ lastValue: 6, uniqueHashes: ['h6'], syncId: 'old', startValue: 0, startHashes: [], runValue: 6, runHashes: ['h6'], ...over });
  test.each([
    ['never seen: the initial value', undefined, 's2', { start: 0, end: null, startHashes: [] }],
    ['seen in an earlier sync: its last value and hashes', row(), 's2', { start: 6, end: null, startHashes: ['h6'] }],
    ['already started in this sync: the window it froze', row({ syncId: 's2', startValue: 4, startHashes: ['h4'] }), 's2', { start: 4, end: null, startHashes: ['h4'] }],
  ])('window: %s', (_name, r, sync, expected) => {
    expect(parentWindow(spec, r, sync)).toEqual(expected);
  });

  test.each([
    ['a page inside the pages: the run moves, the last value does not', row(), false, { lastValue: 6, uniqueHashes: ['h6'], runValue: 9, runHashes: ['h9'] }],
    ['the last page: the last value becomes the run best', row(), true, { lastValue: 9, uniqueHashes: ['h9'], runValue: 9, runHashes: ['h9'] }],
    ['a later page of this sync at the same best: hashes join', row({ syncId: 's2', runValue: 9, runHashes: ['h9b'] }), true, { lastValue: 9, uniqueHashes: ['h9b', 'h9'], runValue: 9, runHashes: ['h9b', 'h9'] }],
  ])('row: %s', (_name, r, ended, expected) => {
    const next = nextParentRow(spec, r, 's2', { start: 6, end: null, startHashes: ['h6'] }, { max: 9, hashes: ['h9'] }, ended);
    expect(next).toEqual({ syncId: 's2', startValue: 6, startHashes: ['h6'], ...expected });
  });
});
