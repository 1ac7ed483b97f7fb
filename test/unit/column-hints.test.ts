import { contractOf, hintProblem, pgTypeOf, type ColumnHintConfig } from '../../src/config/column-hints';
import { applyContract } from '../../src/activities/store/contract';
import { coerce, inferKind, kindOf, NO_FIT, type ColumnType } from '../../src/activities/store/coerce';
import { fitWrite, variantName, type FittedWrite } from '../../src/activities/store/fit';
import { ExactNumber } from '../../src/activities/http/json';
import type { TableShape } from '../../src/activities/store/tables';
import { DataError } from '../../src/errors';
import { prepareRows } from '../../src/activities/store/rows';
import { canonicalType, columnTypeOf, ddlType } from '../../src/activities/store/types';

describe("dlt data types on Postgres (dlt's PostgresTypeMapper)", () => {
  test.each<[ColumnHintConfig, string]>([
    [{ data_type: 'text' }, 'varchar'],
    [{ data_type: 'text', precision: 20 }, 'varchar(20)'],
    [{ data_type: 'double' }, 'double precision'],
    [{ data_type: 'bool' }, 'boolean'],
    [{ data_type: 'timestamp' }, 'timestamptz'],
    [{ data_type: 'timestamp', precision: 3 }, 'timestamptz(3)'],
    [{ data_type: 'timestamp', timezone: false }, 'timestamp'],
    [{ data_type: 'timestamp', timezone: false, precision: 0 }, 'timestamp(0)'],
    [{ data_type: 'date' }, 'date'],
    [{ data_type: 'time' }, 'time'],
    [{ data_type: 'time', precision: 3 }, 'time(3)'],
    [{ data_type: 'bigint' }, 'bigint'],
    [{ data_type: 'bigint', precision: 8 }, 'smallint'],
    [{ data_type: 'bigint', precision: 16 }, 'smallint'],
    [{ data_type: 'bigint', precision: 32 }, 'integer'],
    [{ data_type: 'bigint', precision: 64 }, 'bigint'],
    [{ data_type: 'binary' }, 'bytea'],
    [{ data_type: 'json' }, 'jsonb'],
    [{ data_type: 'complex' }, 'jsonb'],
    [{ data_type: 'decimal' }, 'numeric(38,9)'],
    [{ data_type: 'decimal', precision: 10, scale: 2 }, 'numeric(10,2)'],
    [{ data_type: 'decimal', precision: 10 }, 'numeric(10,9)'],
    [{ data_type: 'wei' }, 'numeric(156,78)'],
    [{ nullable: false }, undefined as unknown as string],
  ])('%j → %s', (hint, want) => expect(pgTypeOf(hint)).toBe(want));

  test.each<[ColumnHintConfig, string]>([
    [{ data_type: 'bigint', precision: 128 }, "a bigint's precision is in bits, at most 64"],
    [{ data_type: 'timestamp', precision: 9 }, 'Postgres keeps at most 6 digits of a second'],
    [{ data_type: 'bool', precision: 1 }, 'data_type bool takes no precision on Postgres'],
    [{ data_type: 'text', scale: 1, precision: 3 }, 'data_type text takes no scale on Postgres'],
    [{ data_type: 'time', timezone: true }, 'data_type time takes no timezone on Postgres'],
    [{ data_type: 'decimal', precision: 4, scale: 6 }, 'scale 6 is above the precision 4'],
    [{ data_type: 'decimal', scale: 2 }, 'scale needs a precision'],
    [{ precision: 4 }, 'precision needs a data_type'],
  ])('%j is refused: %s', (hint, message) => expect(hintProblem(hint)?.message).toContain(message));

  test.each([
    [undefined, undefined],
    ['evolve', undefined],
    ['freeze', { tables: 'freeze', columns: 'freeze', data_type: 'freeze' }],
    [{ columns: 'discard_row' }, { tables: 'evolve', columns: 'discard_row', data_type: 'evolve' }],
  ] as const)('schema_contract %j expands to %j', (config, want) => expect(contractOf(config)).toEqual(want));
});

describe("an existing column's type read back in dlt's terms (dlt's dbt_to_sct)", () => {
  // `character varying` is what dlt and rest-sync create; `text` what rest-sync created before
  test.each<[string, { length?: number; precision?: number; scale?: number }, ColumnType, string]>([
    ['character varying', {}, { type: 'text' }, 'text'],
    ['character varying', { length: 5 }, { type: 'text', precision: 5 }, 'text'],
    ['text', {}, { type: 'text' }, 'text'],
    ['uuid', {}, { type: 'text' }, 'uuid'],
    ['bigint', {}, { type: 'bigint' }, 'bigint'],
    ['integer', {}, { type: 'bigint', precision: 32 }, 'bigint'],
    ['timestamp with time zone', {}, { type: 'timestamp' }, 'timestamptz'],
    ['numeric', { precision: 38, scale: 9 }, { type: 'decimal', precision: 38, scale: 9 }, 'numeric'],
  ])('%s %j is %j (%s inside the loader)', (dataType, limits, type, canonical) => {
    expect(columnTypeOf(dataType, limits)).toEqual(type);
    expect(canonicalType(dataType)).toBe(canonical);
  });

  test.each([
    ['text', 'varchar'],
    ['varchar(5)', 'varchar(5)'],
    ['bigint', 'bigint'],
    ['jsonb', 'jsonb'],
    ['timestamptz(3)', 'timestamptz(3)'],
  ])('DDL declares %s as %s, as dlt does', (type, ddl) => expect(ddlType(type)).toBe(ddl));

  /** A table's shape as readShape makes it from information_schema's `data_type`. */
  const readBack = (columns: Record<string, string>): TableShape => ({
    columns: new Map(Object.entries(columns).map(([c, t]) => [c, canonicalType(t)])),
    types: new Map(Object.entries(columns).map(([c, t]) => [c, columnTypeOf(t)])),
    owners: new Map(),
    hasPrimaryKey: true,
    primaryKey: ['k'],
  });

  test.each(['text', 'character varying'])('a %s column takes strings, numbers, booleans and objects: no variant, no key widening, no freeze', (type) => {
    const rows = [{ k: 'a', v: 'x' }, { k: 5, v: 5 }, { k: 2.5, v: true }, { k: 'b', v: { a: 1 } }];
    const fitted = fitWrite({ table: 't', rows, types: new Map() }, { shape: readBack({ k: type, v: type }), where: 'w', keys: ['k'], keyTypeChange: 'freeze' });
    expect(fitted.added.size).toBe(0);
    expect(Object.fromEntries(fitted.types)).toEqual({ k: 'text', v: 'text' });
    expect(fitted.rows).toEqual([{ k: 'a', v: 'x' }, { k: '5', v: '5' }, { k: '2.5', v: 'True' }, { k: 'b', v: '{"a":1}' }]);
  });
});

describe("values into dlt's types (dlt's coerce_value)", () => {
  test.each<[unknown, string]>([
    ['x', 'text'],
    [true, 'bool'],
    [5, 'bigint'],
    [2.5, 'double'],
    [1e20, 'double'],
    [new ExactNumber('9007199254740993'), 'bigint'],
    [new ExactNumber('12345678901234567890'), 'decimal'],
    [new ExactNumber('0.10000000000000000001'), 'decimal'],
    [{ a: 1 }, 'json'],
    [[1], 'json'],
  ])('kind of %p is %s', (v, want) => expect(kindOf(v)).toBe(want));

  test.each([
    ['2024-01-02T03:04:05Z', 'timestamp'],
    ['2024-01-02 03:04:05+02:00', 'timestamp'],
    ['2024-01-02T03:04:05', 'timestamp'],
    ['20240102T030405Z', 'timestamp'],
    ['2024-01-02', 'text'],
    ['2024', 'text'],
    ['10:20:30', 'text'],
    ['2024-02-30T00:00:00Z', 'text'],
    // as dlt 1.31's is_iso_timestamp answers them
    ['2024-01-02T03', 'timestamp'],
    ['20240102T030405', 'timestamp'],
    ['2024-01-02T03:04:05+0530', 'timestamp'],
    ['2024-01-02T03:04:05,5Z', 'timestamp'],
    ['2024/01/02 03:04:05', 'timestamp'],
    ['2024-01-02t03:04:05z', 'text'],
    ['2024-01-02T24:00:00', 'text'],
    ['2024-01-02T03:04:60Z', 'text'],
    ['2024-01-02 03:04:05 +02:00', 'text'],
    ['Tue, 02 Jan 2024 03:04:05 GMT', 'text'],
  ])('a new column of %p is %s (dlt detects iso_timestamp only)', (v, want) => expect(inferKind(v)).toBe(want));

  const T = (type: ColumnType['type'], more: Partial<ColumnType> = {}): ColumnType => ({ type, ...more });
  test.each<[unknown, ColumnType, unknown]>([
    [5, T('text'), '5'],
    [true, T('text'), 'True'],
    [{ a: 1 }, T('text'), '{"a":1}'],
    [' 42 ', T('bigint'), '42'],
    ['1_000', T('bigint'), '1000'],
    [1e20, T('text'), '1e+20'],
    [1.5e-7, T('text'), '1.5e-07'],
    ['on', T('bool'), NO_FIT],
    ['0xff', T('bigint'), '255'],
    ['4.5', T('bigint'), NO_FIT],
    [4.0, T('double'), 4],
    [2.5, T('bigint'), NO_FIT],
    [true, T('bigint'), NO_FIT],
    ['9223372036854775808', T('bigint'), NO_FIT],
    ['2.5', T('double'), 2.5],
    ['nan', T('double'), 'NaN'],
    [new ExactNumber('0.10000000000000000001'), T('double'), NO_FIT],
    ['1.25', T('decimal'), '1.25'],
    [2.5, T('decimal'), 2.5],
    ['yes', T('bool'), true],
    ['f', T('bool'), false],
    [0, T('bool'), false],
    ['maybe', T('bool'), NO_FIT],
    ['{"a":1}', T('json'), { a: 1 }],
    ['not json', T('json'), NO_FIT],
    [5, T('json'), NO_FIT],
    ['2024-01-02T03:04:05+02:00', T('timestamp'), '2024-01-02T03:04:05+02:00'],
    ['2024-01-02T03:04:05', T('timestamp'), '2024-01-02T03:04:05+00:00'],
    ['2024-01-02T03:04:05.5-01:30', T('timestamp', { timezone: false }), '2024-01-02T04:34:05.5'],
    [1704164645, T('timestamp'), '2024-01-02T03:04:05+00:00'],
    [1.5, T('timestamp'), '1970-01-01T00:00:01.500000+00:00'],
    ['soon', T('timestamp'), NO_FIT],
    ['2024-02-30T00:00:00Z', T('timestamp'), NO_FIT],
    ['0000-01-01T00:00:00Z', T('timestamp'), NO_FIT],
    ['2024-02-29 23:59:59.123456+05:30', T('timestamp'), '2024-02-29 23:59:59.123456+05:30'],
    ['2024-01-02T03:04:05+0200', T('timestamp'), '2024-01-02T03:04:05+02:00'],
    ['2024-01-02', T('date'), '2024-01-02'],
    ['2024-01-02T23:00:00-02:00', T('date'), '2024-01-03'],
    ['10:20:30', T('time'), '10:20:30'],
    ['25:00', T('time'), NO_FIT],
    ['aGVsbG8=', T('binary'), '\\x68656c6c6f'],
    ['0x0aff', T('binary'), '\\x0aff'],
    [258, T('binary'), '\\x0201'],
    ['not base64!', T('binary'), NO_FIT],
  ])('%p into %j is %p (as dlt 1.31 coerces it)', (v, to, want) => expect(coerce(v, kindOf(v), to)).toEqual(want));

  test.each<[unknown, ColumnType, string]>([
    ['abcdef', { type: 'text', precision: 5 }, '6 characters do not fit varchar(5)'],
    [40000, { type: 'bigint', precision: 16 }, '40000 does not fit a 16-bit integer'],
    [3e9, { type: 'bigint', precision: 32 }, 'does not fit a 32-bit integer'],
    ['123456789.5', { type: 'decimal', precision: 10, scale: 2 }, 'does not fit numeric(10,2)'],
  ])('%p past the size of %j fails: %s', (v, to, message) => expect(() => coerce(v, kindOf(v), to)).toThrow(message));
});

describe('fitting a table write', () => {
  const shape = (columns: Record<string, string>, notNull: string[] = []): TableShape => ({
    columns: new Map(Object.entries(columns)),
    owners: new Map(),
    hasPrimaryKey: false,
    primaryKey: [],
    notNull: new Set(notNull),
  });
  const write = (rows: Record<string, unknown>[]) => ({ table: 't', rows, types: new Map() });

  test('a new column takes its first value type; later values coerce or go to a variant, never lost', () => {
    const rows = [{ a: 1 }, { a: '2' }, { a: 'x' }, { a: 1.5 }, { a: null }];
    const fitted = fitWrite(write(rows), { where: 'resource "r" page 1' });
    expect(fitted.rows).toEqual([{ a: 1 }, { a: '2' }, { a__v_text: 'x' }, { a__v_double: 1.5 }, { a: null }]);
    expect(Object.fromEntries(fitted.types)).toEqual({ a: 'bigint', a__v_text: 'text', a__v_double: 'double precision' });
    expect(rows[2]).toEqual({ a: 'x' }); // records stay as parsed: children fan out over them
  });

  test('integers and fractions of a new column in one page make it double (JSON 0.0 parses to 0 here)', () => {
    const prepared = prepareRows([{ s: 0 }, { s: 1.5 }], { primaryKey: [], dedupe: false, where: 'w' });
    const fitted = fitWrite({ table: 't', ...prepared }, { where: 'w' });
    expect(fitted.rows).toEqual([{ s: 0 }, { s: 1.5 }]);
    expect(fitted.types.get('s')).toBe('double precision');
  });

  test('a key column widens instead of taking a variant', () => {
    const fitted = fitWrite(write([{ id: 1 }, { id: 'a' }]), { where: 'w', keys: ['id'] });
    expect(fitted.rows).toEqual([{ id: 1 }, { id: 'a' }]);
    expect(fitted.types.get('id')).toBe('text');
  });

  test.each([
    ['discard_row', [{ id: 1 }]],
    ['discard_value', [{ id: 1 }]],
  ] as const)('data_type %s: a key value that would change its column type drops the record', (mode, rows) => {
    expect(fitWrite(write([{ id: 1 }, { id: 'a' }]), { where: 'w', keys: ['id'], keyTypeChange: mode }).rows).toEqual(rows);
  });

  test('data_type freeze: a key value that would change its column type fails the page', () => {
    expect(() => fitWrite(write([{ id: 1 }, { id: 'a' }]), { where: 'resource "r" page 1', keys: ['id'], keyTypeChange: 'freeze' })).toThrow(
      'resource "r" page 1: schema_contract data_type is freeze: record 1: the key value of "id" (text) does not fit its column (bigint) of table "t", which would have to change type',
    );
  });

  test.each([
    [{ a: null }, 'record 0 has no value for column "a" of table "t", which is not nullable'],
    [{ b: 1 }, 'record 0 has no value for column "a" of table "t", which is not nullable'],
  ])('a NOT NULL column without a value (%j) fails the page', (row, message) => {
    expect(() => fitWrite(write([row]), { shape: shape({ a: 'bigint' }, ['a']), where: 'resource "r" page 2' })).toThrow(`resource "r" page 2: ${message}`);
  });

  test("variant names are dlt's, shortened to 63 bytes", () => {
    expect(variantName('n', 'text')).toBe('n__v_text');
    expect(Buffer.byteLength(variantName('x'.repeat(63), 'double'))).toBeLessThanOrEqual(63);
  });
});

describe("schema_contract (dlt's apply_schema_contract)", () => {
  /** A fitted write onto an existing table with one new column `c` (or a new variant `a__v_text`). */
  const fitted = (variant: boolean): FittedWrite => ({
    table: 't',
    rows: variant ? [{ id: 1, a__v_text: 'x' }, { id: 2, a: 2 }] : [{ id: 1, c: 'x' }, { id: 2, a: 2 }],
    types: new Map(variant ? [['id', 'bigint'], ['a__v_text', 'text'], ['a', 'bigint']] : [['id', 'bigint'], ['c', 'text'], ['a', 'bigint']]),
    added: new Map([[variant ? 'a__v_text' : 'c', { variant, hinted: false, nullOnly: false, ...(variant ? { of: 'a' } : {}) }]]),
  });
  const contract = (entity: string, mode: string) => ({ tables: 'evolve', columns: 'evolve', data_type: 'evolve', [entity]: mode }) as never;
  const run = (entity: string, mode: string, newTable = false) =>
    applyContract(fitted(entity === 'data_type'), { contract: contract(entity, mode), newTable, where: 'resource "r" page 2' });

  test.each([
    ['columns', 'evolve', [{ id: 1, c: 'x' }, { id: 2, a: 2 }]],
    ['columns', 'discard_row', [{ id: 2, a: 2 }]],
    ['columns', 'discard_value', [{ id: 1 }, { id: 2, a: 2 }]],
    ['data_type', 'evolve', [{ id: 1, a__v_text: 'x' }, { id: 2, a: 2 }]],
    ['data_type', 'discard_row', [{ id: 2, a: 2 }]],
    ['data_type', 'discard_value', [{ id: 1 }, { id: 2, a: 2 }]],
    ['tables', 'evolve', [{ id: 1, c: 'x' }, { id: 2, a: 2 }]],
    ['tables', 'discard_row', []],
    ['tables', 'discard_value', []],
  ])('%s: %s', (entity, mode, rows) => expect(run(entity, mode, entity === 'tables').rows).toEqual(rows));

  test.each([
    ['columns', 'resource "r" page 2: schema_contract columns is freeze: new column "c" (text) in table "t"'],
    ['data_type', 'resource "r" page 2: schema_contract data_type is freeze: a value does not fit its column, it would need variant column "a__v_text" (text) in table "t"'],
    ['tables', 'resource "r" page 2: schema_contract tables is freeze: table "t" does not exist and may not be created'],
  ])('%s: freeze fails the page naming it', (entity, message) => {
    expect(() => run(entity, 'freeze', entity === 'tables')).toThrow(new DataError(message));
  });

  test('a new table takes its columns whatever `columns` says; null-only columns are no change', () => {
    expect(run('columns', 'freeze', true).rows).toHaveLength(2);
    const nullOnly: FittedWrite = { table: 't', rows: [{ id: 1, z: null }], types: new Map([['id', 'bigint'], ['z', undefined]]), added: new Map([['z', { variant: false, hinted: false, nullOnly: true }]]) };
    const out = applyContract(nullOnly, { contract: contract('columns', 'freeze'), newTable: false, where: 'w' });
    expect([...out.types.keys()]).toEqual(['id']);
  });
});
