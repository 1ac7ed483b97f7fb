import type { Knex } from 'knex';
import { ensureStateTables, readState } from '../../src/activities/store/state';
import { useTestSchema } from '../helpers/env';
import { pageLoader, planOf } from '../helpers/page-sink';
import { rootMessage } from '../helpers/seeds';
import { useSyncRuns } from '../helpers/sync-runs';

const SCHEMA = 'nested_contract';

/** Page 1 of every case: the root table and its child table `<t>__tags` exist after it. */
const PAGE_1 = [{ id: 1, tags: [{ name: 'a', n: 1 }] }];

/**
 * dlt applies a resource's schema_contract to the nested tables it creates too: a new child table
 * is a new table, a new column of one a new column, a value needing a variant a data type change.
 * Checked against real Postgres through the page sink (normalizer, fit, contract, DDL, commit).
 */
describe('schema_contract on nested tables', () => {
  const database = useTestSchema(SCHEMA, ensureStateTables);
  let db: Knex;
  beforeEach(() => (db = database.db));
  const { loadPage, loadPages } = pageLoader(() => db, SCHEMA);

  const tables = async (prefix: string) =>
    (await db.raw(`SELECT tablename FROM pg_tables WHERE schemaname = ? AND tablename LIKE ? ORDER BY 1`, [SCHEMA, `${prefix}%`])).rows.map((r: { tablename: string }) => r.tablename);
  const columns = async (table: string) =>
    (await db.raw(`SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_dlt\\_%' ORDER BY attname`, [`"${SCHEMA}"."${table}"`])).rows.map(
      (r: { attname: string }) => r.attname,
    );
  const rowsOf = async (table: string, cols: string) => (await db.raw(`SELECT ${cols} FROM "${SCHEMA}"."${table}" ORDER BY 1, 2`)).rows;
  /** Everything a refused page must leave as it was: every table of the tree, its columns and rows, and the state. */
  const snapshot = async (t: string) => {
    const out: Record<string, unknown> = { state: await readState(db, SCHEMA, t), tables: await tables(t) };
    for (const table of out.tables as string[]) out[table] = { columns: await columns(table), rows: (await db.raw(`SELECT * FROM "${SCHEMA}"."${table}" ORDER BY _dlt_id`)).rows };
    return out;
  };

  test.each([
    ['columns', { columns: 'freeze' }, [{ id: 2, tags: [{ name: 'b', n: 2, color: 'red' }] }], 'schema_contract columns is freeze: new column "color" \\(text\\) in table "T__tags"'],
    ['data_type', { data_type: 'freeze' }, [{ id: 2, tags: [{ name: 'b', n: 'two' }] }], 'schema_contract data_type is freeze: .* variant column "n__v_text" \\(text\\) in table "T__tags"'],
    ['tables', { tables: 'freeze' }, [{ id: 2, extra: 1, tags: [], notes: [{ text: 'x' }] }], 'schema_contract tables is freeze: table "T__notes" does not exist and may not be created'],
    ['tables, a deeper table', { tables: 'freeze' }, [{ id: 2, tags: [{ name: 'b', n: 2, sub: [1] }] }], 'schema_contract tables is freeze: table "T__tags__sub" does not exist'],
  ])('%s: freeze in a child table fails the page naming resource, page, table and column; nothing is written (no DDL, no rows, state kept)', async (name, contract, page, message) => {
    const t = `fz_${name.replace(/\W+/g, '_')}`;
    const resource = planOf(t, { schema_contract: contract });
    await loadPages(planOf(t, {}), [PAGE_1]);
    const before = await snapshot(t);
    await expect(loadPage(resource, page)).rejects.toThrow(new RegExp(`resource "${t}" page 2: ${message.replace(/T__/g, `${t}__`)}`));
    expect(await snapshot(t)).toEqual(before);
  });

  test.each([
    // a child row with a new column is dropped, and so are its own child rows; its siblings and root row load
    ['columns', 'discard_row', [{ id: 2, tags: [{ name: 'b', n: 2, color: 'red', sub: [1] }, { name: 'c', n: 3 }] }], ['a', 'c'], ['n', 'name']],
    ['columns', 'discard_value', [{ id: 2, tags: [{ name: 'b', n: 2, color: 'red' }, { name: 'c', n: 3 }] }], ['a', 'b', 'c'], ['n', 'name']],
    ['data_type', 'discard_row', [{ id: 2, tags: [{ name: 'b', n: 'two', sub: [1] }, { name: 'c', n: 3 }] }], ['a', 'c'], ['n', 'name']],
    ['data_type', 'discard_value', [{ id: 2, tags: [{ name: 'b', n: 'two' }, { name: 'c', n: 3 }] }], ['a', 'b', 'c'], ['n', 'name']],
    // a new child table's rows are dropped and the table is not made; the rest of the record loads
    ['tables', 'discard_row', [{ id: 2, tags: [{ name: 'b', n: 2 }], notes: [{ text: 'x' }] }], ['a', 'b'], ['n', 'name']],
    ['tables', 'discard_value', [{ id: 2, tags: [{ name: 'b', n: 2, sub: [1] }] }], ['a', 'b'], ['n', 'name']],
  ] as [string, string, object[], string[], string[]][])('%s: %s in a child table drops what dlt drops', async (entity, mode, page, names, cols) => {
    const t = `d_${entity}_${mode}`;
    await loadPages(planOf(t, {}), [PAGE_1]);
    await loadPage(planOf(t, { schema_contract: { [entity]: mode } }), page);
    expect((await rowsOf(t, 'id, 1')).map((r: { id: number }) => r.id)).toEqual([1, 2]);
    expect((await rowsOf(`${t}__tags`, 'name, n')).map((r: { name: string }) => r.name)).toEqual(names);
    expect(await columns(`${t}__tags`)).toEqual(cols);
    expect(await tables(t)).toEqual([t, `${t}__tags`]);
  });

  test('a root record the contract drops takes its nested rows with it (append: no child row without its root row)', async () => {
    const t = 'root_dropped';
    await loadPages(planOf(t, {}), [PAGE_1]);
    await loadPage(planOf(t, { schema_contract: { columns: 'discard_row' } }), [{ id: 2, extra: 1, tags: [{ name: 'b', n: 2 }] }, { id: 3, tags: [{ name: 'c', n: 3 }] }]);
    expect((await rowsOf(t, 'id, 1')).map((r: { id: number }) => r.id)).toEqual([1, 3]);
    expect((await rowsOf(`${t}__tags`, 'name, n')).map((r: { name: string }) => r.name)).toEqual(['a', 'c']);
    const orphans = await db.raw(`SELECT count(*)::int AS n FROM "${SCHEMA}"."${t}__tags" c WHERE NOT EXISTS (SELECT 1 FROM "${SCHEMA}"."${t}" r WHERE r._dlt_id = c._dlt_parent_id)`);
    expect(orphans.rows).toEqual([{ n: 0 }]);
  });

  test('evolve (no contract): a child value that does not fit its column goes to a variant column, as dlt does', async () => {
    const t = 'child_variant';
    await loadPages(planOf(t, {}), [PAGE_1, [{ id: 2, tags: [{ name: 'b', n: 'two' }] }]]);
    expect(await rowsOf(`${t}__tags`, 'name, n, n__v_text')).toEqual([{ name: 'a', n: 1, n__v_text: null }, { name: 'b', n: null, n__v_text: 'two' }]);
  });

  // each case checked with dlt 1.31 (nested_hints through dlt.resource, same pages)
  test.each([
    ['a resource freeze, tags evolve: tags and the tables below it evolve', { schema_contract: 'freeze', nested_hints: { tags: { schema_contract: 'evolve' } } }, [{ id: 2, tags: [{ name: 'b', n: 2, color: 'r', sub: [1] }] }], undefined],
    ['tags freeze: a new column of tags is refused', { nested_hints: { tags: { schema_contract: 'freeze' } } }, [{ id: 2, tags: [{ name: 'b', n: 2, color: 'r' }] }], 'schema_contract columns is freeze: new column "color" \\(text\\) in table "T__tags"'],
    ['tags freeze: a table below tags inherits it', { nested_hints: { tags: { schema_contract: 'freeze' } } }, [{ id: 2, tags: [{ name: 'b', n: 2, sub: [1] }] }], 'schema_contract tables is freeze: table "T__tags__sub" does not exist'],
    ['tables freeze: a hinted nested table is still a new table', { schema_contract: { tables: 'freeze' }, nested_hints: { notes: { columns: { text: { data_type: 'text' } } } } }, [{ id: 2, tags: [], notes: [{ text: 'x' }] }], 'schema_contract tables is freeze: table "T__notes" does not exist'],
    ["nullable: false in a nested table", { nested_hints: { tags: { columns: { name: { nullable: false } } } } }, [{ id: 2, tags: [{ n: 2 }] }], 'record 0 has no value for column "name" of table "T__tags", which is not nullable'],
  ] as [string, Record<string, unknown>, object[], string | undefined][])('nested_hints: %s', async (name, hints, page, message) => {
    const t = `nh_${name.replace(/\W+/g, '_').toLowerCase()}`.slice(0, 40);
    await loadPages(planOf(t, {}), [PAGE_1]);
    const before = await snapshot(t);
    if (message === undefined) {
      await loadPage(planOf(t, hints), page);
      expect(await tables(t)).toEqual([t, `${t}__tags`, `${t}__tags__sub`]);
      expect(await columns(`${t}__tags`)).toEqual(['color', 'n', 'name']);
      return;
    }
    await expect(loadPage(planOf(t, hints), page)).rejects.toThrow(new RegExp(`resource "${t}" page 2: ${message.replace(/T__/g, `${t}__`)}`));
    expect(await snapshot(t)).toEqual(before);
  });

  test('nested_hints columns make their types in the nested table (a json column kept whole, as dlt); a root hint named a__b types the flattened column, never a child table', async () => {
    const t = 'nh_types';
    const hints = {
      // a root hint never reaches a child table (dlt makes `tags__n` a column of the root table)
      columns: { profile__city: { data_type: 'text', precision: 10 }, tags__n: { data_type: 'text' } },
      nested_hints: { tags: { columns: { n: { data_type: 'bigint', precision: 16 }, name: { data_type: 'text', precision: 5, nullable: false }, meta: { data_type: 'json' }, at: { data_type: 'timestamp' } } } },
    };
    await loadPages(planOf(t, hints), [[{ id: 1, profile: { city: 'Berlin' }, tags: [{ name: 'a', n: '7', meta: { k: [1, 2] }, at: 1704067200 }] }]]);
    const types = async (table: string) =>
      Object.fromEntries(
        (await db.raw(`SELECT attname, format_type(atttypid, atttypmod) AS t, attnotnull FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_dlt\\_%'`, [`"${SCHEMA}"."${table}"`])).rows.map(
          (r: { attname: string; t: string; attnotnull: boolean }) => [r.attname, r.attnotnull ? `${r.t} not null` : r.t],
        ),
      );
    expect(await types(t)).toEqual({ id: 'bigint', profile__city: 'character varying(10)', tags__n: 'character varying' });
    expect(await types(`${t}__tags`)).toEqual({ n: 'smallint', name: 'character varying(5) not null', meta: 'jsonb', at: 'timestamp with time zone' });
    expect(await rowsOf(`${t}__tags`, `name, n, meta, at::text AS at`)).toEqual([{ name: 'a', n: 7, meta: { k: [1, 2] }, at: '2024-01-01 00:00:00+00' }]);
    expect(await tables(t)).toEqual([t, `${t}__tags`]);
  });

  test("a nested_hints type differing from the child table's column is logged; the table's type wins and values are coerced to it", async () => {
    const t = 'nh_late';
    await loadPages(planOf(t, {}), [PAGE_1]);
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m), info: () => undefined, error: () => undefined, debug: () => undefined };
    await pageLoader(() => db, SCHEMA, log).loadPage(planOf(t, { nested_hints: { tags: { columns: { n: { data_type: 'text' } } } } }), [{ id: 2, tags: [{ name: 'b', n: '7' }] }]);
    expect(warnings).toEqual([`resource "${t}": table "${t}__tags": column "n" is bigint in the table: its hint data_type text applies to new tables only, values are coerced to bigint`]);
    expect(await rowsOf(`${t}__tags`, 'name, n')).toEqual([{ name: 'a', n: 1 }, { name: 'b', n: 7 }]);
  });

  test("replace: a child table's contract goes by the table it replaces, so a frozen resource's staged child table is no new table", async () => {
    const t = 'staged';
    await loadPages(planOf(t, {}), [PAGE_1]);
    const frozen = planOf(t, { write_disposition: 'replace', schema_contract: 'freeze' });
    await loadPage(frozen, [{ id: 2, tags: [{ name: 'b', n: 2 }] }]);
    await expect(loadPage(frozen, [{ id: 3, tags: [{ name: 'c', n: 3, color: 'red' }] }])).rejects.toThrow(/page 3: schema_contract columns is freeze: new column "color" \(text\) in table "staged__tags"/);
  });
});

/**
 * End to end (Temporal workflows and activities): run 1 loads without a contract; run 2, with
 * `tables: freeze`, meets a list the tables have no child table for, so its sync fails naming the
 * resource, page and table, and nothing of it is written; run 3 discards that list's rows instead.
 */
describe('schema_contract on nested tables through syncs', () => {
  const DATA = [
    [{ id: 1, tags: ['a'] }],
    [{ id: 2, tags: ['b'], notes: [{ text: 'x' }] }],
    [{ id: 3, tags: ['c'], notes: [{ text: 'y' }] }],
    [{ id: 4, tags: ['d'], notes: [{ text: 'z' }] }],
  ];
  // run 4: the resource stays frozen, its nested_hints let `notes` evolve and type its column
  const CONTRACTS = [{}, { schema_contract: { tables: 'freeze' } }, { schema_contract: { tables: 'discard_row' } }, { schema_contract: { tables: 'freeze' }, nested_hints: { notes: { schema_contract: 'evolve', columns: { text: { data_type: 'text', precision: 5 } } } } }];
  const runs = useSyncRuns({
    runs: DATA.length,
    dataset: 'nested_fz',
    routes: (s) => [{ path: '/events', handler: () => ({ body: DATA[s.run] }) }],
    source: (s) => ({
      client: { base_url: s.url },
      resources: [{ name: 'events', ...CONTRACTS[s.run], endpoint: { path: '/events', paginator: 'single_page' } }],
    }),
  });

  test('a frozen new child table fails the sync naming resource, page and table; nothing of that run is written; discard_row drops its rows', async () => {
    expect(runs.outcomes[0]).not.toBeInstanceOf(Error);
    expect(rootMessage(runs.outcomes[1])).toMatch(/resource "events" page 1: schema_contract tables is freeze: table "events__notes" does not exist and may not be created/);
    expect(runs.outcomes[2]).not.toBeInstanceOf(Error);
    expect((await runs.rows(`SELECT id FROM nested_fz.events ORDER BY id`)).map((r) => r.id)).toEqual([1, 3, 4]);
    expect((await runs.rows(`SELECT value FROM nested_fz.events__tags ORDER BY value`)).map((r) => r.value)).toEqual(['a', 'c', 'd']);
  });

  test('nested_hints through a sync: a frozen resource whose nested table evolves by its own contract, typed by its column hint', async () => {
    expect(runs.outcomes[3]).not.toBeInstanceOf(Error);
    expect(await runs.rows(`SELECT text FROM nested_fz.events__notes`)).toEqual([{ text: 'z' }]);
    expect(await runs.rows(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'nested_fz.events__notes'::regclass AND attname = 'text'`)).toEqual([{ t: 'character varying(5)' }]);
  });
});
