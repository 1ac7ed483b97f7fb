import { ExactNumber } from '../../src/activities/http/json';
import { addRowIds, keyHash, rowHash } from '../../src/activities/store/row-id';

/** Expected ids computed by dlt 1.31 (`dlt.common.normalizers.json.helpers.get_row_hash`). */
describe("dlt's row ids", () => {
  test.each([
    ['a flat record', { id: 1, name: 'a' }, 'swX5JrcV4/PVUA'],
    // the _dlt_id values of a real dlt 1.31 scd2 load into Postgres
    ['scd2 load: {id: 1, v: a}', { id: 1, v: 'a' }, 'lknCZL/MuP9QCg'],
    ['scd2 load: {id: 2, v: c}', { id: 2, v: 'c' }, '4+hms21W+ey/mg'],
    ['nested values, dlt columns left out, parent fields kept', { id: 1, name: 'ä', nested: { z: 1, a: [1, 2.5, null, true] }, _dlt_load_id: 'x', _issues_id: 7 }, 'ZTZFKWLiUtRaNg'],
    [
      'floats, a 64-bit integer, escapes, keys in UTF-8 order',
      { v: 0.1, w: 1e-7, x: 1.5e300, big: new ExactNumber('12345678901234567890'), s: 'a"b\\c\n\u2028/\u00e9\u{1F600}', B: 1, é: 2 },
      'MmDO2zc5VIqz2A',
    ],
  ])('scd2 row hash: %s', (_what, record, id) => {
    expect(rowHash(record as Record<string, unknown>)).toBe(id);
  });

  test.each([
    ['one key column', { id: 1, name: 'a' }, ['id'], 'z5jIxXIbUnmbKw'],
    ['a compound key, in any order', { a: 1, b: 'x' }, ['b', 'a'], 'khlsLbyhkJKGeQ'],
  ])('upsert key hash: %s', (_what, row, pk, id) => {
    expect(keyHash(row, pk)).toBe(id);
  });

  test.each<[string, Parameters<typeof addRowIds>[0], Record<string, unknown>[], unknown]>([
    ['scd2: the row hash of record and parent fields', { writeDisposition: 'merge', merge: { strategy: 'scd2', scd2: { rowVersion: '_dlt_id' } }, primaryKey: [] }, [{ id: 1, v: 'a' }], rowHash({ id: 1, v: 'a', _p_id: 7 })],
    ['upsert: the key hash', { writeDisposition: 'merge', merge: { strategy: 'upsert' }, primaryKey: ['id'] }, [{ id: 1, v: 'a' }], keyHash({ id: 1 }, ['id'])],
    ['scd2 with its own row version column: none', { writeDisposition: 'merge', merge: { strategy: 'scd2', scd2: { rowVersion: 'ver' } }, primaryKey: [] }, [{ id: 1, ver: 3 }], undefined],
    ['append: none', { writeDisposition: 'append', primaryKey: ['id'] }, [{ id: 1 }], undefined],
  ])('row ids a page gets: %s', (_what, plan, records, id) => {
    const rows = records.map((r) => ({ ...r }));
    addRowIds(plan, records, rows, { _p_id: 7 });
    expect(rows[0]._dlt_id).toEqual(id);
  });

  test('scd2: a record without its row_version_column_name fails the page, naming it', () => {
    const plan = { writeDisposition: 'merge', merge: { strategy: 'scd2', scd2: { rowVersion: 'ver' } }, primaryKey: [] };
    expect(() => addRowIds(plan, [{ ver: 1 }, { id: 2 }], [{ ver: 1 }, { id: 2 }], undefined, 'resource "h" page 2')).toThrow(
      'resource "h" page 2: record 1 has no value for row_version_column_name "ver"',
    );
  });
});
