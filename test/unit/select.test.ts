import { DataError } from '../../src/errors';
import { findRecords, selectRecords } from '../../src/activities/select';
import { getPath } from '../../src/activities/json-path';

const WHERE = 'resource "users" page 3';
const a = { id: 1 };
const b = { id: 2 };

describe('selectRecords with a selector', () => {
  test.each<[string, unknown, string | string[], unknown[]]>([
    ['[] selects the whole array body', [a, b], [], [a, b]],
    ['$ selects the whole array body', [a, b], '$', [a, b]],
    ['$ on an object body is one record', { id: 1, tags: [1] }, '$', [{ id: 1, tags: [1] }]],
    ['$ on an empty body', null, '$', []],
    ['dot path', { data: [a, b] }, 'data', [a, b]],
    ['nested dot path', { Response: { Items: [a] } }, 'Response.Items', [a]],
    ['leading $. dot path', { Response: { Items: [a] } }, '$.Response.Items', [a]],
    ['key list', { Response: { Items: [a, b] } }, ['Response', 'Items'], [a, b]],
    ['key list with a dotted key', { 'a.b': [a] }, ['a.b'], [a]],
    ['dot path to an object is one record', { data: { user: a } }, 'data.user', [a]],
    ['array index in dot path', { pages: [{ rows: [a] }] }, 'pages[0].rows', [a]],
    ['JSONPath to an array', { data: { items: [a, b] } }, "$['data']['items']", [a, b]],
    ['JSONPath wildcard, several matches', { data: [a, b] }, '$.data[*]', [a, b]],
    ['JSONPath wildcard, one match is one record', { data: [a] }, '$.data[*]', [a]],
    ['JSONPath recursive, matches that are arrays are flattened', { x: { rows: [a] }, y: { rows: [b] } }, '$..rows', [a, b]],
    ['JSONPath wildcard over an empty array', { data: [] }, '$.data[*]', []],
    ['JSONPath filter matching nothing', { data: [{ active: false }] }, '$.data[?(@.active == true)]', []],
    ['JSONPath filter matching some', { data: [{ ...a, on: true }, b] }, '$.data[?(@.on)]', [{ ...a, on: true }]],
    ['empty array', { data: [] }, 'data', []],
  ])('%s', (_name, body, selector, records) => {
    expect(selectRecords(body, selector, WHERE)).toEqual(records);
  });

  test.each<[string, unknown, string | string[], string]>([
    ['missing dot path', { items: [], meta: {}, total: 0 }, 'data', `${WHERE}: data_selector "data" not found in response; top-level keys: items, meta, total`],
    ['missing key list', { Response: {} }, ['Response', 'Items'], `${WHERE}: data_selector "Response.Items" not found in response; top-level keys: Response`],
    ['null at path', { data: null }, 'data', `${WHERE}: data_selector "data" not found in response; top-level keys: data`],
    ['JSONPath wildcard under a missing key', { a: 1 }, '$.data[*]', `${WHERE}: data_selector "$.data[*]" not found in response; top-level keys: a`],
    ['JSONPath without match', { a: 1 }, '$.data[*].x', `${WHERE}: data_selector "$.data[*].x" not found in response; top-level keys: a`],
    ['array body with a path', [a], 'data', `${WHERE}: data_selector "data" not found in response; the response body is an array of 1`],
    ['scalar at path', { data: 'oops' }, 'data', `${WHERE}: data_selector "data" selected a string "oops", expected an array or object`],
    ['number at path', { count: 3 }, 'count', `${WHERE}: data_selector "count" selected a number 3, expected an array or object`],
  ])('DataError: %s', (_name, body, selector, message) => {
    expect(() => selectRecords(body, selector, WHERE)).toThrow(DataError);
    expect(() => selectRecords(body, selector, WHERE)).toThrow(message);
  });
});

describe('selectRecords auto-detection (no selector)', () => {
  test.each<[string, unknown, unknown[]]>([
    ['array body', [a, b], [a, b]],
    ['data key', { data: [a], meta: { total: 1 } }, [a]],
    ['results key preferred by order over a second list', { results: [a], others: [b] }, [a]],
    ['items key holding scalars', { items: [1, 2] }, [1, 2]],
    ['value key (OData)', { '@odata.context': 'x', value: [a, b] }, [a, b]],
    ['hits key', { took: 3, hits: [a] }, [a]],
    ['one level down', { data: { items: [a, b], cursor: 'x' } }, [a, b]],
    ['one level down under another key', { response: { records: [b] } }, [b]],
    ['single array of objects under an unknown key', { users: [a, b], count: 2 }, [a, b]],
    ['single empty array under an unknown key', { users: [], count: 0 }, []],
    ['two arrays of objects: the object is one record', { users: [a], groups: [b] }, [{ users: [a], groups: [b] }]],
    ['array of scalars under an unknown key: one record', { id: 1, tags: ['x'] }, [{ id: 1, tags: ['x'] }]],
    ['plain object: one record', { id: 1, name: 'Ada' }, [{ id: 1, name: 'Ada' }]],
    ['empty body', null, []],
    ['empty string body', '', []],
  ])('%s', (_name, body, records) => {
    expect(selectRecords(body, undefined, WHERE)).toEqual(records);
    expect(findRecords(body)).toEqual(records);
  });

  test.each([
    ['string body', 'OK'],
    ['number body', 42],
  ])('DataError: %s', (_name, body) => {
    expect(() => selectRecords(body, undefined, WHERE)).toThrow(DataError);
    expect(() => selectRecords(body, undefined, WHERE)).toThrow(`${WHERE}: response body is`);
  });
});

describe('getPath', () => {
  const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x.y': 3 };
  test.each<[string, unknown]>([
    ['a.b.0.c', 1],
    ['$.a.b[1].c', 2],
    ['$.a.b[*].c', 1],
    ["$['x.y']", 3],
    ['a.missing.c', undefined],
    ['$', doc],
  ])('%s', (path, value) => {
    expect(getPath(doc, path)).toEqual(value);
  });
});
