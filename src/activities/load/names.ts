import { createHash } from 'node:crypto';

/** Postgres truncates identifiers longer than this many bytes. */
const MAX_IDENT_BYTES = 63;

/**
 * dlt's snake_case naming: `createdAt` → `created_at`, `Response Items` → `response_items`.
 * Names too long for Postgres are cut and given a hash of the full name, so two long names that
 * share a prefix stay distinct and the same name always maps to the same column.
 */
export function normalizeName(raw: string): string {
  let name = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_]+/gu, '_')
    .replace(/(?<=[^_])_+$/g, '');
  if (name === '') name = '_';
  if (/^\p{N}/u.test(name)) name = `_${name}`;
  return shorten(name);
}

/** Keeps a name under Postgres's 63-byte limit, deterministically and without collisions. */
export function shorten(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENT_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  let head = name;
  while (Buffer.byteLength(head) > MAX_IDENT_BYTES - 11) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/** A double-quoted SQL identifier: every name from API data or config goes through here. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
