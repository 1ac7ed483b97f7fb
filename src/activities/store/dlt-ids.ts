import { createHash, randomBytes } from 'node:crypto';

/**
 * dlt's row ids (dlt/common/normalizers/utils.py, json/helpers.py): `DLT_ID_LENGTH_BYTES` = 10
 * bytes, base64 without its `=` padding, so 14 characters.
 */
const ID_BYTES = 10;

/** `_dlt_id` of root rows as dlt makes them by default: crypto-random (`generate_dlt_ids`), one draw for the page. */
export function randomRowIds(n: number): string[] {
  const bytes = randomBytes(n * ID_BYTES);
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = unpadded(bytes.subarray(i * ID_BYTES, (i + 1) * ID_BYTES).toString('base64'));
  return ids;
}

/**
 * `_dlt_id` of a nested row (`get_nested_row_hash`): shake128 of `<parent id>_<table>_<list index>`,
 * 10 bytes. Deterministic, so a list keeps its rows' ids while its parent keeps its id.
 */
export function nestedRowId(parentId: string, table: string, index: number): string {
  return unpadded(createHash('shake128', { outputLength: ID_BYTES }).update(`${parentId}_${table}_${index}`, 'utf8').digest('base64'));
}

function unpadded(base64: string): string {
  return base64.replace(/=+$/, '');
}
