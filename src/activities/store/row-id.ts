import { createHash } from 'node:crypto';
import { DataError } from '../../errors';
import { ExactNumber } from '../http/json';

/**
 * dlt's deterministic row ids (dlt/common/normalizers/json/helpers.py `get_row_hash`): the row as
 * JSON with keys sorted at every level, compact, as orjson writes it, hashed with SHAKE128 to 10
 * bytes and base64 without padding. scd2 hashes the whole record (keys starting `_dlt` left out)
 * into `_dlt_id`; upsert and insert-only hash the primary key columns.
 */
export const DLT_ID_BYTES = 10;

/**
 * orjson's number text is JavaScript's for integers and for most floats; where they part
 * (`1e-6`, a float written `2.0` that JavaScript reads as the integer 2) the hash differs from dlt's.
 */
function numberText(n: number): string {
  return JSON.stringify(n);
}

/** `v` as orjson's `dumps(v, option=OPT_SORT_KEYS)` writes it. */
export function sortedJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? numberText(v) : 'null';
  if (v instanceof ExactNumber) return v.toString();
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort(compareUtf8);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
}

/** orjson sorts keys by their UTF-8 bytes; for the Basic Multilingual Plane that is code point order. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** dlt's `digest128b`: SHAKE128 of the text, `bytes` long (`DLT_ID_BYTES` for row ids), base64 without `=`. */
export function digest(text: string, bytes = DLT_ID_BYTES): string {
  return createHash('shake128', { outputLength: bytes }).update(text, 'utf8').digest('base64').replace(/=+$/, '');
}

/** scd2's row hash: the record as extracted (its own keys, nested values), keys starting `_dlt` excluded. */
export function rowHash(record: Record<string, unknown>): string {
  const kept: Record<string, unknown> = {};
  for (const k of Object.keys(record)) if (!k.startsWith('_dlt')) kept[k] = record[k];
  return digest(sortedJson(kept));
}

/** upsert's and insert-only's key hash: the primary key columns of the normalized row. */
export function keyHash(row: Record<string, unknown>, primaryKey: string[]): string {
  return digest(sortedJson(Object.fromEntries(primaryKey.map((c) => [c, row[c] ?? null]))));
}

/** What a resource's rows need for its write disposition: the plan fields read here. */
interface RowIdPlan {
  writeDisposition: string;
  merge?: { strategy: string; scd2?: { rowVersion: string } };
  primaryKey: string[];
}

/**
 * How a page's root rows get `_dlt_id`, as dlt makes them: scd2's row hash of each record (with
 * its parent fields; aligned with `records`), unless `row_version_column_name` names a column of
 * the records; upsert's and insert-only's primary-key hash; else dlt's random ids. The
 * normalizer (relational.ts) derives the nested rows' ids from these.
 */
export function rootIdsOf(plan: RowIdPlan, records: unknown[], extra: Record<string, unknown> | undefined): 'random' | 'key_hash' | string[] {
  if (plan.writeDisposition !== 'merge') return 'random';
  const strategy = plan.merge?.strategy;
  const version = plan.merge?.scd2?.rowVersion;
  if (strategy === 'scd2') {
    if (version !== undefined && version !== '_dlt_id') return 'random';
    return records.map((r) => rowHash(extra ? { ...(r as Record<string, unknown>), ...extra } : (r as Record<string, unknown>)));
  }
  return strategy === 'upsert' || strategy === 'insert-only' ? 'key_hash' : 'random';
}

/** dlt's row version column is not nullable: under scd2 a record without it cannot be versioned. */
export function checkRowVersion(plan: RowIdPlan, rows: Record<string, unknown>[], where = 'page'): void {
  const version = plan.merge?.scd2?.rowVersion;
  if (plan.writeDisposition !== 'merge' || plan.merge?.strategy !== 'scd2' || version === undefined || version === '_dlt_id') return;
  const i = rows.findIndex((row) => row[version] === null || row[version] === undefined);
  if (i >= 0) throw new DataError(`${where}: record ${i} has no value for row_version_column_name "${version}"; every scd2 record needs one`);
}
