import { commitPage } from '../../src/activities/store/commit';
import { claimState, ensureStateTables } from '../../src/activities/store/state';
import { evolveTable, readShape } from '../../src/activities/store/tables';
import { checkRowVersion, keyHash, rootIdsOf, rowHash } from '../../src/activities/store/row-id';
import { normalizePage } from '../../src/activities/store/relational';
import { systemColumns } from '../../src/activities/store/write-sql';
import { completeLoad, ensureLoadTables, finishScd2, syncLoadId } from '../../src/activities/store/loads';
import { keyColumns, resetStaging, stagingTable, swapStaging } from '../../src/activities/store/dataset';
import type { MergeSpec, ResourcePlan, WriteDisposition } from '../../src/plan/types';
import { useTestSchema } from '../helpers/env';

const SCHEMA = 'dispo';

/** The plan fields a table write reads. */
interface Plan {
  writeDisposition: WriteDisposition;
  merge?: MergeSpec;
  primaryKey?: string[];
  mergeKey?: string[];
}

const SCD2: MergeSpec = { strategy: 'scd2', scd2: { validFrom: '_dlt_valid_from', validTo: '_dlt_valid_to', activeRecordTimestamp: null, rowVersion: '_dlt_id' } };

describe('write dispositions against real Postgres, across two loads', () => {
  const ctx = useTestSchema(SCHEMA, async (db, schema) => {
    await ensureStateTables(db, schema);
    await ensureLoadTables(db, schema);
  });

  const resourceOf = (p: Plan): ResourcePlan => ({ primaryKey: [], mergeKey: [], ...p }) as unknown as ResourcePlan;

  /** Commits `records` as page `page` (0-based) of sync `syncId` into `table`, as the page sink does. */
  async function load(plan: Plan, table: string, records: object[], syncId: string, page: number, into = table) {
    const r = resourceOf(plan);
    if (page === 0) await claimState(ctx.db, SCHEMA, table, syncId, {});
    const loadId = await syncLoadId(ctx.db, SCHEMA, syncId);
    const where = `resource "${table}"`;
    const [prepared] = normalizePage(records, { table: into, rootKey: r.writeDisposition === 'merge', rootIds: rootIdsOf(r, records, undefined), primaryKey: r.primaryKey, dedupe: false, where });
    checkRowVersion(r, prepared.rows, where);
    for (const [c, t] of systemColumns(r)) prepared.types.set(c, t);
    const { shape } = await evolveTable(ctx.db, await readShape(ctx.db, SCHEMA, into), {
      schema: SCHEMA,
      table: into,
      pageTypes: prepared.types,
      primaryKey: keyColumns(r),
      hints: {},
      dropPrimaryKey: r.merge?.strategy === 'scd2',
    });
    return commitPage(ctx.db, {
      schema: SCHEMA,
      table: into,
      columns: new Map([...prepared.types.keys()].map((k) => [k, shape.columns.get(k)!])),
      rows: prepared.rows,
      primaryKey: r.primaryKey,
      disposition: r.writeDisposition,
      ...(r.merge ? { merge: r.merge } : {}),
      mergeKey: r.mergeKey,
      tableColumns: [...shape.columns.keys()],
      constraint: shape.primaryKey,
      loadId,
      resource: table,
      syncId,
      expectedPages: page,
      nextToken: { page: page + 1 },
      done: false,
    });
  }

  /** Loads each page of one sync, then finishes the resource (scd2 retires). */
  async function run(plan: Plan, table: string, syncId: string, ...pages: object[][]) {
    for (const [i, records] of pages.entries()) await load(plan, table, records, syncId, i);
    if (plan.merge?.strategy === 'scd2') {
      await finishScd2(ctx.db, { schema: SCHEMA, table, merge: plan.merge, mergeKey: plan.mergeKey ?? [], loadId: await syncLoadId(ctx.db, SCHEMA, syncId), seenKey: table });
    }
  }

  const rows = async (table: string, cols: string, order = cols) => (await ctx.db.raw(`SELECT ${cols} FROM "${SCHEMA}"."${table}" ORDER BY ${order}`)).rows;

  test.each<[string, Plan, object[][], object[][], string, object[]]>([
    ['append loads every record, duplicates too', { writeDisposition: 'append', primaryKey: ['id'] }, [[{ id: 1, v: 'a' }, { id: 1, v: 'b' }]], [[{ id: 1, v: 'c' }]], 'id, v', [{ id: 1, v: 'a' }, { id: 1, v: 'b' }, { id: 1, v: 'c' }]],
    [
      'delete-insert by primary key: one row per key, the last record of a load wins, later loads replace',
      { writeDisposition: 'merge', merge: { strategy: 'delete-insert' }, primaryKey: ['id'] },
      [[{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 1, v: 'a2' }], [{ id: 1, v: 'c', x: 1 }]],
      [[{ id: 2, v: 'd' }, { id: 3, v: 'e' }], [{ id: 1, v: 'f' }]],
      'id, v, x',
      [{ id: 1, v: 'f', x: null }, { id: 2, v: 'd', x: null }, { id: 3, v: 'e', x: null }],
    ],
    [
      'delete-insert by merge_key: page 2 keeps what page 1 of its load loaded; the next load replaces the key',
      { writeDisposition: 'merge', merge: { strategy: 'delete-insert' }, mergeKey: ['day'] },
      [[{ day: 1, v: 'a' }, { day: 1, v: 'b' }], [{ day: 1, v: 'c' }, { day: 2, v: 'x' }]],
      [[{ day: 1, v: 'z' }]],
      'day, v',
      [{ day: 1, v: 'z' }, { day: 2, v: 'x' }],
    ],
    [
      'delete-insert by primary key and merge_key',
      { writeDisposition: 'merge', merge: { strategy: 'delete-insert' }, primaryKey: ['id'], mergeKey: ['day'] },
      [[{ id: 1, day: 1, v: 'a' }, { id: 2, day: 1, v: 'b' }, { id: 3, day: 2, v: 'c' }]],
      [[{ id: 1, day: 1, v: 'a2' }], [{ id: 3, day: 3, v: 'c2' }]],
      'id, day, v',
      [{ id: 1, day: 1, v: 'a2' }, { id: 3, day: 3, v: 'c2' }],
    ],
    [
      'dedup_sort desc: the highest value of a key in a load wins across pages; a later load always replaces',
      { writeDisposition: 'merge', merge: { strategy: 'delete-insert', dedupSort: { column: 'ts', order: 'desc' } }, primaryKey: ['id'] },
      [[{ id: 1, ts: 5, v: 'a' }, { id: 1, ts: 9, v: 'b' }, { id: 1, ts: 7, v: 'c' }, { id: 2, ts: 1, v: 'p' }], [{ id: 1, ts: 6, v: 'd' }, { id: 2, ts: 2, v: 'q' }]],
      [[{ id: 3, ts: 0, v: 'z' }]],
      'id, ts, v',
      [{ id: 1, ts: 9, v: 'b' }, { id: 2, ts: 2, v: 'q' }, { id: 3, ts: 0, v: 'z' }],
    ],
    [
      'dedup_sort asc: the lowest value wins',
      { writeDisposition: 'merge', merge: { strategy: 'delete-insert', dedupSort: { column: 'ts', order: 'asc' } }, primaryKey: ['id'] },
      [[{ id: 1, ts: 5, v: 'a' }, { id: 1, ts: 3, v: 'b' }], [{ id: 1, ts: 4, v: 'c' }]],
      [[{ id: 1, ts: 8, v: 'd' }, { id: 1, ts: 9, v: 'e' }]],
      'id, ts, v',
      [{ id: 1, ts: 8, v: 'd' }],
    ],
    [
      'delete-insert hard_delete: a flagged record deletes its key and is not loaded',
      { writeDisposition: 'merge', merge: { strategy: 'delete-insert', hardDelete: 'deleted' }, primaryKey: ['id'] },
      [[{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 5, v: 'e' }]],
      [[{ id: 1, deleted: true }, { id: 3, v: 'c', deleted: false }, { id: 4, deleted: true }], [{ id: 5, v: 'e2' }, { id: 5, deleted: true }]],
      'id, v, deleted',
      [{ id: 2, v: 'b', deleted: null }, { id: 3, v: 'c', deleted: false }],
    ],
    [
      'upsert: update or insert by primary key, the whole row replaced',
      { writeDisposition: 'merge', merge: { strategy: 'upsert' }, primaryKey: ['id'] },
      [[{ id: 1, v: 'a', x: 1 }, { id: 2, v: 'b' }]],
      [[{ id: 1, v: 'c' }, { id: 1, v: 'c2' }], [{ id: 3, v: 'd' }]],
      'id, v, x',
      [{ id: 1, v: 'c2', x: null }, { id: 2, v: 'b', x: null }, { id: 3, v: 'd', x: null }],
    ],
    [
      "upsert hard_delete: a flagged record deletes its key; one whose key is absent is inserted (dlt's MERGE)",
      { writeDisposition: 'merge', merge: { strategy: 'upsert', hardDelete: 'gone' }, primaryKey: ['id'] },
      [[{ id: 1, v: 'a' }, { id: 2, v: 'b' }]],
      [[{ id: 2, gone: '2024-01-01' }, { id: 4, gone: '2024-01-01' }]],
      'id, v, gone',
      [{ id: 1, v: 'a', gone: null }, { id: 4, v: null, gone: '2024-01-01' }],
    ],
    [
      'insert-only: keys present stay as they are',
      { writeDisposition: 'merge', merge: { strategy: 'insert-only', hardDelete: 'deleted' }, primaryKey: ['id'] },
      [[{ id: 1, v: 'a' }, { id: 1, v: 'a2' }]],
      [[{ id: 1, v: 'b' }, { id: 2, v: 'c' }, { id: 3, v: 'x', deleted: true }]],
      'id, v',
      [{ id: 1, v: 'a' }, { id: 2, v: 'c' }],
    ],
  ])('%s', async (_what, plan, first, second, cols, expected) => {
    const table = `t_${Math.random().toString(36).slice(2, 8)}`;
    await run(plan, table, `${table}-1`, ...first);
    await run(plan, table, `${table}-2`, ...second);
    expect(await rows(table, cols)).toEqual(expected);
    const loads = await rows(table, 'DISTINCT _dlt_load_id', '_dlt_load_id');
    expect(loads.every((l: { _dlt_load_id: string | null }) => /^\d+\.\d+$/.test(l._dlt_load_id ?? ''))).toBe(true);
  });

  test('replace loads every record into staging and swaps it in: the second load is all that is left', async () => {
    const plan: Plan = { writeDisposition: 'replace', primaryKey: ['id'] };
    await claimState(ctx.db, SCHEMA, 'rep', 'rep-3', {}, (trx) => resetStaging(trx, SCHEMA, 'rep'));
    await load(plan, 'rep', [{ id: 1 }, { id: 1 }, { id: 2 }], 'rep-3', 0, stagingTable('rep'));
    await swapStaging(ctx.db, SCHEMA, 'rep');
    await claimState(ctx.db, SCHEMA, 'rep', 'rep-4', {}, (trx) => resetStaging(trx, SCHEMA, 'rep'));
    await load(plan, 'rep', [{ id: 3 }, { id: 3 }], 'rep-4', 0, stagingTable('rep'));
    expect(await rows('rep', 'id')).toEqual([{ id: 1 }, { id: 1 }, { id: 2 }]);
    await swapStaging(ctx.db, SCHEMA, 'rep');
    expect(await rows('rep', 'id')).toEqual([{ id: 3 }, { id: 3 }]);
  });

  test('scd2: new versions inserted, versions absent from a load retired at its end, an empty load retires nothing', async () => {
    const plan: Plan = { writeDisposition: 'merge', merge: SCD2, primaryKey: ['id'] };
    await run(plan, 'hist', 'hist-1', [{ id: 1, v: 'a' }], [{ id: 2, v: 'b' }]);
    await run(plan, 'hist', 'hist-2', [{ id: 1, v: 'a' }, { id: 2, v: 'c' }]);
    await run(plan, 'hist', 'hist-3');
    const [l1, l2] = [await syncLoadId(ctx.db, SCHEMA, 'hist-1'), await syncLoadId(ctx.db, SCHEMA, 'hist-2')];
    const got = await rows('hist', `id, v, _dlt_id, _dlt_load_id, extract(epoch FROM _dlt_valid_from)::text AS vf, extract(epoch FROM _dlt_valid_to)::text AS vt`, 'id, v');
    const at = (l: string) => Number(l).toFixed(6);
    expect(got).toEqual([
      { id: 1, v: 'a', _dlt_id: rowHash({ id: 1, v: 'a' }), _dlt_load_id: l1, vf: at(l1), vt: null },
      { id: 2, v: 'b', _dlt_id: rowHash({ id: 2, v: 'b' }), _dlt_load_id: l1, vf: at(l1), vt: at(l2) },
      { id: 2, v: 'c', _dlt_id: rowHash({ id: 2, v: 'c' }), _dlt_load_id: l2, vf: at(l2), vt: null },
    ]);
  });

  test('scd2 with merge_key retires only the keys the load had; options: validity names, active and boundary timestamps', async () => {
    const merge: MergeSpec = {
      strategy: 'scd2',
      scd2: { validFrom: 'from_', validTo: 'to_', activeRecordTimestamp: '9999-12-31T00:00:00.000Z', boundaryTimestamp: '2024-05-01T00:00:00.000Z', rowVersion: '_dlt_id' },
    };
    const plan: Plan = { writeDisposition: 'merge', merge, mergeKey: ['day'] };
    await run(plan, 'hist_mk', 'hmk-1', [{ day: 1, v: 'a' }, { day: 2, v: 'b' }]);
    await run(plan, 'hist_mk', 'hmk-2', [{ day: 1, v: 'a2' }]);
    expect(await rows('hist_mk', `day, v, from_::text AS f, to_::text AS t`, 'day, v')).toEqual([
      { day: 1, v: 'a', f: '2024-05-01 00:00:00+00', t: '2024-05-01 00:00:00+00' },
      { day: 1, v: 'a2', f: '2024-05-01 00:00:00+00', t: '9999-12-31 00:00:00+00' },
      { day: 2, v: 'b', f: '2024-05-01 00:00:00+00', t: '9999-12-31 00:00:00+00' },
    ]);
  });

  test('scd2 with row_version_column_name: the column versions the records, no _dlt_id', async () => {
    const merge: MergeSpec = { strategy: 'scd2', scd2: { ...SCD2.scd2!, rowVersion: 'ver' } };
    const plan: Plan = { writeDisposition: 'merge', merge };
    await run(plan, 'hist_ver', 'hv-1', [{ id: 1, ver: 1, v: 'a' }]);
    await run(plan, 'hist_ver', 'hv-2', [{ id: 1, ver: 1, v: 'changed, same version' }, { id: 2, ver: 7 }]);
    await run(plan, 'hist_ver', 'hv-3', [{ id: 1, ver: 2, v: 'b' }]);
    expect(await rows('hist_ver', 'id, ver, v, _dlt_valid_to IS NULL AS active', 'id, ver')).toEqual([
      { id: 1, ver: 1, v: 'a', active: false },
      { id: 1, ver: 2, v: 'b', active: true },
      { id: 2, ver: 7, v: null, active: false },
    ]);
  });

  test('scd2 retirement is idempotent: a retried finish changes nothing', async () => {
    const plan: Plan = { writeDisposition: 'merge', merge: SCD2 };
    await run(plan, 'hist_again', 'ha-1', [{ id: 1 }, { id: 2 }]);
    await run(plan, 'hist_again', 'ha-2', [{ id: 1 }]);
    const before = await rows('hist_again', 'id, _dlt_valid_to');
    await finishScd2(ctx.db, { schema: SCHEMA, table: 'hist_again', merge: SCD2, mergeKey: [], loadId: await syncLoadId(ctx.db, SCHEMA, 'ha-2'), seenKey: 'hist_again' });
    expect(await rows('hist_again', 'id, _dlt_valid_to')).toEqual(before);
    expect(before.filter((r: { _dlt_valid_to: unknown }) => r._dlt_valid_to === null)).toEqual([{ id: 1, _dlt_valid_to: null }]);
  });

  test.each<[string, Plan]>([
    ['append', { writeDisposition: 'append' }],
    ['delete-insert', { writeDisposition: 'merge', merge: { strategy: 'delete-insert' }, primaryKey: ['id'] }],
    ['delete-insert by merge_key', { writeDisposition: 'merge', merge: { strategy: 'delete-insert' }, mergeKey: ['id'] }],
    ['upsert', { writeDisposition: 'merge', merge: { strategy: 'upsert' }, primaryKey: ['id'] }],
    ['insert-only', { writeDisposition: 'merge', merge: { strategy: 'insert-only' }, primaryKey: ['id'] }],
    ['scd2', { writeDisposition: 'merge', merge: SCD2 }],
  ])('%s: a page committed twice (a retried attempt) lands once', async (what, plan) => {
    const table = `retry_${what.replace(/\W/g, '_')}`;
    const page = [{ id: 1, v: 'a' }, { id: 2, v: 'b' }];
    expect(await load(plan, table, page, 'retry-1', 0)).toEqual({ pages: 1, rows: 2 });
    expect(await load(plan, table, page, 'retry-1', 0)).toBeUndefined();
    expect(await load(plan, table, [{ id: 3, v: 'c' }], 'retry-1', 1)).toEqual({ pages: 2, rows: 3 });
    expect(await rows(table, 'id, v')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }]);
  });

  test("upsert and insert-only rows carry dlt's primary-key hash in _dlt_id", async () => {
    await run({ writeDisposition: 'merge', merge: { strategy: 'upsert' }, primaryKey: ['id'] }, 'keyed', 'keyed-1', [{ id: 7, v: 'a' }]);
    expect(await rows('keyed', 'id, _dlt_id')).toEqual([{ id: 7, _dlt_id: keyHash({ id: 7 }, ['id']) }]);
  });

  test('a table an earlier version made with a PRIMARY KEY keeps one row per key for append, and merge upserts on it', async () => {
    await ctx.db.raw(`CREATE TABLE "${SCHEMA}".legacy (id bigint PRIMARY KEY, v text)`);
    await ctx.db.raw(`INSERT INTO "${SCHEMA}".legacy VALUES (1, 'old')`);
    await run({ writeDisposition: 'append', primaryKey: ['id'] }, 'legacy', 'legacy-1', [{ id: 1, v: 'a' }, { id: 1, v: 'b' }, { id: 2, v: 'c' }]);
    expect(await rows('legacy', 'id, v, _dlt_load_id IS NOT NULL AS has_load', 'id')).toEqual([{ id: 1, v: 'b', has_load: true }, { id: 2, v: 'c', has_load: true }]);
    await ctx.db.raw(`CREATE TABLE "${SCHEMA}".legacy_merge (id bigint PRIMARY KEY, v text)`);
    await ctx.db.raw(`INSERT INTO "${SCHEMA}".legacy_merge VALUES (1, 'old'), (2, 'kept')`);
    await run({ writeDisposition: 'merge', primaryKey: ['id'] }, 'legacy_merge', 'legacy-2', [{ id: 1, v: 'new' }]);
    expect(await rows('legacy_merge', 'id, v')).toEqual([{ id: 1, v: 'new' }, { id: 2, v: 'kept' }]);
  });

  test("a merge table switched to scd2 drops the earlier version's PRIMARY KEY, so a key takes a second version", async () => {
    await run({ writeDisposition: 'merge', primaryKey: ['id'] }, 'to_scd2', 'ts-1', [{ id: 1, v: 'a' }]);
    await run({ writeDisposition: 'merge', merge: SCD2, primaryKey: ['id'] }, 'to_scd2', 'ts-2', [{ id: 1, v: 'b' }]);
    expect(await rows('to_scd2', 'id, v, _dlt_valid_to IS NULL AS active', 'id, v')).toEqual([
      { id: 1, v: 'a', active: false },
      { id: 1, v: 'b', active: true },
    ]);
  });

  test('the load id is made once per sync; _dlt_loads gets one row per completed load, status 0', async () => {
    const id = await syncLoadId(ctx.db, SCHEMA, 'loads-1');
    expect(id).toMatch(/^\d{10}\.\d+$/);
    expect(await syncLoadId(ctx.db, SCHEMA, 'loads-1')).toBe(id);
    await load({ writeDisposition: 'append' }, 'loads_t', [{ id: 1 }], 'loads-1', 0);
    await completeLoad(ctx.db, SCHEMA, 'loads-1');
    await completeLoad(ctx.db, SCHEMA, 'loads-1');
    const got = await ctx.db.raw(`SELECT load_id, schema_name, status, inserted_at IS NOT NULL AS at, length(schema_version_hash) > 0 AS hashed FROM "${SCHEMA}"._dlt_loads WHERE load_id = ?`, [id]);
    expect(got.rows).toEqual([{ load_id: id, schema_name: 'rest_api', status: 0, at: true, hashed: true }]);
  });

  test('a sync that loaded no row records no load, as dlt makes no load package for an empty extract', async () => {
    const id = await syncLoadId(ctx.db, SCHEMA, 'loads-empty');
    await claimState(ctx.db, SCHEMA, 'loads_e', 'loads-empty', {});
    await completeLoad(ctx.db, SCHEMA, 'loads-empty');
    expect((await ctx.db.raw(`SELECT 1 FROM "${SCHEMA}"._dlt_loads WHERE load_id = ?`, [id])).rows).toEqual([]);
  });
});
