import { planSource } from '../../src/plan/plan-source';
import { ConfigError } from '../../src/errors';
import type { ResourcePlan } from '../../src/plan/types';

/** One resource `items` with `keys`, planned. */
function plan(keys: Record<string, unknown>, defaults: Record<string, unknown> = {}): ResourcePlan {
  const raw = { client: { base_url: 'https://api.example.com' }, resource_defaults: defaults, resources: [{ name: 'items', ...keys }] };
  return planSource(raw, {}).resources[0];
}

function refusal(keys: Record<string, unknown>): string {
  try {
    plan(keys);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('write_disposition as dlt gives it', () => {
  test.each<[string, Record<string, unknown>, Partial<ResourcePlan>]>([
    ['append by default', {}, { writeDisposition: 'append' }],
    ['skip', { write_disposition: 'skip' }, { writeDisposition: 'skip' }],
    ['merge: delete-insert by default', { write_disposition: 'merge', primary_key: 'id' }, { writeDisposition: 'merge', merge: { strategy: 'delete-insert' } }],
    ['upsert', { write_disposition: { disposition: 'merge', strategy: 'upsert' }, primary_key: 'id' }, { merge: { strategy: 'upsert' } }],
    ['insert-only', { write_disposition: { disposition: 'merge', strategy: 'insert-only' }, primary_key: 'id' }, { merge: { strategy: 'insert-only' } }],
    [
      'scd2 with dlt\'s default columns',
      { write_disposition: { disposition: 'merge', strategy: 'scd2' } },
      { merge: { strategy: 'scd2', scd2: { validFrom: '_dlt_valid_from', validTo: '_dlt_valid_to', activeRecordTimestamp: null, rowVersion: '_dlt_id' } } },
    ],
    [
      'scd2 options',
      {
        write_disposition: {
          disposition: 'merge',
          strategy: 'scd2',
          validity_column_names: ['from', 'to'],
          active_record_timestamp: '9999-12-31',
          boundary_timestamp: 1714521600,
          row_version_column_name: 'version',
        },
        merge_key: 'day',
      },
      {
        mergeKey: ['day'],
        merge: { strategy: 'scd2', scd2: { validFrom: 'from', validTo: 'to', activeRecordTimestamp: '9999-12-31T00:00:00.000Z', boundaryTimestamp: '2024-05-01T00:00:00.000Z', rowVersion: 'version' } },
      },
    ],
    [
      'dedup_sort and hard_delete column hints',
      { write_disposition: 'merge', primary_key: 'id', columns: { ts: { dedup_sort: 'desc' }, deleted: { hard_delete: true } } },
      { merge: { strategy: 'delete-insert', dedupSort: { column: 'ts', order: 'desc' }, hardDelete: 'deleted' } },
    ],
  ])('%s', (_what, keys, expected) => {
    expect(plan(keys)).toMatchObject(expected);
  });

  test('resource_defaults give the disposition and keys', () => {
    expect(plan({}, { write_disposition: { disposition: 'merge', strategy: 'upsert' }, primary_key: 'id' })).toMatchObject({ merge: { strategy: 'upsert' }, primaryKey: ['id'] });
  });
});

describe('write_disposition refusals name the resource, the config path and the value', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['upsert without a primary key', { write_disposition: { disposition: 'merge', strategy: 'upsert' } }, 'resources[0].write_disposition.strategy: resource "items": strategy "upsert" needs a primary_key'],
    ['insert-only without a primary key', { write_disposition: { disposition: 'merge', strategy: 'insert-only' } }, 'strategy "insert-only" needs a primary_key'],
    ['a strategy outside merge', { write_disposition: { disposition: 'append', strategy: 'upsert' } }, 'resources[0].write_disposition.strategy: resource "items": strategy "upsert" applies only to disposition "merge", not "append"'],
    ['an scd2 option with another strategy', { write_disposition: { disposition: 'merge', validity_column_names: ['a', 'b'] } }, 'resources[0].write_disposition.validity_column_names: resource "items": validity_column_names ["a","b"] applies only to strategy "scd2", not "delete-insert"'],
    ['merge_key with append', { merge_key: 'day' }, 'resources[0].merge_key: resource "items": merge_key "day" applies only to merge strategies delete-insert and scd2, not "append"'],
    ['merge_key with upsert', { merge_key: 'day', primary_key: 'id', write_disposition: { disposition: 'merge', strategy: 'upsert' } }, 'merge_key "day" applies only to merge strategies delete-insert and scd2, not "upsert"'],
    ['dedup_sort without a primary key', { write_disposition: 'merge', columns: { ts: { dedup_sort: 'asc' } } }, 'resources[0].columns.ts.dedup_sort: resource "items": dedup_sort "asc" on column "ts" applies only to merge strategy delete-insert with a primary_key, not "delete-insert"'],
    ['dedup_sort with append', { primary_key: 'id', columns: { ts: { dedup_sort: 'asc' } } }, 'not "append"'],
    ['two dedup_sort columns', { write_disposition: 'merge', primary_key: 'id', columns: { a: { dedup_sort: 'asc' }, b: { dedup_sort: 'desc' } } }, 'dedup_sort is set on 2 columns ("a", "b")'],
    ['hard_delete with scd2', { write_disposition: { disposition: 'merge', strategy: 'scd2' }, columns: { d: { hard_delete: true } } }, 'resources[0].columns.d.hard_delete: resource "items": hard_delete on column "d" applies only to merge strategies delete-insert, upsert and insert-only, not "scd2"'],
    ['hard_delete with replace', { write_disposition: 'replace', columns: { d: { hard_delete: true } } }, 'not "replace"'],
  ])('%s', (_what, keys, message) => {
    expect(refusal(keys)).toContain(message);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['strategy cdc', { strategy: 'cdc' }, 'resources[0].write_disposition.strategy: not supported: strategy "cdc"'],
    ['an unknown strategy', { strategy: 'merge-all' }, 'resources[0].write_disposition.strategy: expected one of'],
    ['deduplicated', { deduplicated: true }, 'resources[0].write_disposition.deduplicated: not supported'],
    ['source_filter', { source_filter: 'x > 1' }, 'resources[0].write_disposition.source_filter: not supported'],
    ['destination_scope', { destination_scope: 'x > 1' }, 'resources[0].write_disposition.destination_scope: not supported'],
    ['skip_unchanged_rows', { skip_unchanged_rows: true }, 'resources[0].write_disposition.skip_unchanged_rows: not supported'],
    ['a timestamp that is none', { strategy: 'scd2', boundary_timestamp: 'yesterday-ish' }, 'resources[0].write_disposition.boundary_timestamp: could not parse "yesterday-ish"'],
  ])('%s', (_what, dict, message) => {
    expect(refusal({ primary_key: 'id', write_disposition: { disposition: 'merge', ...dict } })).toContain(message);
  });
});
