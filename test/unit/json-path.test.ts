import { getPath, queryAll, setPath } from '../../src/activities/json-path';
import { parseJsonPath } from '../../src/activities/json-path-parse';
import { jsonPathProblem } from '../../src/config/json-path-syntax';
import { DataError } from '../../src/errors';

/** Expected values checked against dlt 1.31's `dlt.common.jsonpath.find_values` (jsonpath-ng). */
const doc = {
  '@odata.nextLink': 'https://x.example/items?p=2',
  results: [{ x: 1 }, { x: 2, y: 'a' }],
  a: { 'b.c': 3, n: null },
  items: [
    { id: 1, on: true, n: 5 },
    { id: 2, on: false, n: 7 },
  ],
  d: { k: { x: 9 } },
  l: [1, 2, 3],
};

describe('JSONPath, as dlt (jsonpath-ng) evaluates it', () => {
  test.each<[string, unknown[]]>([
    ["$['@odata.nextLink']", ['https://x.example/items?p=2']],
    ["['@odata.nextLink']", ['https://x.example/items?p=2']],
    ['results[*].x', [1, 2]],
    ['$.results[*].x', [1, 2]],
    ['a."b.c"', [3]],
    ['$["a"]["b.c"]', [3]],
    ['items[?(@.on)]', doc.items],
    ['items[?on]', doc.items],
    ['items[?(@.on == true)].id', [1]],
    ['items[?n > 5].id', [2]],
    ['items[?(@.n >= 5 & @.on == false)].id', [2]],
    ['results[?y = "a"].x', [2]],
    ["$.items[?(@.n < 6)].id", [1]],
    ['l[?(@ > 1)]', [2, 3]],
    ['$..x', [1, 2, 9]],
    ['results[-1].x', [2]],
    ['results[0:1]', [{ x: 1 }]],
    ['l[1:]', [2, 3]],
    ['l[::2]', [1, 3]],
    ['l[-2:]', [2, 3]],
    ['d.*', [{ x: 9 }]],
    ['d[*]', [{ x: 9 }]],
    ['results.*', doc.results],
    ['$.a.n', [null]],
    ['a.missing', []],
    ['items[0,1].id', [1, 2]],
    ['results.x', []],
    ['$', [doc]],
    ['a.n.deeper', []],
  ])('%s', (path, expected) => {
    expect(queryAll(doc, path)).toEqual(expected);
  });

  test('a numeric key indexes an array (rest-sync dot paths: data.0.id)', () => {
    expect(getPath({ data: [{ id: 7 }] }, 'data.0.id')).toBe(7);
  });

  test('getPath gives the first match, undefined for none', () => {
    expect(getPath(doc, 'items[*].id')).toBe(1);
    expect(getPath(doc, 'nope')).toBeUndefined();
  });

  test.each(['', 'a[', "a['x]", 'a[foo]', 'a..', 'a.', '$a', 'a[?()]', 'a[?(@.x > zz)]', 'a[1:2:0]'])('refuses %j naming the path', (path) => {
    expect(() => parseJsonPath(path)).toThrow(DataError);
  });

  test.each([
    'data', '$', '$.a.b', 'results[*].x', "$['@odata.nextLink']", "['@odata.nextLink']", '$..next', 'a[0]', 'a[-1]',
    'a[1:5]', 'a[0,1]', "a['x','y']", 'a[?(@.active)]', 'a[?n > 5]', 'a.[0].b', '', 'a[', 'a[foo]', 'a.', '$a', "a['x]",
  ])('the validate syntax check and the evaluator agree on %j', (path) => {
    let parses = true;
    try {
      parseJsonPath(path);
    } catch {
      parses = false;
    }
    expect(jsonPathProblem(path) === undefined).toBe(parses);
  });
});

describe('setPath (request body paths are dot-separated keys, as dlt sets them)', () => {
  test.each<[unknown, string, unknown]>([
    [undefined, 'page', { page: 3 }],
    [{ q: 1 }, 'paging.page', { q: 1, paging: { page: 3 } }],
    [{ paging: { size: 10 } }, '$.paging.page', { paging: { size: 10, page: 3 } }],
  ])('%j + %s', (obj, path, expected) => {
    expect(setPath(obj, path, 3)).toEqual(expected);
  });
});
