import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nestedRowId, randomRowIds } from '../../src/activities/store/dlt-ids';
import { normalizePage, type NormalizeOptions, type TablePage } from '../../src/activities/store/relational';
import { deep } from '../helpers/fuzz';
import { normalizeName } from '../../src/activities/store/names';

/**
 * The relational layout against dlt 1.31 itself: test/fixtures/relational/dlt-cases.py runs each
 * case through dlt's extract + normalize for Postgres and records the rows of every table in
 * dlt-cases.json. The records carry their own `_dlt_id` (dlt keeps it), so the nested rows' digest
 * ids must match byte for byte; the upsert cases carry none, their root ids being digests of their keys. dlt writes no column for a value that is only ever null; those
 * keys are left out on both sides.
 */
interface DltCase {
  case: { records: object[]; max_table_nesting?: number; write_disposition?: string | { disposition: string; strategy: string }; primary_key?: string | string[] };
  tables: Record<string, Record<string, unknown>[]>;
}
const CASES = JSON.parse(readFileSync(join(__dirname, '../fixtures/relational/dlt-cases.json'), 'utf8')) as Record<string, DltCase>;

function options(over: Partial<NormalizeOptions> = {}): NormalizeOptions {
  return { table: 'items', primaryKey: [], dedupe: false, where: 'resource "items" page 1', rootKey: false, ...over };
}

function withoutNulls(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined)));
}

function byTable(pages: TablePage[]): Record<string, Record<string, unknown>[]> {
  return Object.fromEntries(pages.map((p) => [p.table, withoutNulls(p.rows)]));
}

describe('relational normalizer, as dlt 1.31 normalizes', () => {
  test.each(Object.entries(CASES))('%s', (_name, { case: c, tables }) => {
    const wd = c.write_disposition;
    const merge = wd === 'merge' || (typeof wd === 'object' && wd.disposition === 'merge');
    const upsert = typeof wd === 'object' && wd.strategy === 'upsert';
    const pages = normalizePage(structuredClone(c.records), options({
      maxNesting: c.max_table_nesting,
      rootKey: merge,
      primaryKey: [c.primary_key ?? []].flat().map(normalizeName),
      dedupe: merge,
      rootIds: upsert ? 'key_hash' : 'random',
    }));
    const expected = Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, withoutNulls(rows)]));
    expect(byTable(pages)).toEqual(expected);
  });

  test('root rows get random ids of 10 bytes in base64 (14 characters, the last one of 4), as generate_dlt_id', () => {
    const ids = randomRowIds(1000);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(Buffer.from(id, 'base64').toString('base64')).toBe(`${id}==`);
    expect(new Set(ids.map((id) => id[13])).size).toBe(4);
  });

  test('nested row ids are digest128 of `<parent id>_<table>_<index>` (value from dlt)', () => {
    expect(nestedRowId('v8A1O1aRmOkipw', 'items__t', 0)).toBe('bithhcuU4Hv8Nw');
    expect(nestedRowId('v8A1O1aRmOkipw', 'items__t', 1)).toBe('x8qzotmJxcAFZg');
  });
});

describe('relational normalizer, what rest-sync adds', () => {
  test('a flat page keeps its records as rows, uncopied, each with a random _dlt_id', () => {
    const records = [{ id: 1, name: 'a' }, { id: 2, name: 'b' }];
    const [page, ...rest] = normalizePage(records, options());
    expect(rest).toEqual([]);
    expect(page.rows[0]).toBe(records[0]);
    expect(page.rows.map((r) => typeof r._dlt_id)).toEqual(['string', 'string']);
    expect(page.types.get('_dlt_id')).toBe('text');
  });

  test.each([
    ['0 keeps nested values whole (jsonb), with no copy', 0, ['items']],
    ['unset unnests (dlt default 1000)', undefined, ['items', 'items__tags']],
  ])('max_table_nesting %s', (_name, maxNesting, tables) => {
    const records = [{ id: 1, address: { city: 'B' }, tags: ['x'] }];
    const pages = normalizePage(records, options({ maxNesting }));
    expect(pages.map((p) => p.table)).toEqual(tables);
    if (maxNesting === 0) expect(pages[0].rows[0]).toBe(records[0]);
  });

  test('child rows link to their root row: parent id, list index, root id under merge', () => {
    const [root, tags] = normalizePage([{ id: 1, tags: [{ n: 'a' }, { n: 'b' }] }], options({ rootKey: true, primaryKey: ['id'], dedupe: true }));
    const id = root.rows[0]._dlt_id as string;
    expect(tags.rows).toEqual([
      { n: 'a', _dlt_root_id: id, _dlt_parent_id: id, _dlt_list_idx: 0, _dlt_id: nestedRowId(id, 'items__tags', 0) },
      { n: 'b', _dlt_root_id: id, _dlt_parent_id: id, _dlt_list_idx: 1, _dlt_id: nestedRowId(id, 'items__tags', 1) },
    ]);
    expect(tags.parent).toBe('items');
    expect(tags.types.get('_dlt_list_idx')).toBe('bigint');
  });

  test('merge collapses a duplicate key with its nested rows: only the last record\'s list lands', () => {
    const pages = normalizePage([{ id: 1, tags: ['old', 'older'] }, { id: 1, tags: ['new'] }], options({ rootKey: true, primaryKey: ['id'], dedupe: true }));
    expect(pages[0].rows).toHaveLength(1);
    expect(pages[1].rows.map((r) => r.value)).toEqual(['new']);
    expect(pages[1].rows[0]._dlt_root_id).toBe(pages[0].rows[0]._dlt_id);
  });

  test('merge with key_hash ids: a duplicate key keeps only the last record\'s nested rows too', () => {
    const pages = normalizePage([{ id: 1, tags: ['old'] }, { id: 1, tags: ['new'] }], options({ rootKey: true, primaryKey: ['id'], dedupe: true, rootIds: 'key_hash' }));
    expect(pages[1].rows.map((r) => r.value)).toEqual(['new']);
  });

  test('a column hinted json keeps its object whole, as dlt keeps a json column', () => {
    const [root, ...rest] = normalizePage([{ id: 1, meta: { a: 1 }, other: { b: 2 } }], options({ jsonColumns: new Set(['meta']) }));
    expect(rest).toEqual([]);
    expect(root.rows[0]).toMatchObject({ meta: { a: 1 }, other__b: 2 });
    expect(root.types.get('meta')).toBe('jsonb');
  });

  test('two keys normalizing to one name still get two columns in a nested page', () => {
    const [root] = normalizePage([{ 'a b': 1, a_b: 2, x: { y: 1 } }], options());
    expect(root.rows[0]).toMatchObject({ a_b: 1, a_b_1: 2, x__y: 1 });
  });

  test('a nested page gives each warning once: replaced characters, colliding keys', () => {
    const warnings: string[] = [];
    normalizePage([{ id: 1, 'a b': 1, a_b: 2, s: 'x\u0000', n: { m: 'y\u0000' } }], options({ warn: (m) => warnings.push(m) }));
    expect(warnings).toEqual([
      'resource "items" page 1: key "a_b" goes to column "a_b_1": its name is taken by key "a b"',
      'resource "items" page 1: replaced NUL bytes and lone surrogates with U+FFFD (Postgres cannot store them) in column "s" (1), "n" (1)',
    ]);
  });

  test('include_from_parent columns go on the root row only', () => {
    const [root, tags] = normalizePage([{ id: 1, tags: ['t'] }], options({ extra: { _parent_id: 9 } }));
    expect(root.rows[0]._parent_id).toBe(9);
    expect(tags.rows[0]._parent_id).toBeUndefined();
  });

  test('JSON nested 500 levels (lists and objects alternating) unnests into 250 tables, names within 63 bytes', () => {
    const pages = normalizePage([{ id: 1, tree: deep(500, 'leaf') }], options());
    expect(pages).toHaveLength(251);
    for (const p of pages) expect(Buffer.byteLength(p.table)).toBeLessThanOrEqual(63);
    expect(pages[250].rows[0]).toMatchObject({ a: 'leaf' });
  });

  test('a `__proto__` key is a column like any other, and pollutes nothing', () => {
    const record = JSON.parse('{"id": 1, "__proto__": 5, "x": {"__proto__": {"p": true}}}');
    const [root] = normalizePage([record], options());
    expect(root.rows[0]).toMatchObject({ proto: 5, x__proto__p: true });
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });
});
