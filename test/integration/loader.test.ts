import knex, { type Knex } from 'knex';
import { commitPage, type PageCommit } from '../../src/activities/store/commit';
import { claimState, ensureStateTables, readState } from '../../src/activities/store/state';
import { evolveTable, readShape } from '../../src/activities/store/tables';
import type { PgType } from '../../src/activities/store/types';
import { prepareRows } from '../../src/activities/store/rows';
import { resetStaging, stagingTable, swapStaging } from '../../src/activities/store/dataset';
import type { WriteDisposition } from '../../src/plan/types';
import { createTestDatabase } from '../helpers/env';

const SCHEMA = 'loader';

describe('page commit against real Postgres', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    await ensureStateTables(db, SCHEMA);
  });
  afterAll(() => database?.drop());

  /** Loads `records` as the page after `expectedPages` of `resource`, evolving the table first. */
  async function load(resource: string, table: string, disposition: WriteDisposition, records: object[], expectedPages: number, pk = ['id'], syncId = 'sync-1') {
    const prepared = prepareRows(records, { primaryKey: pk, dedupe: disposition !== 'append', where: `resource "${resource}"` });
    const shape = await readShape(db, SCHEMA, table);
    const { shape: s } = await evolveTable(db, shape, {
      schema: SCHEMA,
      table,
      pageTypes: prepared.types,
      primaryKey: disposition === 'append' ? [] : pk,
      hints: {},
    });
    const c: PageCommit = {
      schema: SCHEMA,
      table,
      columns: new Map([...prepared.types.keys()].map((k) => [k, s.columns.get(k)!])),
      rows: prepared.rows,
      primaryKey: pk,
      disposition,
      resource,
      syncId,
      expectedPages,
      nextToken: { offset: (expectedPages + 1) * 10 },
      done: false,
    };
    return commitPage(db, c);
  }
  const count = async (table: string) => (await db.raw(`SELECT count(*)::int AS n FROM "${SCHEMA}"."${table}"`)).rows[0].n;

  test.each(['merge', 'append', 'replace'] as const)('%s: a page committed twice (a retried attempt) lands once', async (disposition) => {
    const table = `retry_${disposition}`;
    await claimState(db, SCHEMA, table, 'sync-1', { offset: 0 });
    const page = [{ id: 1, v: 'a' }, { id: 2, v: 'b' }];
    expect(await load(table, table, disposition, page, 0)).toEqual({ pages: 1, rows: 2 });
    expect(await load(table, table, disposition, page, 0)).toBeUndefined();
    expect(await count(table)).toBe(2);
    expect((await readState(db, SCHEMA, table))!.token).toEqual({ offset: 10 });
  });

  test('merge collapses duplicate keys inside one page (last wins) and updates on later pages', async () => {
    await claimState(db, SCHEMA, 'dups', 'sync-1', {});
    await load('dups', 'dups', 'merge', [{ id: 1, v: 'old' }, { id: 1, v: 'new' }, { id: 2, v: 'x' }], 0);
    await load('dups', 'dups', 'merge', [{ id: 2, v: 'y' }], 1);
    const rows = (await db.raw(`SELECT id, v FROM "${SCHEMA}".dups ORDER BY id`)).rows;
    expect(rows).toEqual([{ id: 1, v: 'new' }, { id: 2, v: 'y' }]);
  });

  test('composite primary keys', async () => {
    await claimState(db, SCHEMA, 'comp', 'sync-1', {});
    await load('comp', 'comp', 'merge', [{ a: 1, b: 1, v: 1 }, { a: 1, b: 2, v: 2 }, { a: 1, b: 1, v: 3 }], 0, ['a', 'b']);
    expect(await count('comp')).toBe(2);
  });

  test('a value that no longer fits its column widens the column and keeps every value', async () => {
    await claimState(db, SCHEMA, 'drift', 'sync-1', {});
    await load('drift', 'drift', 'merge', [{ id: 1, n: 5 }], 0);
    await load('drift', 'drift', 'merge', [{ id: 2, n: 'five' }, { id: 3, n: 2.5, extra: true }], 1);
    const rows = (await db.raw(`SELECT id, n, extra FROM "${SCHEMA}".drift ORDER BY id`)).rows;
    expect(rows).toEqual([{ id: 1, n: '5', extra: null }, { id: 2, n: 'five', extra: null }, { id: 3, n: '2.5', extra: true }]);
  });

  test('hostile field names are quoted, not executed', async () => {
    await claimState(db, SCHEMA, 'hostile', 'sync-1', {});
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
    await claimState(db, SCHEMA, 'rep', 'sync-1', {});
    await load('rep', 'rep', 'replace', [{ id: 1 }, { id: 2 }, { id: 3 }], 0);
    await claimState(db, SCHEMA, 'rep', 'sync-2', {}, (trx) => resetStaging(trx, SCHEMA, 'rep'));
    const staging = stagingTable('rep');
    await load('rep', staging, 'replace', [{ id: 9 }], 0, ['id'], 'sync-2');
    expect(await count('rep')).toBe(3);
    await swapStaging(db, SCHEMA, 'rep');
    expect(await count('rep')).toBe(1);
    // the next run can create its staging table again (the key's index was renamed along)
    await load('rep', staging, 'replace', [{ id: 10 }], 1, ['id'], 'sync-2');
    await swapStaging(db, SCHEMA, 'rep');
    expect(await count('rep')).toBe(1);
  });

  test('lanes creating and widening one table at once wait for each other: no catalog race', async () => {
    // a pool of its own, its connections open, so the statements really run at once
    const wide = knex({ client: 'pg', connection: database.url, pool: { min: 8, max: 8 } });
    try {
      await Promise.all(Array.from({ length: 8 }, () => wide.raw('SELECT 1')));
      for (const table of ['raced_a', 'raced_b', 'raced_c']) {
        const evolve = (shape: Awaited<ReturnType<typeof readShape>>, types: [string, PgType][]) =>
          evolveTable(wide, shape, { schema: SCHEMA, table, pageTypes: new Map(types), primaryKey: ['id'], hints: {} });
        await Promise.all(Array.from({ length: 8 }, () => evolve(undefined, [['id', 'bigint'], ['v', 'text']])));
        const shape = await readShape(wide, SCHEMA, table);
        await Promise.all(Array.from({ length: 8 }, (_, i) => evolve(shape, [['id', 'bigint'], [`c${i % 2}`, 'text']])));
        expect([...(await readShape(wide, SCHEMA, table))!.columns.keys()].sort()).toEqual(['c0', 'c1', 'id', 'v']);
      }
    } finally {
      await wide.destroy();
    }
  });
});
