import { normalizeName, quoteIdent, shorten } from '../../src/activities/store/names';
import { fits, typeOfValue, widen } from '../../src/activities/store/types';

describe('normalizeName (dlt snake_case)', () => {
  test.each([
    ['createdAt', 'created_at'],
    ['ID', 'id'],
    ['HTTPStatus', 'http_status'],
    ['Response Items', 'response_items'],
    ['_dlt_id', '_dlt_id'],
    ['trailing__', 'trailing'],
    ['1st', '_1st'],
    ['naïve-name', 'na_ve_name'],
    ['a"b;drop table x', 'a_b_drop_table_x'],
  ])('%s → %s', (raw, want) => expect(normalizeName(raw)).toBe(want));

  test('long names stay under 63 bytes and two long names sharing a prefix stay distinct', () => {
    const a = normalizeName('x'.repeat(100) + 'a');
    const b = normalizeName('x'.repeat(100) + 'b');
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(normalizeName('x'.repeat(100) + 'a')).toBe(a);
    expect(shorten('é'.repeat(40)).length).toBeLessThan(40);
  });

  test('quoteIdent doubles quotes', () => expect(quoteIdent('a"b')).toBe('"a""b"'));
});

describe('column types from values', () => {
  test.each([
    [1, 'bigint'],
    [1.5, 'double precision'],
    [true, 'boolean'],
    ['2024-01-01T00:00:00Z', 'timestamptz'],
    ['2024-01-01', 'text'],
    ['hello', 'text'],
    [{ a: 1 }, 'jsonb'],
    [[1], 'jsonb'],
    [null, undefined],
  ])('%p → %p', (v, t) => expect(typeOfValue(v)).toBe(t));

  test.each([
    ['bigint', 'double precision', 'double precision'],
    ['bigint', 'text', 'text'],
    ['boolean', 'bigint', 'text'],
    ['jsonb', 'text', 'text'],
    ['timestamptz', 'text', 'text'],
  ] as const)('widen(%s, %s) = %s', (a, b, want) => expect(widen(a, b)).toBe(want));

  test('fits', () => {
    expect(fits('bigint', 'double precision')).toBe(true);
    expect(fits('text', 'bigint')).toBe(false);
    expect(fits('jsonb', 'text')).toBe(true);
  });
});
