import { commitPage, type PageCommit } from '../../src/activities/store/commit';
import { claimState, ensureStateTables, readState, readTotals } from '../../src/activities/store/state';
import { evolveTable, readShape } from '../../src/activities/store/tables';
import { prepareRows } from '../../src/activities/store/rows';
import { resetStaging, stagingTable, swapStaging } from '../../src/activities/store/dataset';
import type { WriteDisposition } from '../../src/plan/types';
import { createTestDatabase, useTestSchema } from '../helpers/env';

const SCHEMA = 'loader';

describe('page commit against real Postgres', () => {
  const ctx = useTestSchema(SCHEMA, ensureStateTables);

  /** Loads `records` as the page after `expectedPages` of `resource`, evolving the table first. */
  async function load(resource: string, table: string, disposition: WriteDisposition, records: object[], expectedPages: number, pk = ['id'], syncId = 'sync-1') {
    const prepared = prepareRows(records, { primaryKey: pk, dedupe: false, where: `resource "${resource}"` });
    prepared.types.set('_dlt_load_id', 'text');
    const shape = await readShape(ctx.db, SCHEMA, table);
    const { shape: s } = await evolveTable(ctx.db, shape, {
      schema: SCHEMA,
      table,
      pageTypes: prepared.types,
      primaryKey: disposition === 'merge' ? pk : [],
      hints: {},
    });
    const c: PageCommit = {
      schema: SCHEMA,
      table,
      columns: new Map([...prepared.types.keys()].map((k) => [k, s.columns.get(k)!])),
      rows: prepared.rows,
      primaryKey: pk,
      disposition,
      tableColumns: [...s.columns.keys()],
      constraint: s.primaryKey,
      loadId: `${syncId}.0`,
      resource,
      syncId,
      expectedPages,
      nextToken: { offset: (expectedPages + 1) * 10 },
      done: false,
    };
    return commitPage(ctx.db, c);
  }
  const count = async (table: string) => (await ctx.db.raw(`SELECT count(*)::int AS n FROM "${SCHEMA}"."${table}"`)).rows[0].n;

  test.each(['merge', 'append', 'replace'] as const)('%s: a page committed twice (a retried attempt) lands once', async (disposition) => {
    const table = `retry_${disposition}`;
    await claimState(ctx.db, SCHEMA, table, 'sync-1', { offset: 0 });
    const page = [{ id: 1, v: 'a' }, { id: 2, v: 'b' }];
    expect(await load(table, table, disposition, page, 0)).toEqual({ pages: 1, rows: 2 });
    expect(await load(table, table, disposition, page, 0)).toBeUndefined();
    expect(await count(table)).toBe(2);
    expect((await readState(ctx.db, SCHEMA, table))!.token).toEqual({ offset: 10 });
  });

  test('merge collapses duplicate keys inside one page (last wins) and updates on later pages', async () => {
    await claimState(ctx.db, SCHEMA, 'dups', 'sync-1', {});
    await load('dups', 'dups', 'merge', [{ id: 1, v: 'old' }, { id: 1, v: 'new' }, { id: 2, v: 'x' }], 0);
    await load('dups', 'dups', 'merge', [{ id: 2, v: 'y' }], 1);
    const rows = (await ctx.db.raw(`SELECT id, v FROM "${SCHEMA}".dups ORDER BY id`)).rows;
    expect(rows).toEqual([{ id: 1, v: 'new' }, { id: 2, v: 'y' }]);
  });

  test('composite primary keys', async () => {
    await claimState(ctx.db, SCHEMA, 'comp', 'sync-1', {});
    await load('comp', 'comp', 'merge', [{ a: 1, b: 1, v: 1 }, { a: 1, b: 2, v: 2 }, { a: 1, b: 1, v: 3 }], 0, ['a', 'b']);
    expect(await count('comp')).toBe(2);
  });

  test('a value that no longer fits its column widens the column and keeps every value', async () => {
    await claimState(ctx.db, SCHEMA, 'drift', 'sync-1', {});
    await load('drift', 'drift', 'merge', [{ id: 1, n: 5 }], 0);
    await load('drift', 'drift', 'merge', [{ id: 2, n: 'five' }, { id: 3, n: 2.5, extra: true }], 1);
    const rows = (await ctx.db.raw(`SELECT id, n, extra FROM "${SCHEMA}".drift ORDER BY id`)).rows;
    expect(rows).toEqual([{ id: 1, n: '5', extra: null }, { id: 2, n: 'five', extra: null }, { id: 3, n: '2.5', extra: true }]);
  });

  test('hostile field names are quoted, not executed', async () => {
    await claimState(ctx.db, SCHEMA, 'hostile', 'sync-1', {});
    const evil = { id: 1, 'x"; DROP TABLE loader.dups; --': 1, select: 2, 'ünï cödé': 3, ['y'.repeat(80)]: 4 };
    await load('hostile', 'hostile', 'merge', [evil], 0);
    expect(await count('hostile')).toBe(1);
    expect(await count('dups')).toBe(2);
  });

  test('a record without its primary key fails the page with the resource named', () => {
    expect(() => prepareRows([{ id: 1 }, { name: 'no id' }], { primaryKey: ['id'], dedupe: true, where: 'resource "me" page 1' })).toThrow(
      /resource "me" page 1: record 1 has no value for primary key "id"/,
    );
  });

  test('replace loads into staging and swaps atomically; readers see the old table until then', async () => {
    await claimState(ctx.db, SCHEMA, 'rep', 'sync-1', {});
    await load('rep', 'rep', 'replace', [{ id: 1 }, { id: 2 }, { id: 3 }], 0);
    await claimState(ctx.db, SCHEMA, 'rep', 'sync-2', {}, (trx) => resetStaging(trx, SCHEMA, 'rep'));
    const staging = stagingTable('rep');
    await load('rep', staging, 'replace', [{ id: 9 }], 0, ['id'], 'sync-2');
    expect(await count('rep')).toBe(3);
    await swapStaging(ctx.db, SCHEMA, 'rep');
    expect(await count('rep')).toBe(1);
    // the next run can create its staging table again (the key's index was renamed along)
    await load('rep', staging, 'replace', [{ id: 10 }], 1, ['id'], 'sync-2');
    await swapStaging(ctx.db, SCHEMA, 'rep');
    expect(await count('rep')).toBe(1);
  });
});

describe('incremental state in the page commit against real Postgres', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    await ensureStateTables(database.db, SCHEMA);
  });
  afterAll(() => database?.drop());

  const pageOf = (resource: string): PageCommit => ({
    schema: SCHEMA,
    table: 'unused',
    columns: new Map(),
    rows: [],
    primaryKey: [],
    disposition: 'append',
    resource,
    syncId: 'sync-1',
    loadId: 'sync-1.0',
    expectedPages: 0,
    nextToken: null,
    done: false,
  });
  const commit = (expectedPages: number, maxValue: number, maxHashes: string[], runValue: number) =>
    commitPage(database.db, {
      ...pageOf('child'),
      expectedPages,
      nextToken: { p: null, t: null },
      maxValue,
      maxHashes,
      parentIncremental: { resource: 'child', parent: { id: 1 }, lastValue: null, uniqueHashes: [], syncId: 'sync-1', startValue: 0, startHashes: [], runValue, runHashes: [`h${runValue}`] },
    });

  test('a page committed twice (a retried attempt) moves the boundary hashes and the parent record row once', async () => {
    await claimState(database.db, SCHEMA, 'child', 'sync-1', { p: null, t: null });
    expect(await commit(0, 5, ['a', 'b'], 5)).toEqual({ pages: 1, rows: 0 });
    // the retry computed other values from the state it read: it must change nothing
    expect(await commit(0, 9, ['z'], 9)).toBeUndefined();
    const state = (await readState(database.db, SCHEMA, 'child'))!;
    expect([state.maxValue, state.maxHashes]).toEqual([5, ['a', 'b']]);
    const parent = (await database.db.raw(`SELECT run_value, run_hashes FROM "${SCHEMA}"._rest_sync_incremental_parents WHERE resource = 'child'`)).rows;
    expect(parent).toEqual([{ run_value: 5, run_hashes: ['h5'] }]);
  });

  test.each([
    ['max: the largest value, the hashes of every window at it', 'max', 7, ['b', 'c']],
    ['min: the smallest value', 'min', 3, ['a']],
  ] as const)('the windows of a resource end at their best value: %s', async (_name, fn, value, hashes) => {
    const spec = { cursorPath: 'at', lastValueFunc: fn };
    const keys = [`win_${fn}#w0`, `win_${fn}#w1`, `win_${fn}#w2`];
    const bests: [number, string[]][] = [[3, ['a']], [7, ['b']], [7, ['c']]];
    for (const [i, key] of keys.entries()) {
      await claimState(database.db, SCHEMA, key, 'sync-1', {});
      await commitPage(database.db, { ...pageOf(key), maxValue: bests[i][0], maxHashes: bests[i][1] });
    }
    const totals = await readTotals(database.db, SCHEMA, keys, 'sync-1', spec);
    expect([totals.pages, totals.maxValue, totals.maxHashes]).toEqual([3, value, hashes]);
  });
});
