import { DataError } from '../../errors';
import { normalizeName } from './names';
import { typeOfValue, widen, type PgType } from './types';

export interface PreparedRows {
  rows: Record<string, unknown>[];
  /** column → widest type this page's values ask for */
  types: Map<string, PgType | undefined>;
}

/** Caches normalized names: the same keys repeat on every record. */
const nameCache = new Map<string, string>();
function columnName(key: string): string {
  let n = nameCache.get(key);
  if (n === undefined) {
    n = normalizeName(key);
    if (nameCache.size < 100_000) nameCache.set(key, n);
  }
  return n;
}

/**
 * Turns API records into rows: keys normalized to column names, `extra` columns added (parent
 * fields), primary keys checked, and for merge, duplicate keys in one page collapsed (last wins)
 * so one upsert statement never touches a row twice.
 */
export function prepareRows(
  records: unknown[],
  opts: { primaryKey: string[]; dedupe: boolean; where: string; extra?: Record<string, unknown> },
): PreparedRows {
  const types = new Map<string, PgType | undefined>();
  const byKey = new Map<string, Record<string, unknown>>();
  const rows: Record<string, unknown>[] = [];
  records.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new DataError(`${opts.where}: record ${i} is ${Array.isArray(rec) ? 'an array' : typeof rec}, not an object`);
    }
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec as Record<string, unknown>)) row[columnName(k)] = v;
    if (opts.extra) Object.assign(row, opts.extra);
    for (const [k, v] of Object.entries(row)) {
      const t = typeOfValue(v);
      types.set(k, types.has(k) ? widen(types.get(k), t) : t);
    }
    if (opts.primaryKey.length === 0) {
      rows.push(row);
      return;
    }
    const missing = opts.primaryKey.filter((k) => row[k] === null || row[k] === undefined);
    if (missing.length) {
      throw new DataError(
        `${opts.where}: record ${i} has no value for primary key ${missing.map((m) => `"${m}"`).join(', ')}` +
          ` (its keys: ${Object.keys(row).slice(0, 12).join(', ')}); set primary_key to a field every record has`,
      );
    }
    if (!opts.dedupe) {
      rows.push(row);
      return;
    }
    const key = JSON.stringify(opts.primaryKey.map((k) => row[k]));
    if (byKey.has(key)) byKey.delete(key);
    byKey.set(key, row);
  });
  return { rows: opts.dedupe && opts.primaryKey.length ? [...byKey.values()] : rows, types };
}
