import { useSyncRuns } from '../helpers/sync-runs';

/**
 * Two syncs of records with lists, in pages: run 1 loads days 1 and 2, run 2 loads day 1 again
 * with other records in two pages. Page 1 of run 2 deletes run 1's day-1 rows by merge_key; page 2
 * spares page 1's rows (same load).
 */
const RUNS = [
  [[
    { id: 1, day: 1, tags: ['a', 'b'], orders: [{ no: 1, items: [{ sku: 'x' }] }] },
    { id: 2, day: 1, tags: ['c'], orders: [] },
    { id: 3, day: 2, tags: ['d'], orders: [{ no: 3, items: [{ sku: 'w' }] }] },
  ]],
  [[{ id: 4, day: 1, tags: ['e'], orders: [{ no: 4, items: [{ sku: 'v' }] }] }], [{ id: 5, day: 1, tags: ['f'], orders: [] }]],
];

/**
 * dlt's delete-insert with a merge_key, end to end (Temporal workflows into Postgres): the root rows
 * of earlier loads that the merge_key deletes lose their rows in every child table in the same
 * page statement, with or without a primary_key, as dlt's merge deletes nested rows by the root
 * rows both keys delete.
 */
describe('merge_key deletes take their child rows', () => {
  const runs = useSyncRuns({
    runs: RUNS.length,
    dataset: 'nested_mk',
    routes: (s) => [
      {
        path: '/events',
        handler: (req) => {
          const page = Number(req.query.get('page') ?? 1);
          const next = page < RUNS[s.run].length ? `${s.url}/events?page=${page + 1}` : null;
          return { body: { data: RUNS[s.run][page - 1], next } };
        },
      },
    ],
    source: (s) => ({
      client: { base_url: s.url },
      resource_defaults: { write_disposition: 'merge', merge_key: 'day', endpoint: { path: '/events', data_selector: 'data', paginator: { type: 'json_link', next_url_path: 'next' } } },
      resources: [{ name: 'keyed', primary_key: 'id' }, { name: 'unkeyed' }],
    }),
  });
  const rows = runs.rows;

  test.each(['keyed', 'unkeyed'])('%s: day 1 holds run 2 only, in the root table and every child table; day 2 keeps its rows', async (table) => {
    expect(runs.outcomes.filter((o) => o instanceof Error)).toEqual([]);
    expect(await rows(`SELECT id, day FROM nested_mk.${table} ORDER BY id`)).toEqual([{ id: 3, day: 2 }, { id: 4, day: 1 }, { id: 5, day: 1 }]);
    const byRoot = (child: string, col: string) =>
      rows(`SELECT u.id, c.${col} AS v FROM nested_mk.${table} u JOIN nested_mk.${table}__${child} c ON c._dlt_root_id = u._dlt_id ORDER BY u.id, c._dlt_list_idx, v`);
    expect(await byRoot('tags', 'value')).toEqual([{ id: 3, v: 'd' }, { id: 4, v: 'e' }, { id: 5, v: 'f' }]);
    expect(await byRoot('orders', 'no')).toEqual([{ id: 3, v: 3 }, { id: 4, v: 4 }]);
    expect(await byRoot('orders__items', 'sku')).toEqual([{ id: 3, v: 'w' }, { id: 4, v: 'v' }]);
    for (const child of ['tags', 'orders', 'orders__items']) {
      const orphans = await rows(`SELECT count(*)::int AS n FROM nested_mk.${table}__${child} c WHERE NOT EXISTS (SELECT 1 FROM nested_mk.${table} u WHERE u._dlt_id = c._dlt_root_id)`);
      expect({ child, orphans }).toEqual({ child, orphans: [{ n: 0 }] });
    }
  });
});
