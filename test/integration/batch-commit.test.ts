import { createPageSink } from '../../src/activities/fetch/sink';
import { batches, sharesRoots, type PreparedPage } from '../../src/activities/fetch/batch';
import { claimState, ensureStateTables, type StateRow } from '../../src/activities/store/state';
import { NameCache } from '../../src/activities/store/names';
import type { ResourcePlan } from '../../src/plan/types';
import type { FetchPagesInput } from '../../src/activities/types';
import type { Fetched } from '../../src/activities/fetch/source';
import { resourcePlan } from '../helpers/page-sink';
import { useTestSchema } from '../helpers/env';

const LOAD_ID = '1700000000.0';
const SCHEMA = 'batch_commit';

/**
 * Consecutive pages committed as ONE statement (what the fetch loop does with pages that arrived
 * while the previous commit ran) load exactly what committing them one by one loads: the same
 * rows in every table, the same state (pages, rows, token, incremental value) — for every
 * disposition that batches, with a key repeated across pages, nested lists and a hard delete.
 */
describe('pages committed together equal pages committed one by one (real Postgres)', () => {
  const database = useTestSchema(SCHEMA, ensureStateTables);

  const resource = resourcePlan;

  // key 2 appears on pages 1 and 3, key 4 is hard-deleted on page 3 after page 2 loaded it
  const PAGES = [
    [{ id: 1, v: 'a', at: 1, tags: ['x', 'y'] }, { id: 2, v: 'b', at: 2, tags: ['z'] }],
    [{ id: 3, v: 'c', at: 3, tags: [] }, { id: 4, v: 'd', at: 4, tags: ['w'] }],
    [{ id: 2, v: 'b2', at: 5, tags: ['q'] }, { id: 4, v: 'd', at: 6, gone: true }, { id: 5, v: 'e', at: 7, extra: 1.5 }],
  ];

  /** Runs `res` over PAGES into `name`: page by page, or the pages after the first prepared and committed as one. */
  async function run(res: ResourcePlan, together: boolean): Promise<StateRow> {
    let state = await claimState(database.db, SCHEMA, res.name, 'sync-1', { page: 0 }, async () => undefined);
    const input = { dataset: SCHEMA, syncId: 'sync-1', resource: res, maxPages: 100, maxSeconds: 60 } as unknown as FetchPagesInput;
    const sink = await createPageSink({ db: database.db, names: new NameCache() } as never, input, { kind: 'whole' }, SCHEMA, res.table, LOAD_ID);
    const page = (i: number): Fetched => ({ records: structuredClone(PAGES[i]), next: i + 1 < PAGES.length ? { page: i + 1 } : null, max: Math.max(...PAGES[i].map((r) => r.at)), hashes: [] });
    if (!together) {
      for (const i of PAGES.keys()) state = (await sink.commit(state, { token: { page: i } }, page(i)))!;
      return state;
    }
    state = (await sink.commit(state, { token: { page: 0 } }, page(0)))!;
    const prepared: PreparedPage[] = [];
    for (let i = 1; i < PAGES.length; i++) {
      const next = (await sink.prepare(state, i - 1, { token: { page: i } }, page(i), i > 1))!;
      if (sharesRoots(prepared, next)) {
        // what the fetch loop does: the pages before it are committed first
        state = (await sink.commitPrepared(state, prepared))!;
        prepared.length = 0;
        splits.push(res.name);
      }
      prepared.push(next);
    }
    return (await sink.commitPrepared(state, prepared))!;
  }

  const dump = async (table: string, nested = true) => {
    const root = (await database.db.raw(`SELECT id, v, gone, extra, _dlt_load_id FROM ${SCHEMA}.${table} ORDER BY id`)).rows;
    if (!nested) return { root };
    const tags = (await database.db.raw(`SELECT r.id, t.value, t._dlt_list_idx FROM ${SCHEMA}.${table}__tags t JOIN ${SCHEMA}.${table} r ON r._dlt_id = t._dlt_parent_id ORDER BY 1, 3`)).rows;
    return { root, tags };
  };

  const INCREMENTAL = { cursorPath: 'at', initialValue: 0 };
  /** resources whose batch was split because a key's root row id repeated across pages with nested rows */
  const splits: string[] = [];
  test.each([
    { name: 'append', over: { writeDisposition: 'append', primaryKey: [] } },
    { name: 'replace', over: { writeDisposition: 'replace' } },
    { name: 'delete_insert', over: { merge: { strategy: 'delete-insert', hardDelete: 'gone' } } },
    { name: 'upsert', over: { merge: { strategy: 'upsert' } } },
    { name: 'insert_only', over: { merge: { strategy: 'insert-only' } } },
    { name: 'incremental', over: { incremental: INCREMENTAL } },
  ] as { name: string; over: Partial<ResourcePlan> }[])('$name', async ({ name, over }) => {
    const one = resource(`${name}_one`, over);
    const together = resource(`${name}_tog`, over);
    expect(batches(together)).toBe(true);
    const a = await run(one, false);
    const b = await run(together, true);
    expect({ pages: b.pages, rows: b.rows, token: b.token, done: b.done, max: b.maxValue }).toEqual({ pages: a.pages, rows: a.rows, token: a.token, done: a.done, max: a.maxValue });
    expect(b.pages).toBe(PAGES.length);
    // (a replace's nested tables are staged under other names until the resource finishes)
    const nested = name !== 'replace';
    expect(await dump(together.table, nested)).toEqual(await dump(one.table, nested));
  });

  test('only where root row ids come from the key (upsert, insert-only) did a repeated key split the batch', () => {
    expect(splits).toEqual(['upsert_tog', 'insert_only_tog']);
  });

  test.each([
    { name: 'scd2 (a version per page)', over: { merge: { strategy: 'scd2', scd2: { validFrom: '_dlt_valid_from', validTo: '_dlt_valid_to', activeRecordTimestamp: null } } } },
    { name: 'a child resource', over: { parent: { resource: 'p' } } },
    { name: 'per_parent incremental', over: { incremental: { ...INCREMENTAL, perParent: true } } },
    { name: 'upsert with hard deletes', over: { merge: { strategy: 'upsert', hardDelete: 'gone' } } },
  ] as { name: string; over: Partial<ResourcePlan> }[])('commits page by page: $name', ({ over }) => {
    expect(batches(resource('x', over))).toBe(false);
  });

  test('a page that would widen a column the pages before it were fitted to is not prepared with them', async () => {
    const res = resource('widen', { primaryKey: ['id'] });
    let state = await claimState(database.db, SCHEMA, res.name, 'sync-1', { page: 0 }, async () => undefined);
    const input = { dataset: SCHEMA, syncId: 'sync-1', resource: res, maxPages: 100, maxSeconds: 60 } as unknown as FetchPagesInput;
    const sink = await createPageSink({ db: database.db, names: new NameCache() } as never, input, { kind: 'whole' }, SCHEMA, res.table, LOAD_ID);
    state = (await sink.commit(state, { token: { page: 0 } }, { records: [{ id: 1 }], next: { page: 1 } }))!;
    // the primary key column is bigint; a text key widens it (key columns widen instead of taking a variant)
    const first = await sink.prepare(state, 0, { token: { page: 1 } }, { records: [{ id: 2 }], next: { page: 2 } });
    expect(first).toBeDefined();
    expect(await sink.prepare(state, 1, { token: { page: 2 } }, { records: [{ id: 'k3' }], next: null }, true)).toBeUndefined();
    expect((await database.db.raw(`SELECT data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = 'widen' AND column_name = 'id'`, [SCHEMA])).rows[0].data_type).toBe('bigint');
    state = (await sink.commitPrepared(state, [first!]))!;
    state = (await sink.commit(state, { token: { page: 2 } }, { records: [{ id: 'k3' }], next: null }))!;
    expect(state.pages).toBe(3);
    expect((await database.db.raw(`SELECT id FROM ${SCHEMA}.widen ORDER BY id`)).rows.map((r: { id: string }) => r.id)).toEqual(['1', '2', 'k3']);
  });
});
