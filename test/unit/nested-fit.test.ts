import { fitNested, type FitTable } from '../../src/activities/fetch/nested-fit';
import type { TablePage } from '../../src/activities/store/relational';

/** t → t__a → t__a__b: two rows per table, each child row under the parent row of its index. */
const page = (table: string, parent: string, ids: string[], parents: string[]): TablePage => ({
  table,
  parent,
  rows: ids.map((id, i) => ({ _dlt_id: id, _dlt_parent_id: parents[i], v: id })),
  types: new Map([['v', 'text']]),
  keys: new Map(),
});
const PAGES = [page('t__a', 't', ['a1', 'a2'], ['r1', 'r2']), page('t__a__b', 't__a', ['b1', 'b2'], ['a1', 'a2'])];

/** A fit that drops the rows whose id `drop` names, or refuses a whole table. */
const fitDropping = (drop: string[], discard?: string): FitTable => (w) =>
  w.table === discard ? { ...w, rows: [], added: new Map(), discarded: true } : { ...w, rows: w.rows.filter((r) => !drop.includes(r._dlt_id as string)), added: new Map() };

describe('fitNested: a nested row whose parent row did not get through is dropped, with its own children (dlt stops descending)', () => {
  test.each([
    ['nothing dropped', [], [], undefined, { t__a: ['a1', 'a2'], t__a__b: ['b1', 'b2'] }],
    ['a root row dropped', ['r1'], [], undefined, { t__a: ['a2'], t__a__b: ['b2'] }],
    ['every root row dropped', ['r1', 'r2'], [], undefined, {}],
    ['a child row dropped by the contract', [], ['a2'], undefined, { t__a: ['a1'], t__a__b: ['b1'] }],
    ['a grandchild row dropped', [], ['b1'], undefined, { t__a: ['a1', 'a2'], t__a__b: ['b2'] }],
    ['a child table refused whole', [], [], 't__a', {}],
    ['a grandchild table refused whole', [], [], 't__a__b', { t__a: ['a1', 'a2'] }],
  ] as [string, string[], string[], string | undefined, Record<string, string[]>][])('%s', (_, rootDropped, drop, discard, want) => {
    const fitted = fitNested(PAGES, 't', new Set(rootDropped), fitDropping(drop, discard));
    expect(Object.fromEntries(fitted.map((f) => [f.page.table, f.write.rows.map((r) => r._dlt_id)]))).toEqual(want);
  });

  test('no nested pages: no work', () => {
    expect(fitNested([], 't', new Set(['r1']), () => { throw new Error('not called'); })).toEqual([]);
  });
});
