import { useSyncRuns } from '../helpers/sync-runs';

/** Users with nested data, as run 1 and run 2 of the API serve them (run 2 changes user 1's lists). */
const USERS = [
  [
    { id: 1, profile: { city: 'Berlin' }, tags: ['a', 'b'], orders: [{ no: 1, items: [{ sku: 'x' }, { sku: 'y' }] }] },
    { id: 2, profile: { city: 'Oslo' }, tags: ['c'], orders: [] },
  ],
  [{ id: 1, profile: { city: 'Paris' }, tags: ['z'], orders: [{ no: 2, items: [] }] }],
];

/**
 * dlt's relational layout end to end: Temporal workflows and activities into Postgres, two syncs
 * of the same API. Under merge a changed record's old child rows are gone from every child table
 * and the others keep theirs; under replace the whole tree is the second run's.
 */
describe('nested data through two syncs', () => {
  const runs = useSyncRuns({
    runs: USERS.length,
    dataset: 'nested',
    routes: (s) => [{ path: '/users', handler: () => ({ body: { data: USERS[s.run] } }) }],
    source: (s) => {
      const resource = (name: string, write_disposition: string) => ({ name, write_disposition, primary_key: 'id', endpoint: { path: '/users', data_selector: 'data', paginator: 'single_page' } });
      return { client: { base_url: s.url }, resources: [resource('merged', 'merge'), resource('replaced', 'replace')] };
    },
  });
  const rows = runs.rows;
  /** Each user's values in a child table, through the `_dlt_root_id` / `_dlt_parent_id` links. */
  const byUser = (table: string, child: string, col: string, link = '_dlt_parent_id') =>
    rows(`SELECT u.id, c.${col} AS v FROM nested.${table} u JOIN nested.${table}__${child} c ON c.${link} = u._dlt_id ORDER BY u.id, c._dlt_list_idx`);

  test('merge: user 1 has only its new lists, in every child table; user 2 keeps its own', async () => {
    expect(runs.outcomes.filter((o) => o instanceof Error)).toEqual([]);
    expect(await rows(`SELECT id, profile__city FROM nested.merged ORDER BY id`)).toEqual([{ id: 1, profile__city: 'Paris' }, { id: 2, profile__city: 'Oslo' }]);
    expect(await byUser('merged', 'tags', 'value')).toEqual([{ id: 1, v: 'z' }, { id: 2, v: 'c' }]);
    expect(await byUser('merged', 'orders', 'no')).toEqual([{ id: 1, v: 2 }]);
    expect(await rows(`SELECT count(*)::int AS n FROM nested.merged__orders__items`)).toEqual([{ n: 0 }]);
    // no child row is left without its root row
    for (const child of ['tags', 'orders', 'orders__items']) {
      const orphans = await rows(`SELECT count(*)::int AS n FROM nested.merged__${child} c WHERE NOT EXISTS (SELECT 1 FROM nested.merged u WHERE u._dlt_id = c._dlt_root_id)`);
      expect(orphans).toEqual([{ n: 0 }]);
    }
  });

  test('replace: every table of the tree holds the second run only; no staging table is left', async () => {
    expect(await rows(`SELECT id, profile__city FROM nested.replaced`)).toEqual([{ id: 1, profile__city: 'Paris' }]);
    expect(await byUser('replaced', 'tags', 'value')).toEqual([{ id: 1, v: 'z' }]);
    expect(await byUser('replaced', 'orders', 'no')).toEqual([{ id: 1, v: 2 }]);
    expect(await rows(`SELECT count(*)::int AS n FROM nested.replaced__orders__items`)).toEqual([{ n: 0 }]);
    const tables = await rows(`SELECT tablename FROM pg_tables WHERE schemaname = 'nested' AND tablename LIKE 'replaced%' ORDER BY 1`);
    expect(tables.map((t) => t.tablename)).toEqual(['replaced', 'replaced__orders', 'replaced__orders__items', 'replaced__tags']);
  });
});
