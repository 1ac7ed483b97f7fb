import { differences, type SchemaContents } from '../../src/parity/compare';

const schema = (tables: Record<string, [Record<string, string>, number]>): SchemaContents =>
  new Map(Object.entries(tables).map(([t, [types, rows]]) => [t, { columns: Object.keys(types), types, rows }]));

/** The parity check's verdict: one line per difference between dlt's tables and rest-sync's. */
describe('parity differences', () => {
  const posts = { id: 'bigint', title: 'text' };
  test.each<[string, SchemaContents, SchemaContents, string[]]>([
    ['same tables, columns, types and rows', schema({ posts: [posts, 25] }), schema({ posts: [posts, 25] }), []],
    ['a table only dlt made', schema({ posts: [posts, 25], posts__tags: [{ value: 'text' }, 4] }), schema({ posts: [posts, 25] }), ['table posts__tags: only dlt (4 rows)']],
    ['row counts differ', schema({ posts: [posts, 15] }), schema({ posts: [posts, 16] }), ['table posts: dlt 15 rows, rest-sync 16']],
    ['columns differ', schema({ posts: [{ ...posts, _dlt_id: 'text' }, 1] }), schema({ posts: [{ ...posts, tags: 'jsonb' }, 1] }), ['table posts: columns only dlt has: _dlt_id', 'table posts: columns only rest-sync has: tags']],
    ['types differ', schema({ posts: [posts, 1] }), schema({ posts: [{ id: 'text', title: 'text' }, 1] }), ['table posts: types differ: id dlt bigint, rest-sync text']],
  ])('%s', (_name, dlt, rs, expected) => {
    expect(differences(dlt, rs)).toEqual(expected);
  });
});
