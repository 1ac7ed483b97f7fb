import { randomBytes } from 'node:crypto';
import { digest, sortedJson } from './row-id';

/* dlt's row ids (dlt/common/normalizers/utils.py, json/helpers.py) are `DLT_ID_BYTES` (row-id.ts) = 10
 * bytes, base64 without its `=` padding, so 14 characters. */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The 14th character of 10 bytes in base64 holds their last 2 bits and 4 zero bits: each character mapped to that form. */
const LAST = new Map([...ALPHABET].map((c, i) => [c, ALPHABET[i & 0b110000]]));

/**
 * `_dlt_id` of root rows as dlt makes them by default: 10 crypto-random bytes in base64
 * (`generate_dlt_ids`). One draw and one base64 encoding for the page, cut into 14-character
 * ids whose last character has dlt's form: the hot path of every page.
 */
export function randomRowIds(n: number): string[] {
  const text = randomBytes(Math.ceil((n * 14 * 6) / 8)).toString('base64');
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = text.slice(i * 14, i * 14 + 13) + LAST.get(text[i * 14 + 13])!;
  return ids;
}

/**
 * `_dlt_id` of a nested row (`get_nested_row_hash`): shake128 of `<parent id>_<table>_<list index>`,
 * 10 bytes. Deterministic, so a list keeps its rows' ids while its parent keeps its id.
 */
export function nestedRowId(parentId: string, table: string, index: number): string {
  return digest(`${parentId}_${table}_${index}`);
}

/**
 * `_dlt_id` of a root row under dlt's `upsert` / `insert-only` merge (`get_row_hash` on the
 * primary key): the digest of the key columns as orjson writes them with sorted keys.
 */
export function keyRowId(key: Record<string, unknown>): string {
  return digest(sortedJson(key));
}
