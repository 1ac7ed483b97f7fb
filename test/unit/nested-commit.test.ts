import type { Knex } from 'knex';
import { nestedCtes, type NestedPart } from '../../src/activities/store/nested-commit';

const part = (over: Partial<NestedPart>): NestedPart => ({
  schema: 's',
  table: 't',
  nested: [],
  clear: ['t__tags', 't__orders'],
  primaryKey: ['id'],
  loadId: 'load-2',
  columns: new Map([['id', 'bigint'], ['day', 'bigint']]),
  rows: [{ id: 1, day: 5 }],
  ...over,
});

/** Which root rows a merge page's nested deletes look for: by primary key, by merge_key of earlier loads, or none. */
describe('nestedCtes: the root rows whose nested rows a merge page drops', () => {
  test.each([
    ['primary key only', {}, ['id'], false],
    ['primary key and merge_key', { mergeKey: ['day'] }, ['id', 'day'], true],
    ['merge_key only', { primaryKey: [], mergeKey: ['day'] }, ['day'], true],
    ['a merge_key column the page lacks matches nothing', { primaryKey: [], mergeKey: ['region'] }, undefined, false],
    ['no rows', { rows: [] }, undefined, false],
    ['no nested table to clear', { clear: [] }, undefined, false],
  ] as [string, Partial<NestedPart>, string[] | undefined, boolean][])('%s', (_, over, keys, earlierOnly) => {
    const bindings: Knex.RawBinding[] = [];
    const ctes = nestedCtes(part(over), bindings);
    const nr = ctes.find((c) => c.startsWith('nr AS'));
    if (!keys) {
      expect(ctes).toEqual([]);
      return;
    }
    expect(nr).toBeDefined();
    // one DELETE per nested table, by root id, guarded by the state CTE
    expect(ctes.filter((c) => /^nd\d AS \(DELETE .* USING nr WHERE c\."_dlt_root_id" = nr\."_dlt_id" AND EXISTS \(SELECT 1 FROM st\)\)$/.test(c))).toHaveLength(2);
    // the key sets bound, in order; the merge_key part spares this load's rows
    const sets = bindings.filter((b) => typeof b === 'string' && b.startsWith('[')).map((b) => Object.keys(JSON.parse(b as string)[0]));
    expect(sets).toEqual(keys.map((k) => [k]));
    expect(nr!.includes('"_dlt_load_id" IS DISTINCT FROM ?::text')).toBe(earlierOnly);
    expect(bindings.includes('load-2')).toBe(earlierOnly);
    expect((nr!.match(/\?/g) ?? []).length).toBe(bindings.length);
  });
});

describe('nestedCtes: only the root rows the root write replaced or deleted lose their nested rows', () => {
  test.each([
    // insert-only leaving a key alone, or dedup_sort keeping the load's row, writes no root row for it
    ['the page rows the root write wrote (roots)', { roots: 'w_ins' }, ['k."_dlt_id" IN (SELECT "_dlt_id" FROM w_ins)'], ['SELECT "_dlt_id" FROM w_del']],
    ['and the rows a hard delete removed', { roots: 'w_ins', deleted: 'w_del' }, ['k."_dlt_id" IN (SELECT "_dlt_id" FROM w_ins)', 'UNION SELECT "_dlt_id" FROM w_del'], []],
    ['without roots (no root rows written): every key of the page', {}, [], ['w_ins', 'w_del']],
  ] as [string, Partial<NestedPart>, string[], string[]][])('%s', (_, over, has, lacks) => {
    const bindings: Knex.RawBinding[] = [];
    const rows = [{ id: 1, _dlt_id: 'r1' }];
    const nr = nestedCtes(part({ ...over, rows }), bindings).find((c) => c.startsWith('nr AS'))!;
    for (const s of has) expect(nr).toContain(s);
    for (const s of lacks) expect(nr).not.toContain(s);
    expect(JSON.parse(bindings[0] as string)).toEqual([over.roots ? { id: 1, _dlt_id: 'r1' } : { id: 1 }]);
  });
});
