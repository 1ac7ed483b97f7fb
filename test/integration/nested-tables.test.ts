import type { Knex } from 'knex';
import { createPageSink } from '../../src/activities/fetch/sink';
import { claimState, ensureStateTables, type StateRow } from '../../src/activities/store/state';
import { resetStaging, stagingTable, swapStaging } from '../../src/activities/store/dataset';
import { NameCache } from '../../src/activities/store/names';
import { dropResources } from '../../src/activities/store/admin';
import { sweepNewNested } from '../../src/activities/store/nested-tables';
import type { ResourcePlan, WriteDisposition } from '../../src/plan/types';
import type { FetchPagesInput } from '../../src/activities/types';
import { resourcePlan } from '../helpers/page-sink';
import { useTestSchema } from '../helpers/env';

/** the load id the sink writes as `_dlt_load_id` (a sync's, made by prepareSync in a real sync) */
const LOAD_ID = '1700000000.0';

const SCHEMA = 'nested';

/**
 * dlt's relational layout through the real page sink against real Postgres: nested tables land in
 * the page's one statement (all or nothing, once under retries), merge drops the nested rows of the
 * root rows it replaces, replace stages and swaps the whole tree.
 */
describe('nested tables against real Postgres', () => {
  const database = useTestSchema(SCHEMA, ensureStateTables);

  const resource = (name: string, disposition: WriteDisposition, over: Partial<ResourcePlan> = {}): ResourcePlan =>
    resourcePlan(name, { writeDisposition: disposition, primaryKey: disposition === 'append' ? [] : ['id'], ...over });

  /** One run of `res`: its state claimed for `syncId` (a replace's staging reset), then each page committed through the sink. */
  async function run(res: ResourcePlan, syncId: string, pages: object[][], loadId = LOAD_ID): Promise<StateRow> {
    let state = await claimState(database.db, SCHEMA, res.name, syncId, {}, async (trx) => {
      if (res.writeDisposition === 'replace') await resetStaging(trx, SCHEMA, res.table);
    });
    const input = { dataset: SCHEMA, syncId, resource: res, maxPages: 100, maxSeconds: 60 } as unknown as FetchPagesInput;
    const table = res.writeDisposition === 'replace' ? stagingTable(res.table) : res.table;
    const sink = await createPageSink({ db: database.db, names: new NameCache() } as never, input, { kind: 'whole' }, SCHEMA, table, loadId);
    for (const [i, records] of pages.entries()) {
      state = (await sink.commit(state, { token: { page: i } }, { records: structuredClone(records), next: i + 1 < pages.length ? { page: i + 1 } : null }))!;
    }
    if (res.writeDisposition === 'replace') await swapStaging(database.db, SCHEMA, res.table);
    return state;
  }

  const rows = async (sql: string) => (await database.db.raw(sql)).rows;
  const values = async (table: string, col = 'value') => (await rows(`SELECT ${col} AS v FROM ${SCHEMA}.${table} ORDER BY _dlt_parent_id, _dlt_list_idx`)).map((r: { v: unknown }) => r.v);
  const tables = async (prefix: string) =>
    (await rows(`SELECT tablename FROM pg_tables WHERE schemaname = '${SCHEMA}' AND tablename LIKE '${prefix}%' ORDER BY 1`)).map((r: { tablename: string }) => r.tablename);

  test('nested objects become parent__child columns, lists child tables linked by _dlt_parent_id / _dlt_root_id', async () => {
    await run(resource('users', 'merge'), 's1', [[
      { id: 1, address: { city: 'Berlin', geo: { lat: 1.5 } }, tags: ['a', 'b'], orders: [{ no: 7, items: [{ sku: 'x' }, { sku: 'y' }] }] },
      { id: 2, address: { city: 'Oslo' }, tags: ['c'] },
    ]]);
    expect(await tables('users')).toEqual(['users', 'users__orders', 'users__orders__items', 'users__tags']);
    expect(await rows(`SELECT id, address__city, address__geo__lat FROM ${SCHEMA}.users ORDER BY id`)).toEqual([
      { id: 1, address__city: 'Berlin', address__geo__lat: 1.5 },
      { id: 2, address__city: 'Oslo', address__geo__lat: null },
    ]);
    const linked = await rows(`SELECT u.id, t.value FROM ${SCHEMA}.users u JOIN ${SCHEMA}.users__tags t ON t._dlt_parent_id = u._dlt_id AND t._dlt_root_id = u._dlt_id ORDER BY 1, t._dlt_list_idx`);
    expect(linked).toEqual([{ id: 1, value: 'a' }, { id: 1, value: 'b' }, { id: 2, value: 'c' }]);
    expect(await values('users__orders__items', 'sku')).toEqual(['x', 'y']);
  });

  test('merge, a second run: a replaced root row loses its old nested rows in every table, others keep theirs', async () => {
    await run(resource('users', 'merge'), 's2', [[{ id: 1, tags: ['z'], orders: [] }]]);
    expect(await rows(`SELECT u.id, t.value FROM ${SCHEMA}.users u JOIN ${SCHEMA}.users__tags t ON t._dlt_root_id = u._dlt_id ORDER BY 1, 2`)).toEqual([
      { id: 1, value: 'z' },
      { id: 2, value: 'c' },
    ]);
    expect((await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}.users__tags`))[0].n).toBe(2);
    expect((await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}.users__orders`))[0].n).toBe(0);
    expect((await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}.users__orders__items`))[0].n).toBe(0);
  });

  test.each(['merge', 'append', 'replace'] as const)('%s: a page committed twice (a retried attempt) lands once in every table', async (disposition) => {
    const res = resource(`retry_${disposition}`, disposition);
    const state = await claimState(database.db, SCHEMA, res.name, 'r1', {}, async (trx) => {
      if (disposition === 'replace') await resetStaging(trx, SCHEMA, res.table);
    });
    const table = disposition === 'replace' ? stagingTable(res.table) : res.table;
    const input = { dataset: SCHEMA, syncId: 'r1', resource: res, maxPages: 100, maxSeconds: 60 } as unknown as FetchPagesInput;
    const page = { records: [{ id: 1, tags: ['a', 'b'], more: [{ x: [1] }] }], next: null };
    const sink = await createPageSink({ db: database.db, names: new NameCache() } as never, input, { kind: 'whole' }, SCHEMA, table, LOAD_ID);
    expect(await sink.commit(state, { token: {} }, structuredClone(page))).toBeDefined();
    // the retried attempt read the state before the first commit: its guard matches nothing
    expect(await sink.commit(state, { token: {} }, structuredClone(page))).toBeUndefined();
    const count = async (t: string) => (await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}."${disposition === 'replace' ? `${t}__staging_` : t}"`))[0].n;
    expect((await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}."${table}"`))[0].n).toBe(1);
    expect([await count(`${res.name}__tags`), await count(`${res.name}__more`), await count(`${res.name}__more__x`)]).toEqual([2, 1, 1]);
  });

  test('a page whose nested rows fail lands in no table and does not move its token', async () => {
    const res = resource('atomic', 'append');
    await run(res, 'a1', [[{ id: 1, tags: ['ok'] }]]);
    await database.db.raw(`ALTER TABLE ${SCHEMA}.atomic__tags ADD CONSTRAINT no_boom CHECK (value <> 'boom')`);
    await expect(run(res, 'a2', [[{ id: 2, tags: ['fine', 'boom'] }]])).rejects.toThrow(/no_boom/);
    expect(await rows(`SELECT id FROM ${SCHEMA}.atomic`)).toEqual([{ id: 1 }]);
    expect(await values('atomic__tags')).toEqual(['ok']);
    expect((await rows(`SELECT pages FROM ${SCHEMA}._rest_sync_state WHERE resource = 'atomic'`))[0].pages).toBe(0);
  });

  test('replace: the whole tree is staged and swapped; a nested table the new run brings nothing to is emptied', async () => {
    const res = resource('catalog', 'replace');
    await run(res, 'c1', [[{ id: 1, tags: ['a'], parts: [{ n: 1 }] }], [{ id: 2, tags: ['b'] }]]);
    expect(await values('catalog__tags')).toHaveLength(2);
    await run(res, 'c2', [[{ id: 3, tags: ['c'] }]]);
    expect(await rows(`SELECT id FROM ${SCHEMA}.catalog`)).toEqual([{ id: 3 }]);
    expect(await values('catalog__tags')).toEqual(['c']);
    expect((await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}.catalog__parts`))[0].n).toBe(0);
    expect(await tables('catalog')).toEqual(['catalog', 'catalog__parts', 'catalog__tags']);
  });

  test.each([
    [0, ['depth'], { a: { b: 1 }, l: [1] }],
    [1, ['depth', 'depth__l'], { a__b: 1 }],
  ])('max_table_nesting %i', async (maxTableNesting, expectedTables, columns) => {
    const name = `depth${maxTableNesting}`;
    await run(resource(name, 'append', { maxTableNesting }), 'd1', [[{ a: { b: 1 }, l: [1] }]]);
    expect(await tables(name)).toEqual(expectedTables.map((t) => t.replace('depth', name)));
    expect(await rows(`SELECT ${Object.keys(columns).join(', ')} FROM ${SCHEMA}.${name}`)).toEqual([columns]);
  });

  test('a full refresh (drop_resources) drops the nested tables with their root table', async () => {
    await run(resource('dropped', 'replace'), 'f1', [[{ id: 1, tags: ['a'], more: [{ x: [1] }] }]]);
    expect(await tables('dropped')).toEqual(['dropped', 'dropped__more', 'dropped__more__x', 'dropped__tags']);
    await dropResources(database.db, SCHEMA, [{ name: 'dropped', table: 'dropped' }]);
    expect(await tables('dropped')).toEqual([]);
  });

  test('merge, parallel windows: nested rows a window could not clear (their table appeared after it started) are swept when the resource finishes', async () => {
    const res = resource('windows', 'merge');
    const input = { dataset: SCHEMA, syncId: 'w1', resource: res, maxPages: 100, maxSeconds: 60 } as unknown as FetchPagesInput;
    const window = (index: number) => ({ kind: 'window' as const, index, count: 2, from: 0 });
    const open = async (index: number) => {
      const state = await claimState(database.db, SCHEMA, `windows#w${index}`, 'w1', {});
      return { state, sink: await createPageSink({ db: database.db, names: new NameCache() } as never, input, window(index), SCHEMA, 'windows', LOAD_ID) };
    };
    const a = await open(0); // started before any nested table exists
    const b = await open(1);
    await b.sink.commit(b.state, { token: 1 }, { records: [{ id: 5, tags: ['old'] }], next: null });
    await a.sink.commit(a.state, { token: 0 }, { records: [{ id: 5, tags: [] }], next: null });
    expect(await values('windows__tags')).toEqual(['old']); // window A did not know the table
    expect(await sweepNewNested(database.db, SCHEMA, 'windows', 'w1')).toBe(1);
    expect(await values('windows__tags')).toEqual([]);
    // a later sync sweeps only the tables it created: this one existed before it
    expect(await sweepNewNested(database.db, SCHEMA, 'windows', 'w2')).toBe(0);
  });

  test('merge, two windows replacing one key at once: the later page waits for the earlier one and deletes its child rows (none left behind)', async () => {
    const res = resource('racing', 'merge');
    await run(res, 'r1', [[{ id: 7, tags: ['v0'] }]]);
    const input = { dataset: SCHEMA, syncId: 'r2', resource: res, maxPages: 100, maxSeconds: 60 } as unknown as FetchPagesInput;
    const window = (index: number) => ({ kind: 'window' as const, index, count: 2, from: 0 });
    const open = async (index: number, on: Knex) => {
      const state = await claimState(database.db, SCHEMA, `racing#w${index}`, 'r2', {});
      return { state, sink: await createPageSink({ db: on, names: new NameCache() } as never, input, window(index), SCHEMA, 'racing', LOAD_ID) };
    };
    // window A's page statement has run but its transaction is still open (a commit in flight)
    const trx = await database.db.transaction();
    const a = await open(0, trx);
    const b = await open(1, database.db);
    expect(await a.sink.commit(a.state, { token: 0 }, { records: [{ id: 7, tags: ['a1', 'a2'] }], next: null })).toBeDefined();
    const later = b.sink.commit(b.state, { token: 1 }, { records: [{ id: 7, tags: ['b1'] }], next: null });
    // B is waiting on A (a lock), then A commits
    for (let i = 0; i < 200 && !(await rows(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).length; i++) await new Promise((r) => setTimeout(r, 10));
    await trx.commit();
    expect(await later).toBeDefined();
    expect(await rows(`SELECT u.id, t.value FROM ${SCHEMA}.racing u JOIN ${SCHEMA}.racing__tags t ON t._dlt_root_id = u._dlt_id ORDER BY 2`)).toEqual([{ id: 7, value: 'b1' }]);
    expect(await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}.racing__tags t WHERE NOT EXISTS (SELECT 1 FROM ${SCHEMA}.racing u WHERE u._dlt_id = t._dlt_root_id)`)).toEqual([{ n: 0 }]);
  });

  test.each([
    ['delete-insert: a later load replaces the row and its child rows', {}, [[[{ id: 1, tags: ['a'] }]], [[{ id: 1, tags: ['b'] }]]], ['b']],
    ['upsert: likewise', { merge: { strategy: 'upsert' } }, [[[{ id: 1, tags: ['a'] }]], [[{ id: 1, tags: ['b'] }]]], ['b']],
    ['insert-only: a present key is left alone, its child rows too', { merge: { strategy: 'insert-only' } }, [[[{ id: 1, tags: ['a'] }]], [[{ id: 1, tags: ['b'] }]]], ['a']],
    ['dedup_sort: a lower-ranked record of the same load on a later page replaces nothing, its child rows stay', { merge: { strategy: 'delete-insert', dedupSort: { column: 'ts', order: 'desc' } } }, [[[{ id: 1, ts: 5, tags: ['a'] }], [{ id: 1, ts: 3, tags: ['b'] }]]], ['a']],
    ['dedup_sort: a higher-ranked one replaces the row and its child rows', { merge: { strategy: 'delete-insert', dedupSort: { column: 'ts', order: 'desc' } } }, [[[{ id: 1, ts: 3, tags: ['a'] }], [{ id: 1, ts: 5, tags: ['b'] }]]], ['b']],
    ['delete-insert hard_delete: the deleted row takes its child rows', { merge: { strategy: 'delete-insert', hardDelete: 'deleted' } }, [[[{ id: 1, tags: ['a'] }]], [[{ id: 1, deleted: true }]]], []],
    ['upsert hard_delete: likewise', { merge: { strategy: 'upsert', hardDelete: 'deleted' } }, [[[{ id: 1, tags: ['a'] }]], [[{ id: 1, deleted: true }]]], []],
    ['dedup_sort hard_delete ranked below the row of the same load: nothing is deleted', { merge: { strategy: 'delete-insert', dedupSort: { column: 'ts', order: 'desc' }, hardDelete: 'deleted' } }, [[[{ id: 1, ts: 5, tags: ['a'] }], [{ id: 1, ts: 3, deleted: true }]]], ['a']],
  ].map((c, i) => [...c, i]) as [string, Partial<ResourcePlan>, object[][][], string[], number][])('merge strategies and child rows: %s', async (_name, over, loads, want, i) => {
    const table = `strategy_${i}`;
    const res = resource(table, 'merge', over);
    for (const [i, pages] of loads.entries()) await run(res, `ms${i}`, pages, `170000000${i}.0`);
    expect(await rows(`SELECT t.value FROM ${SCHEMA}.${table} u JOIN ${SCHEMA}.${table}__tags t ON t._dlt_root_id = u._dlt_id ORDER BY 1`).then((r) => r.map((x: { value: string }) => x.value))).toEqual(want);
    expect(await rows(`SELECT count(*)::int AS n FROM ${SCHEMA}.${table}__tags t WHERE NOT EXISTS (SELECT 1 FROM ${SCHEMA}.${table} u WHERE u._dlt_id = t._dlt_root_id)`)).toEqual([{ n: 0 }]);
  });

  test('a child resource nests the same way; include_from_parent columns go on its own rows', async () => {
    const res = resource('repos', 'merge', { parent: { resource: 'orgs', fields: [], includeFromParent: ['id'] } });
    const state = await claimState(database.db, SCHEMA, 'repos', 'p1', {});
    const input = { dataset: SCHEMA, syncId: 'p1', resource: res, maxPages: 100, maxSeconds: 60 } as unknown as FetchPagesInput;
    const sink = await createPageSink({ db: database.db, names: new NameCache() } as never, input, { kind: 'whole' }, SCHEMA, 'repos', LOAD_ID);
    const parent = { key: { page: 0, idx: 0 }, vals: { id: 42 } };
    await sink.commit(state, { token: null, parent }, { records: [{ id: 1, owner: { login: 'o' }, topics: ['x', 'y'] }], next: null });
    expect(await rows(`SELECT id, owner__login, _orgs_id FROM ${SCHEMA}.repos`)).toEqual([{ id: 1, owner__login: 'o', _orgs_id: 42 }]);
    expect(await values('repos__topics')).toEqual(['x', 'y']);
    expect((await rows(`SELECT column_name FROM information_schema.columns WHERE table_schema = '${SCHEMA}' AND table_name = 'repos__topics' AND column_name = '_orgs_id'`)).length).toBe(0);
  });
});
