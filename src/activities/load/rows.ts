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
 * Whether a value is already covered by the type a column has in this page, without the full
 * inference (the timestamp pattern is the costly part): the hot path of every page.
 */
function covered(type: PgType | undefined, v: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof v === 'string';
    case 'jsonb':
      return true;
    case 'bigint':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'double precision':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

/** The record with normalized column names: the parsed object itself when its keys are already column names. */
function asRow(rec: Record<string, unknown>, extra: Record<string, unknown> | undefined): Record<string, unknown> {
  let row = rec;
  for (const k in rec) {
    if (columnName(k) !== k) {
      row = {};
      for (const key in rec) row[columnName(key)] = rec[key];
      break;
    }
  }
  return extra ? Object.assign(row, extra) : row;
}

/**
 * Turns API records into rows: keys normalized to column names, `extra` columns added (parent
 * fields), primary keys checked, and for merge, duplicate keys in one page collapsed (last wins)
 * so one upsert statement never touches a row twice. Records come fresh from JSON.parse, so a
 * record whose keys need no renaming is used as its row without a copy.
 */
export function prepareRows(
  records: unknown[],
  opts: { primaryKey: string[]; dedupe: boolean; where: string; extra?: Record<string, unknown> },
): PreparedRows {
  const types = new Map<string, PgType | undefined>();
  const byKey = new Map<unknown, Record<string, unknown>>();
  const rows: Record<string, unknown>[] = [];
  const pk = opts.primaryKey;
  const dedupe = opts.dedupe && pk.length > 0;
  records.forEach((rec, i) => {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new DataError(`${opts.where}: record ${i} is ${Array.isArray(rec) ? 'an array' : typeof rec}, not an object`);
    }
    const row = asRow(rec as Record<string, unknown>, opts.extra);
    for (const k in row) {
      const v = row[k];
      if (v === null || v === undefined) {
        if (!types.has(k)) types.set(k, undefined);
        continue;
      }
      const have = types.get(k);
      if (!covered(have, v)) types.set(k, have === undefined ? typeOfValue(v) : widen(have, typeOfValue(v)));
    }
    for (const k of pk) {
      if (row[k] === null || row[k] === undefined) {
        const missing = pk.filter((c) => row[c] === null || row[c] === undefined);
        throw new DataError(
          `${opts.where}: record ${i} has no value for primary key ${missing.map((m) => `"${m}"`).join(', ')}` +
            ` (its keys: ${Object.keys(row).slice(0, 12).join(', ')}); set primary_key to a field every record has`,
        );
      }
    }
    if (!dedupe) {
      rows.push(row);
      return;
    }
    const single = pk.length === 1 ? row[pk[0]] : undefined;
    const key = single !== undefined && typeof single !== 'object' ? `${typeof single}:${String(single)}` : JSON.stringify(pk.map((k) => row[k]));
    if (byKey.has(key)) byKey.delete(key);
    byKey.set(key, row);
  });
  return { rows: dedupe ? [...byKey.values()] : rows, types };
}
