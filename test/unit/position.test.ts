import { HttpRetriableError, innermostMessage, placed } from '../../src/errors';
import { advance, decodeChildToken, encodeToken, pageOrdinal, parentFrontier, siblingStripes, stripeKey, stripeKeys, stripeOf, windowKeyPrefix, type Stripe } from '../../src/activities/fetch/position';
import { fillJson, fillText } from '../../src/plan/placeholders';

/** The stored encodings: rows written by syncs that run now must read the same after an upgrade. */
describe('position encodings', () => {
  const whole: Stripe = { kind: 'whole' };
  const lane: Stripe = { kind: 'lane', index: 2, count: 4 };
  const window: Stripe = { kind: 'window', index: 3, count: 8, from: { offset: 100 } };

  test.each<[string, Stripe, string]>([
    ['whole', whole, 'items'],
    ['lane', lane, 'items#2'],
    ['window', window, 'items#w3'],
  ])('%s state key', (_name, stripe, key) => {
    expect(stripeKey('items', stripe)).toBe(key);
  });

  test('wire inputs map to stripes', () => {
    expect(stripeOf({})).toEqual(whole);
    expect(stripeOf({ lane: { index: 2, count: 4 } })).toEqual(lane);
    expect(stripeOf({ window: { index: 3, count: 8, from: { offset: 100 } } })).toEqual(window);
  });

  test('totals read every stripe key; window keys share a prefix', () => {
    expect(stripeKeys('items', 3)).toEqual(['items#0', 'items#1', 'items#2']);
    expect(stripeKeys('items', 1, 2)).toEqual(['items', 'items#w0', 'items#w1']);
    expect(stripeKey('items', window).startsWith(windowKeyPrefix('items'))).toBe(true);
  });

  test('striped pages file their parent records after the sequential ones, unique per stripe', () => {
    expect(pageOrdinal(whole, 5)).toBe(5);
    expect(pageOrdinal(window, 0)).toBe(2 ** 40 + 3);
    expect(pageOrdinal(window, 1)).toBe(2 ** 40 + 11);
  });

  test('a child token is {p, t}, as committed before', () => {
    const pos = { token: { page: 2 }, parent: { key: { page: 7, idx: 1 }, vals: { id: 9 } } };
    const stored = encodeToken(pos, { page: 3 }, true);
    expect(JSON.stringify(stored)).toBe('{"p":{"page":7,"idx":1},"t":{"page":3}}');
    expect(decodeChildToken(stored)).toEqual({ parent: { page: 7, idx: 1 }, token: { page: 3 } });
    expect(decodeChildToken({ p: null, t: null })).toEqual({ parent: null, token: null });
    expect(encodeToken({ token: 'a' }, 'b', false)).toBe('b');
  });

  test('advance stays in the parent record; a null token ends it', () => {
    const parent = { key: { page: 0, idx: 0 }, vals: {} };
    expect(advance({ token: 1, parent }, 2)).toEqual({ token: 2, parent });
    expect(advance({ token: 1, parent }, null)).toBeUndefined();
  });
});

/** How far a child may follow its running parent: below every page a parent stripe may still commit. */
describe('parent frontier', () => {
  const S = 2 ** 40;
  const row = (key: string, pages: number, done = false) => ({ key, pages, done });
  test.each<[string, ReturnType<typeof row>[], ReturnType<typeof parentFrontier>]>([
    ['not started', [], { complete: false, pages: 0, before: 0, started: false }],
    ['whole, running: its committed pages', [row('p', 3)], { complete: false, pages: 3, before: 3, started: true }],
    ['whole, done', [row('p', 4, true)], { complete: true, pages: 4 }],
    ['windows after a probe: the lowest next page of an open window', [row('p', 10), row('p#w0', 2), row('p#w1', 1), row('p#w2', 3, true)], { complete: false, pages: 16, before: S + 1 * 3 + 1, started: true }],
    ['windows all done: complete, the probe row left open', [row('p', 10), row('p#w0', 2, true), row('p#w1', 2, true)], { complete: true, pages: 14 }],
    ['lanes of a child parent', [row('p#0', 5), row('p#1', 0)], { complete: false, pages: 5, before: S + 1, started: true }],
    ['lanes all done', [row('p#0', 5, true), row('p#1', 2, true)], { complete: true, pages: 7 }],
    ['another resource named like a stripe is not one', [row('p', 2), row('p#x', 9)], { complete: false, pages: 11, before: 2, started: true }],
  ])('%s', (_name, rows, frontier) => {
    expect(parentFrontier('p', rows)).toEqual(frontier);
  });

  test('the lanes or windows of a resource are claimed together', () => {
    expect(siblingStripes({ kind: 'whole' })).toEqual([]);
    expect(siblingStripes({ kind: 'lane', index: 1, count: 3 })).toEqual([
      { kind: 'lane', index: 0, count: 3 },
      { kind: 'lane', index: 2, count: 3 },
    ]);
  });
});

describe('template', () => {
  test.each<[string, string, Record<string, unknown>, boolean, string]>([
    ['path value, encoded', '/users/{id}/repos', { id: 'a b/c' }, true, '/users/a%20b%2Fc/repos'],
    ['unknown names stay', '/u/{id}/{other}', { id: 1 }, false, '/u/1/{other}'],
    ['null becomes empty', 'since={incremental.start_value}', { 'incremental.start_value': null }, false, 'since='],
    ['literal braces stay', '{not a name} {id}', { id: 2 }, false, '{not a name} 2'],
  ])('fillText: %s', (_name, text, values, encode, out) => {
    expect(fillText(text, values as never, encode)).toBe(out);
  });

  test('fillJson keeps a whole placeholder typed only when asked', () => {
    const body = { q: { id: '{id}', label: 'n-{id}' }, list: ['{id}'] };
    expect(fillJson(body, { id: 7 }, true)).toEqual({ q: { id: 7, label: 'n-7' }, list: [7] });
    expect(fillJson(body, { id: 7 })).toEqual({ q: { id: '7', label: 'n-7' }, list: ['7'] });
  });
});

describe('errors', () => {
  test('placed: the same class and fields, the place in front, the original as cause', () => {
    const inner = new HttpRetriableError('GET /x returned HTTP 503', 503, 1000);
    const err = placed(inner, 'resource "a" page 2');
    expect(err).toBeInstanceOf(HttpRetriableError);
    expect(err).toMatchObject({ code: inner.code, status: 503, retryAfterMs: 1000, message: 'resource "a" page 2: GET /x returned HTTP 503', cause: inner });
    expect(placed(err, 'resource "a" page 2')).toBe(err);
    expect(innermostMessage(err)).toBe('GET /x returned HTTP 503');
  });
});
