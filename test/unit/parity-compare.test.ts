import { differences, type SchemaContents } from '../../src/parity/compare';

const schema = (tables: Record<string, [Record<string, string>, number]>): SchemaContents =>
  new Map(Object.entries(tables).map(([t, [types, rows]]) => [t, { columns: Object.keys(types), types, rows }]));

/** The parity check's verdict: one line per difference between dlt's tables and rest-sync's. */
describe('parity differences', () => {
  const posts = { id: 'bigint', title: 'character varying' };
  test.each<[string, SchemaContents, SchemaContents, string[]]>([
    ['same tables, columns, types and rows', schema({ posts: [posts, 25] }), schema({ posts: [posts, 25] }), []],
    ['a table only dlt made', schema({ posts: [posts, 25], posts__tags: [{ value: 'character varying' }, 4] }), schema({ posts: [posts, 25] }), ['table posts__tags: only dlt (4 rows)']],
    ['row counts differ', schema({ posts: [posts, 15] }), schema({ posts: [posts, 16] }), ['table posts: dlt 15 rows, rest-sync 16']],
    ['columns differ', schema({ posts: [{ ...posts, _dlt_id: 'character varying' }, 1] }), schema({ posts: [{ ...posts, tags: 'jsonb' }, 1] }), ['table posts: columns only dlt has: _dlt_id', 'table posts: columns only rest-sync has: tags']],
    ['types differ', schema({ posts: [posts, 1] }), schema({ posts: [{ id: 'character varying', title: 'character varying' }, 1] }), ['table posts: types differ: id dlt bigint, rest-sync character varying']],
    [
      'declared sizes differ',
      schema({ posts: [{ id: 'bigint', title: 'character varying(5)' }, 1] }),
      schema({ posts: [{ id: 'bigint', title: 'character varying' }, 1] }),
      ['table posts: types differ: title dlt character varying(5), rest-sync character varying'],
    ],
    [
      'NOT NULL differs',
      schema({ posts: [{ id: 'bigint not null', title: 'character varying' }, 1] }),
      schema({ posts: [{ id: 'bigint', title: 'character varying' }, 1] }),
      ['table posts: types differ: id dlt bigint not null, rest-sync bigint'],
    ],
  ])('%s', (_name, dlt, rs, expected) => {
    expect(differences(dlt, rs)).toEqual(expected);
  });
});
