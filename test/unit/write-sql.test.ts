import { scd2RetireSql, systemColumns, tableWriteSql, type TableWrite } from '../../src/activities/store/write-sql';
import type { MergeSpec } from '../../src/plan/types';

const SCD2: MergeSpec = { strategy: 'scd2', scd2: { validFrom: '_dlt_valid_from', validTo: '_dlt_valid_to', activeRecordTimestamp: null, rowVersion: '_dlt_id' } };

/** A write of columns id, v (and ts, deleted) into s.t whose table also has a column x. */
function write(edit: Partial<TableWrite>): TableWrite {
  return {
    schema: 's',
    table: 't',
    columns: new Map([['id', 'bigint'], ['v', 'text'], ['_dlt_load_id', 'text']]),
    tableColumns: ['id', 'v', 'x', '_dlt_load_id'],
    constraint: [],
    disposition: 'append',
    primaryKey: [],
    mergeKey: [],
    loadId: '1700000000.5',
    seenKey: 't',
    ...edit,
  };
}
const sqlOf = (w: TableWrite) => tableWriteSql(w, '[]', 'st', 'w');

describe('the SQL of one table write', () => {
  test.each<[string, Partial<TableWrite>, string[], string[]]>([
    ['append: a plain insert of every record with the load id', {}, ['INSERT INTO "s"."t" AS d ("id", "v", "_dlt_load_id")', 's."v", ?::text FROM w_src s'], ['ON CONFLICT', 'DISTINCT ON', 'DELETE']],
    ['replace: the same', { disposition: 'replace', primaryKey: ['id'] }, ['INSERT INTO "s"."t"'], ['ON CONFLICT', 'DISTINCT ON']],
    [
      "append into an earlier version's table with a PRIMARY KEY: one row per key, the last record winning",
      { constraint: ['id'] },
      ['DISTINCT ON (s."id")', 's."_rest_sync_ord" DESC', 'ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v", "x" = NULL, "_dlt_load_id" = EXCLUDED."_dlt_load_id"'],
      [],
    ],
    [
      'delete-insert by primary key: collapses, replaces rows of earlier loads, the last record within a load',
      { disposition: 'merge', merge: { strategy: 'delete-insert' }, primaryKey: ['id'] },
      ['w_one AS (SELECT DISTINCT ON (s."id")', 'ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v", "x" = NULL'],
      ['w_mk', 'w_del', 'IS DISTINCT FROM EXCLUDED', 'RETURNING'],
    ],
    [
      'delete-insert by merge_key: deletes rows of earlier loads only, sparing those the primary key updates',
      { disposition: 'merge', merge: { strategy: 'delete-insert' }, primaryKey: ['id'], mergeKey: ['v'] },
      ['w_mk AS (DELETE FROM "s"."t" d WHERE d."_dlt_load_id" IS DISTINCT FROM ?::text', 'EXISTS (SELECT 1 FROM w_src s WHERE s."v" = d."v")', 'NOT EXISTS (SELECT 1 FROM w_one o WHERE o."id" = d."id")'],
      [],
    ],
    [
      'delete-insert of a page whose keys are distinct: no de-duplication step, the same conflict rule',
      { disposition: 'merge', merge: { strategy: 'delete-insert' }, primaryKey: ['id'], keysUnique: true },
      ['FROM json_to_recordset(?::json) AS r(', 'SELECT s."id", s."v", ?::text FROM w_src s', 'ON CONFLICT ("id") DO UPDATE SET'],
      ['DISTINCT ON', 'WITH ORDINALITY', 'w_one', 'IS DISTINCT FROM EXCLUDED'],
    ],
    ['upsert of a page whose keys are distinct: no de-duplication step', { disposition: 'merge', merge: { strategy: 'upsert' }, primaryKey: ['id'], keysUnique: true }, ['FROM w_src s', 'ON CONFLICT ("id") DO UPDATE'], ['DISTINCT ON', 'w_one']],
    ['delete-insert by merge_key alone: no dedup, no conflict target', { disposition: 'merge', mergeKey: ['v'] }, ['w_mk AS (DELETE', 'w_ins AS (INSERT'], ['DISTINCT ON', 'ON CONFLICT']],
    ['merge without keys appends', { disposition: 'merge' }, ['w_ins AS (INSERT'], ['DELETE', 'ON CONFLICT']],
    [
      'dedup_sort desc: the highest value first (NULLs first, as Postgres sorts DESC); a same-load row is kept when it comes first',
      { disposition: 'merge', merge: { strategy: 'delete-insert', dedupSort: { column: 'v', order: 'desc' } }, primaryKey: ['id'] },
      ['ORDER BY s."id", s."v" DESC, s."_rest_sync_ord" DESC', 'OR NOT coalesce((d."v" IS NULL AND EXCLUDED."v" IS NOT NULL) OR d."v" > EXCLUDED."v", false)'],
      [],
    ],
    ['dedup_sort asc', { disposition: 'merge', merge: { strategy: 'delete-insert', dedupSort: { column: 'v', order: 'asc' } }, primaryKey: ['id'] }, ['s."v" ASC', '(d."v" IS NOT NULL AND EXCLUDED."v" IS NULL) OR d."v" < EXCLUDED."v"'], []],
    [
      'hard_delete in a boolean column: true deletes the key and is not inserted',
      { disposition: 'merge', merge: { strategy: 'delete-insert', hardDelete: 'gone' }, primaryKey: ['id'], columns: new Map([['id', 'bigint'], ['gone', 'boolean']]) },
      ['w_del AS (DELETE FROM "s"."t" d USING w_one s WHERE s."id" = d."id" AND s."gone" IS TRUE', 'WHERE NOT (s."gone" IS TRUE)'],
      [],
    ],
    ['hard_delete in another column: any value deletes', { disposition: 'merge', merge: { strategy: 'upsert', hardDelete: 'gone' }, primaryKey: ['id'], columns: new Map([['id', 'bigint'], ['gone', 'text']]) }, ['s."gone" IS NOT NULL'], []],
    ['dedup_sort column absent from the page: the last record wins', { disposition: 'merge', merge: { strategy: 'delete-insert', dedupSort: { column: 'ts', order: 'desc' } }, primaryKey: ['id'] }, ['ON CONFLICT ("id") DO UPDATE'], ['"ts"', 'IS DISTINCT FROM EXCLUDED']],
    [
      'rows with nested rows: the written root rows return their _dlt_id',
      { disposition: 'merge', primaryKey: ['id'], columns: new Map([['id', 'bigint'], ['_dlt_id', 'text']]), returnsIds: true },
      ['RETURNING d."_dlt_id"'],
      [],
    ],
    [
      'hard_delete with root ids asked for: the deleted rows return theirs too (their nested rows go with them)',
      { disposition: 'merge', merge: { strategy: 'delete-insert', hardDelete: 'gone' }, primaryKey: ['id'], columns: new Map([['id', 'bigint'], ['gone', 'boolean'], ['_dlt_id', 'text']]), returnsIds: true },
      ['w_del AS (DELETE FROM "s"."t" d USING w_one s WHERE s."id" = d."id" AND s."gone" IS TRUE', ') RETURNING d."_dlt_id")'],
      [],
    ],
    ['merge_key column absent from the page: nothing deleted by it', { disposition: 'merge', primaryKey: ['id'], mergeKey: ['day'] }, [], ['w_mk', '"day"']],
    ['hard_delete column absent from the page: nothing deleted', { disposition: 'merge', merge: { strategy: 'delete-insert', hardDelete: 'gone' }, primaryKey: ['id'] }, [], ['w_del', 'gone']],
    ['upsert: update or insert, the whole row', { disposition: 'merge', merge: { strategy: 'upsert' }, primaryKey: ['id'] }, ['ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v", "x" = NULL'], ['IS DISTINCT FROM', 'w_mk']],
    ['insert-only: keys present are left alone, the first record of a page kept', { disposition: 'merge', merge: { strategy: 'insert-only' }, primaryKey: ['id'] }, ['ON CONFLICT ("id") DO NOTHING', 's."_rest_sync_ord" ASC'], ['DO UPDATE']],
    [
      'scd2: versions noted, new versions inserted active from the load time',
      { disposition: 'merge', merge: SCD2, columns: new Map([['id', 'bigint'], ['_dlt_id', 'text'], ['_dlt_valid_from', 'timestamptz'], ['_dlt_valid_to', 'timestamptz']]) },
      [
        'INSERT INTO "s"."_rest_sync_scd2_seen" (table_name, load_id, version)',
        '("id", "_dlt_id", "_dlt_load_id", "_dlt_valid_from", "_dlt_valid_to")',
        'to_timestamp(?::double precision), NULL::timestamptz',
        'NOT EXISTS (SELECT 1 FROM "s"."t" a WHERE a."_dlt_id" = s."_dlt_id" AND a."_dlt_valid_to" IS NULL)',
      ],
      ['ON CONFLICT ("', 'w_src AS (SELECT * FROM ROWS FROM (json_to_recordset(?::json) AS ("id" bigint, "_dlt_id" text, "_dlt_valid_from"'],
    ],
  ])('%s', (_what, edit, contains, lacks) => {
    const sql = sqlOf(write(edit)).ctes.join('\n');
    expect(sql).toContain('WHERE EXISTS (SELECT 1 FROM st)');
    for (const c of contains) expect(sql).toContain(c);
    for (const l of lacks) expect(sql).not.toContain(l);
  });

  test.each<[string, Partial<TableWrite>, string | undefined]>([
    ['delete-insert hard_delete with root ids asked for', { disposition: 'merge', merge: { strategy: 'delete-insert', hardDelete: 'gone' }, primaryKey: ['id'], columns: new Map([['id', 'bigint'], ['gone', 'boolean'], ['_dlt_id', 'text']]), returnsIds: true }, 'w_del'],
    ['upsert hard_delete with root ids asked for', { disposition: 'merge', merge: { strategy: 'upsert', hardDelete: 'gone' }, primaryKey: ['id'], columns: new Map([['id', 'bigint'], ['gone', 'boolean'], ['_dlt_id', 'text']]), returnsIds: true }, 'w_del'],
    ['hard_delete without them (no child tables)', { disposition: 'merge', merge: { strategy: 'delete-insert', hardDelete: 'gone' }, primaryKey: ['id'], columns: new Map([['id', 'bigint'], ['gone', 'boolean'], ['_dlt_id', 'text']]) }, undefined],
  ])('the CTE returning hard-deleted root ids: %s', (_what, edit, deleted) => {
    const out = sqlOf(write(edit));
    expect(out.deleted).toBe(deleted);
    expect(out.ctes.join('\n').includes('_del AS (DELETE') && out.ctes.some((c) => c.startsWith('w_del') && c.endsWith('RETURNING d."_dlt_id")'))).toBe(deleted !== undefined);
  });

  test.each<[string, Partial<TableWrite>, unknown[]]>([
    ['append', {}, ['[]', '1700000000.5']],
    ['delete-insert with merge_key and hard_delete', { disposition: 'merge', merge: { strategy: 'delete-insert', hardDelete: 'v' }, primaryKey: ['id'], mergeKey: ['v'] }, ['[]', '1700000000.5', '1700000000.5', '1700000000.5']],
    ['scd2 with an active timestamp and a boundary', { disposition: 'merge', merge: { strategy: 'scd2', scd2: { ...SCD2.scd2!, activeRecordTimestamp: '9999-12-31T00:00:00.000Z', boundaryTimestamp: '2024-01-01T00:00:00.000Z' } } }, ['[]', 't', '1700000000.5', '1700000000.5', '2024-01-01T00:00:00.000Z', '9999-12-31T00:00:00.000Z', '9999-12-31T00:00:00.000Z']],
  ])('bindings in the order their placeholders appear: %s', (_what, edit, bindings) => {
    const out = sqlOf(write(edit));
    expect(out.bindings).toEqual(bindings);
    expect(out.ctes.join('\n').match(/\?/g)).toHaveLength(bindings.length);
  });

  test('scd2 retirement: only after a load that saw rows, only active rows it did not see, within the merge_key partitions', () => {
    const out = scd2RetireSql({ ...write({ merge: SCD2, mergeKey: ['id'] }) });
    const sql = out.ctes[0];
    expect(sql).toContain('UPDATE "s"."t" d SET "_dlt_valid_to" = to_timestamp(?::double precision)');
    expect(sql).toContain('AND EXISTS (SELECT 1 FROM "s"."_rest_sync_scd2_seen" v WHERE v.table_name = ? AND v.load_id = ?)');
    expect(sql).toContain('d."_dlt_valid_to" IS NULL AND NOT EXISTS');
    expect(sql).toContain('k."id" = d."id"');
    expect(out.bindings).toEqual(['1700000000.5', 't', '1700000000.5', 't', '1700000000.5', 't', '1700000000.5']);
  });

  test.each<[string, Parameters<typeof systemColumns>[0], [string, string][]]>([
    ['append', { writeDisposition: 'append' }, [['_dlt_load_id', 'text']]],
    ['scd2 with its validity columns', { writeDisposition: 'merge', merge: { ...SCD2, scd2: { ...SCD2.scd2!, validFrom: 'f', validTo: 't' } } }, [['_dlt_load_id', 'text'], ['f', 'timestamptz'], ['t', 'timestamptz']]],
  ])('columns a table gets besides its records: %s', (_what, plan, expected) => {
    expect([...systemColumns(plan)]).toEqual(expected);
  });
});
