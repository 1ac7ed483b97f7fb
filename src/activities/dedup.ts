/**
 * dlt's boundary deduplication keys: a record loaded at the last cursor value is remembered by a
 * digest of its primary key (or of the whole record when there is none), so the next run, which
 * starts at that same value, does not load it again. The digest is dlt's own (digest_dedup_value:
 * shake128, 9 bytes, base64 of the record's JSON with sorted keys), so the same records give the
 * same hashes as in a dlt pipeline's state.
 */
import { DataError } from '../errors';
import { digest, sortedJson } from './store/row-id';

/** dlt's digest_dedup_value of a JSON value: 9 bytes of shake128 over its sorted-key JSON. */
export function dedupDigest(value: unknown): string {
  return digest(sortedJson(value), 9);
}

/**
 * The dedup hash of a record: by `key` (one field: its value; several: the list of values, as
 * dlt's resolve_column_value), else by the whole record. A record without a key field fails,
 * as dlt's IncrementalPrimaryKeyMissing does.
 */
export function recordHash(record: unknown, key: string | string[] | undefined, where: string): string {
  if (key === undefined) return dedupDigest(record);
  const obj = (record ?? {}) as Record<string, unknown>;
  const field = (k: string) => {
    if (!(k in obj)) throw new DataError(`${where}: a record has no primary key field "${k}", which the incremental boundary deduplication needs`);
    return obj[k];
  };
  return dedupDigest(Array.isArray(key) ? key.map(field) : field(key));
}
