import type { Knex } from 'knex';
import { createPageSink } from '../../src/activities/fetch/sink';
import { NameCache } from '../../src/activities/store/names';
import { stagingTable } from '../../src/activities/store/dataset';
import { claimState, ensureStateTables, readState } from '../../src/activities/store/state';
import type { FetchPagesInput } from '../../src/activities/types';
import type { ResourcePlan } from '../../src/plan/types';
import { TYPED_HINTS } from '../../src/parity/cases';
import { useTestSchema } from '../helpers/env';
import { pageLoader, planOf } from '../helpers/page-sink';

const SCHEMA = 'hints';

describe('column hints, coercion, variants and schema contracts against real Postgres', () => {
  const database = useTestSchema(SCHEMA, ensureStateTables);
  let db: Knex;
  beforeEach(() => (db = database.db));

  const { loadPage, loadPages } = pageLoader(() => db, SCHEMA);
  const columnTypes = async (table: string) =>
    Object.fromEntries(
      (
        await db.raw(
          `SELECT attname, format_type(atttypid, atttypmod) AS t, attnotnull FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_dlt\\_%'`,
          [`"${SCHEMA}"."${table}"`],
        )
      ).rows.map((r: { attname: string; t: string; attnotnull: boolean }) => [r.attname, r.attnotnull ? `${r.t} not null` : r.t]),
    );
  /** The rows without dlt's own columns (`_dlt_load_id`, ...). */
  const rowsOf = async (table: string, order = 'id') =>
    (await db.raw(`SELECT * FROM "${SCHEMA}"."${table}" ORDER BY ${order}`)).rows.map((r: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(r).filter(([c]) => !c.startsWith('_dlt_'))),
    );

  test('each dlt data type makes the Postgres column dlt makes, and values are coerced as dlt coerces them', async () => {
    const resource = planOf('typed', {
      primary_key: 'id',
      write_disposition: 'merge',
      columns: {
        id: { data_type: 'bigint', nullable: false },
        ...TYPED_HINTS,
        old: { data_type: 'complex' },
        code: { unique: true },
        createdAt: { data_type: 'timestamp' },
      },
    });
    await loadPages(resource, [
      [
        {
          id: '7', t: 5, v5: 'abc', d: '2.5', b: 'yes', ts: '2024-01-02T03:04:05+02:00', ts3: '2024-01-02T03:04:05.123456Z', naive: '2024-01-02T03:04:05+02:00',
          day: '2024-01-02', tm: '10:20:30', small: 300, int: 70000, bin: 'aGVsbG8=', j: '{"a":1}', old: { x: [1] }, dec: '1.5', money: 12.345, w: '12345',
          code: 'A', createdAt: 1704164645,
        },
      ],
    ]);
    expect(await columnTypes('typed')).toMatchObject({
      id: 'bigint not null', t: 'character varying', v5: 'character varying(5)', d: 'double precision', b: 'boolean', ts: 'timestamp with time zone',
      ts3: 'timestamp(3) with time zone', naive: 'timestamp without time zone', day: 'date', tm: 'time without time zone', small: 'smallint',
      int: 'integer', bin: 'bytea', j: 'jsonb', old: 'jsonb', dec: 'numeric(38,9)', money: 'numeric(10,2)', w: 'numeric(156,78)', code: 'character varying', created_at: 'timestamp with time zone',
      naive3: 'timestamp(3) without time zone', tm3: 'time(3) without time zone', big: 'bigint', absent: 'character varying',
    });
    const [row] = (
      await db.raw(`SELECT id, t, d, b, ts::text AS ts, ts3::text AS ts3, naive::text AS naive, day::text AS day, small, encode(bin, 'escape') AS bin, j, old,
        dec::text AS dec, money::text AS money, w::text AS w, created_at::text AS created_at FROM "${SCHEMA}".typed`)
    ).rows;
    expect(row).toEqual({
      id: 7, t: '5', d: 2.5, b: true, ts: '2024-01-02 01:04:05+00', ts3: '2024-01-02 03:04:05.123+00', naive: '2024-01-02 01:04:05', day: '2024-01-02',
      small: 300, bin: 'hello', j: { a: 1 }, old: { x: [1] }, dec: '1.500000000', money: '12.35', w: '12345.' + '0'.repeat(78), created_at: '2024-01-02 03:04:05+00',
    });
    const unique = await db.raw(`SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype = 'u'`, [`"${SCHEMA}"."typed"`]);
    expect(unique.rows).toHaveLength(1);
  });

  test.each([
    ['append', { primary_key: 'id' }, 'late_append'],
    ['merge', { primary_key: 'id', write_disposition: 'merge' }, 'late_merge'],
  ])("%s: an empty page creates no table; the first page with rows does, its columns typed by their values as dlt's", async (_d, extra, name) => {
    const resource = planOf(name, extra);
    await claimState(db, SCHEMA, resource.name, 'sync-1', { page: 0 });
    await loadPage(resource, []);
    expect((await db.raw(`SELECT to_regclass('"${SCHEMA}"."${name}"') AS t`)).rows[0].t).toBeNull();
    await loadPage(resource, [{ id: 5, title: 'a' }]);
    expect(await columnTypes(name)).toEqual({ id: 'bigint not null', title: 'character varying' });
  });

  test("replace: an empty first page creates the staging table, which the swap needs to empty the table", async () => {
    const resource = planOf('late_replace', { write_disposition: 'replace' });
    await claimState(db, SCHEMA, resource.name, 'sync-1', { page: 0 });
    await loadPage(resource, []);
    expect((await db.raw(`SELECT to_regclass('"${SCHEMA}"."${stagingTable('late_replace')}"') AS t`)).rows[0].t).not.toBeNull();
  });

  test.each([
    ['primary_key', { primary_key: 'id' }, 'bigint not null', /record 0 has no value for primary key "id"/],
    ['merge_key', { merge_key: 'id', write_disposition: 'merge' }, 'bigint not null', /record 0 has no value for column "id" of table "nn_merge_key", which is not nullable/],
    ['a merge_key hinted nullable: true', { merge_key: 'id', write_disposition: 'merge', columns: { id: { nullable: true } } }, 'bigint', undefined],
  ])("%s: the key column is declared as dlt declares it; a null key fails its page where it is NOT NULL", async (name, extra, declared, refused) => {
    const table = `nn_${name.replace(/[^a-z]+/g, '_')}`;
    const resource = planOf(table, extra);
    await loadPages(resource, [[{ id: 1, v: 'a' }]]);
    expect((await columnTypes(table)).id).toBe(declared);
    const load = loadPage(resource, [{ id: null, v: 'b' }]);
    if (refused) await expect(load).rejects.toThrow(refused);
    else await load;
  });

  test("dlt's own columns are NOT NULL as dlt declares them; the loader fills them", async () => {
    await loadPages(planOf('sys_cols', { write_disposition: 'merge', primary_key: 'id' }), [[{ id: 1, tags: ['a'] }], [{ id: 2, tags: ['b'] }]]);
    const declared = async (table: string) =>
      (await db.raw(`SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND attnotnull AND attname LIKE '\\_dlt\\_%' ORDER BY attname`, [`"${SCHEMA}"."${table}"`])).rows.map((r: { attname: string }) => r.attname);
    expect(await declared('sys_cols')).toEqual(['_dlt_id', '_dlt_load_id']);
    expect(await declared('sys_cols__tags')).toEqual(['_dlt_id', '_dlt_list_idx', '_dlt_parent_id', '_dlt_root_id']);
    expect((await db.raw(`SELECT count(*)::int AS n FROM "${SCHEMA}".sys_cols__tags`)).rows[0].n).toBe(2);
  });

  test('a value that does not fit its column goes to a variant column named for its type, as dlt does; nothing is lost', async () => {
    const resource = planOf('drift', {});
    await loadPages(resource, [[{ id: 1, n: 5, at: '2024-01-01T00:00:00Z' }], [{ id: 2, n: 'five', at: 'soon' }, { id: 3, n: 2.5, at: 1704067200 }]]);
    expect(await columnTypes('drift')).toMatchObject({ n: 'bigint', n__v_text: 'character varying', n__v_double: 'double precision', at: 'timestamp with time zone', at__v_text: 'character varying' });
    const rows = (await db.raw(`SELECT id, n, n__v_text, n__v_double, at::text AS at, at__v_text FROM "${SCHEMA}".drift ORDER BY id`)).rows;
    expect(rows).toEqual([
      { id: 1, n: 5, n__v_text: null, n__v_double: null, at: '2024-01-01 00:00:00+00', at__v_text: null },
      { id: 2, n: null, n__v_text: 'five', n__v_double: null, at: null, at__v_text: 'soon' },
      { id: 3, n: null, n__v_text: null, n__v_double: 2.5, at: '2024-01-01 00:00:00+00', at__v_text: null },
    ]);
  });

  /** A refused page leaves the table and the state as they were. */
  async function expectRefused(resource: ResourcePlan, records: object[], message: RegExp): Promise<void> {
    const before = { state: await readState(db, SCHEMA, resource.name), rows: await rowsOf(resource.table), columns: await columnTypes(resource.table) };
    await expect(loadPage(resource, records)).rejects.toThrow(message);
    expect({ state: await readState(db, SCHEMA, resource.name), rows: await rowsOf(resource.table), columns: await columnTypes(resource.table) }).toEqual(before);
  }

  test.each([
    ['columns', { columns: 'freeze' }, [{ id: 2, extra: 'x' }], /resource "fz_columns" page 2: schema_contract columns is freeze: new column "extra" \(text\) in table "fz_columns"/],
    ['data_type', { data_type: 'freeze' }, [{ id: 2, n: 'x' }], /resource "fz_data_type" page 2: schema_contract data_type is freeze: .*variant column "n__v_text" \(text\)/],
    ['nullable', undefined, [{ id: 2, n: null }], /resource "fz_nullable" page 2: record 0 has no value for column "n" of table "fz_nullable", which is not nullable/],
    ['a value past its size', undefined, [{ id: 2, n: 40000 }], /resource "fz_a_value_past_its_size" page 2: record 0: column "n" .*: 40000 does not fit a 16-bit integer/],
  ])('%s: a refused page fails naming resource, page and column, and writes nothing (state and rows unchanged)', async (name, contract, page, message) => {
    const table = `fz_${name.replace(/ /g, '_')}`;
    const resource = planOf(table, { ...(contract ? { schema_contract: contract } : {}), columns: { n: { data_type: 'bigint', precision: 16, nullable: !!contract } } });
    await loadPages(resource, [[{ id: 1, n: 1 }]]);
    await expectRefused(resource, page, message);
  });

  test('tables: freeze refuses the first page of a table that does not exist yet', async () => {
    const resource = planOf('fz_tables', { schema_contract: 'freeze' });
    await claimState(db, SCHEMA, resource.name, 'sync-1', { page: 0 });
    await expect(loadPage(resource, [{ id: 1 }])).rejects.toThrow(/resource "fz_tables" page 1: schema_contract tables is freeze: table "fz_tables" does not exist/);
    expect((await readState(db, SCHEMA, resource.name))!.pages).toBe(0);
    expect((await db.raw(`SELECT to_regclass('"${SCHEMA}"."fz_tables"') AS t`)).rows[0].t).toBeNull();
  });

  test.each([
    ['columns', 'discard_row', [{ id: 1, n: 1, new: null }, { id: 3, n: 3, new: null }]],
    ['columns', 'discard_value', [{ id: 1, n: 1, new: null }, { id: 2, n: 2, new: null }, { id: 3, n: 3, new: null }]],
    ['data_type', 'discard_row', [{ id: 1, n: 1, new: null }, { id: 3, n: 3, new: null }]],
    ['data_type', 'discard_value', [{ id: 1, n: 1, new: null }, { id: 2, n: null, new: null }, { id: 3, n: 3, new: null }]],
  ])('%s: %s drops the record / the value, as dlt does', async (entity, mode, want) => {
    const table = `d_${entity}_${mode}`;
    const resource = planOf(table, { schema_contract: { [entity]: mode } });
    const page2 = entity === 'columns' ? [{ id: 2, n: 2, extra: 'x' }, { id: 3, n: 3 }] : [{ id: 2, n: 'two' }, { id: 3, n: 3 }];
    await loadPages(resource, [[{ id: 1, n: 1, new: null }], page2]);
    const rows = await rowsOf(table);
    expect(rows.map((r: Record<string, unknown>) => ({ id: Number(r.id), n: r.n === null ? null : Number(r.n), new: r.new }))).toEqual(want);
    expect(Object.keys(await columnTypes(table)).sort()).toEqual(['id', 'n', 'new']);
  });

  test('tables: discard_row loads nothing and creates no table; a primary_key column hint adds to the key', async () => {
    const discarded = planOf('gone', { schema_contract: { tables: 'discard_row' } });
    await loadPages(discarded, [[{ id: 1 }]]);
    expect((await db.raw(`SELECT to_regclass('"${SCHEMA}"."gone"') AS t`)).rows[0].t).toBeNull();
    expect((await readState(db, SCHEMA, 'gone'))!.pages).toBe(1);
    const keyed = planOf('keyed', { write_disposition: 'merge', columns: { id: { primary_key: true } } });
    expect(keyed.primaryKey).toEqual(['id']);
    await loadPages(keyed, [[{ id: 1, v: 'a' }, { id: 1, v: 'b' }]]);
    expect(await rowsOf('keyed')).toEqual([{ id: 1, v: 'b' }]);
  });

  test("replace: the contract goes by the table being replaced, so a frozen resource's staging table is no new table", async () => {
    await loadPages(planOf('swapped', {}), [[{ id: 1, at: '2024-01-01T00:00:00Z' }]]);
    const frozen = planOf('swapped', { write_disposition: 'replace', schema_contract: 'freeze' });
    await loadPage(frozen, [{ id: 2, at: '2024-01-02T00:00:00+01:00' }]);
    expect(await columnTypes(stagingTable('swapped'))).toEqual({ id: 'bigint', at: 'timestamp with time zone' });
    await expect(loadPage(frozen, [{ id: 3, extra: 1 }])).rejects.toThrow(/schema_contract columns is freeze: new column "extra" \(bigint\) in table "swapped__staging"/);
  });

  test('two windows creating one table at once: the later one fits its page again to the column the first created (a variant, not a failed insert)', async () => {
    const resource = planOf('race', {});
    const deps = { db, names: new NameCache(), http: undefined as never, secrets: undefined as never };
    const input = { resource, syncId: 'sync-1' } as FetchPagesInput;
    const stripes = [0, 1].map((index) => ({ kind: 'window' as const, index, count: 2, from: null }));
    for (const w of [0, 1]) await claimState(db, SCHEMA, `race#w${w}`, 'sync-1', { page: 0 });
    // both sinks read the table before it exists
    const [first, second] = await Promise.all(stripes.map((stripe) => createPageSink(deps, input, stripe, SCHEMA, 'race', 'load-1')));
    const commit = async (sink: typeof first, w: number, records: object[]) =>
      sink.commit((await readState(db, SCHEMA, `race#w${w}`))!, { token: { page: 0 } }, { records, next: { page: 1 } });
    expect(await commit(first, 0, [{ id: 1, n: 1 }])).toBeDefined();
    expect(await commit(second, 1, [{ id: 2, n: 2.5 }])).toBeDefined();
    expect(await rowsOf('race')).toEqual([{ id: 1, n: 1, n__v_double: null }, { id: 2, n: null, n__v_double: 2.5 }]);
  });

  test("a hint whose type differs from the existing column's is logged; the table's type wins and values are coerced to it", async () => {
    await loadPages(planOf('late_hint', {}), [[{ id: 1, n: 5 }]]);
    const hinted = planOf('late_hint', { columns: { n: { data_type: 'text' } } });
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m), info: () => undefined, error: () => undefined, debug: () => undefined };
    const deps = { db, names: new NameCache(), http: undefined as never, secrets: undefined as never, log: log as never };
    const sink = await createPageSink(deps, { resource: hinted, syncId: 'sync-1' } as FetchPagesInput, { kind: 'whole' }, SCHEMA, 'late_hint', 'load-1');
    await sink.commit((await readState(db, SCHEMA, 'late_hint'))!, { token: {} }, { records: [{ id: 2, n: '7' }], next: {} });
    expect(warnings).toEqual(['resource "late_hint": column "n" is bigint in the table: its hint data_type text applies to new tables only, values are coerced to bigint']);
    expect(await rowsOf('late_hint')).toEqual([{ id: 1, n: 5 }, { id: 2, n: 7 }]);
  });
});
