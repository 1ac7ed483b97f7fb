/**
 * dlt column hints and schema contracts, as rest-sync plans them: each dlt data type with its
 * precision, scale and timezone mapped to the Postgres type dlt's postgres destination creates
 * (its `PostgresTypeMapper`), the constraint hints, and `schema_contract` expanded to its three
 * entities. Pure: config validation and the plan share the rules.
 */
import type { ColumnsConfig } from './schema';

/** dlt's data types (`complex` is dlt's old name of `json`). */
export const DLT_TYPES = ['text', 'double', 'bool', 'timestamp', 'bigint', 'binary', 'json', 'complex', 'decimal', 'wei', 'date', 'time'] as const;
export type DltType = Exclude<(typeof DLT_TYPES)[number], 'complex'>;

/** dlt's defaults on Postgres: decimal (38,9), wei (2 × 78, 78), timestamps to microseconds. */
export const DECIMAL_DEFAULT = { precision: 38, scale: 9 };
export const WEI_DEFAULT = { precision: 156, scale: 78 };
export const MAX_TIME_PRECISION = 6;

/** A column hint as the config writes it (dlt's TColumnSchema, the keys rest-sync implements). */
export interface ColumnHintConfig {
  data_type?: (typeof DLT_TYPES)[number];
  precision?: number;
  scale?: number;
  timezone?: boolean;
  nullable?: boolean;
  unique?: boolean;
  primary_key?: boolean;
  merge_key?: boolean;
  dedup_sort?: 'asc' | 'desc';
  hard_delete?: boolean;
}

/** One column's planned hint: the dlt type, its Postgres type and its constraints. */
export interface ColumnHintSpec {
  dataType?: DltType;
  /** the Postgres type dlt's mapper gives the hint (absent without data_type) */
  pgType?: string;
  precision?: number;
  scale?: number;
  /** timestamps: false stores the UTC wall clock without time zone */
  timezone?: boolean;
  /** false: NOT NULL, a null value fails its page */
  nullable?: boolean;
  unique?: boolean;
}

/** Which of precision / scale / timezone each type takes on Postgres (dlt ignores the others there). */
const TAKES: Record<DltType, { precision: boolean; scale: boolean; timezone: boolean }> = {
  text: { precision: true, scale: false, timezone: false },
  double: { precision: false, scale: false, timezone: false },
  bool: { precision: false, scale: false, timezone: false },
  timestamp: { precision: true, scale: false, timezone: true },
  bigint: { precision: true, scale: false, timezone: false },
  binary: { precision: false, scale: false, timezone: false },
  json: { precision: false, scale: false, timezone: false },
  decimal: { precision: true, scale: true, timezone: false },
  wei: { precision: true, scale: true, timezone: false },
  date: { precision: false, scale: false, timezone: false },
  time: { precision: true, scale: false, timezone: false },
};

export const canonicalDltType = (t: (typeof DLT_TYPES)[number]): DltType => (t === 'complex' ? 'json' : t);

/**
 * What is wrong with a hint's type keys, or undefined: a key the type does not take on Postgres
 * (dlt would drop it silently, rest-sync refuses it), a precision dlt's mapper refuses.
 */
export function hintProblem(h: ColumnHintConfig): { key: keyof ColumnHintConfig; message: string } | undefined {
  if (h.data_type === undefined) {
    for (const key of ['precision', 'scale', 'timezone'] as const) {
      if (h[key] !== undefined) return { key, message: `${key} needs a data_type` };
    }
    return undefined;
  }
  const type = canonicalDltType(h.data_type);
  const takes = TAKES[type];
  for (const key of ['precision', 'scale', 'timezone'] as const) {
    if (h[key] !== undefined && !takes[key]) return { key, message: `data_type ${type} takes no ${key} on Postgres` };
  }
  const p = h.precision;
  if (p === undefined) return h.scale !== undefined ? { key: 'scale', message: 'scale needs a precision' } : undefined;
  if (type === 'bigint' && p > 64) return { key: 'precision', message: `a bigint's precision is in bits, at most 64` };
  if ((type === 'timestamp' || type === 'time') && p > MAX_TIME_PRECISION) return { key: 'precision', message: `Postgres keeps at most ${MAX_TIME_PRECISION} digits of a second` };
  if ((type === 'decimal' || type === 'wei') && p > 1000) return { key: 'precision', message: `Postgres numeric takes at most 1000 digits` };
  if (h.scale !== undefined && h.scale > p) return { key: 'scale', message: `scale ${h.scale} is above the precision ${p}` };
  return undefined;
}

/** The Postgres type dlt's postgres mapper makes of a typed hint. */
export function pgTypeOf(h: ColumnHintConfig): string | undefined {
  if (h.data_type === undefined) return undefined;
  const p = h.precision;
  switch (canonicalDltType(h.data_type)) {
    case 'text':
      return p ? `varchar(${p})` : 'varchar';
    case 'double':
      return 'double precision';
    case 'bool':
      return 'boolean';
    case 'bigint':
      return p === undefined || p > 32 ? 'bigint' : p > 16 ? 'integer' : 'smallint';
    case 'binary':
      return 'bytea';
    case 'json':
      return 'jsonb';
    case 'date':
      return 'date';
    case 'time':
      return p === undefined ? 'time' : `time(${p})`;
    case 'timestamp':
      return `${h.timezone === false ? 'timestamp' : 'timestamptz'}${p === undefined ? '' : `(${p})`}`;
    case 'decimal':
      return `numeric(${p ?? DECIMAL_DEFAULT.precision},${h.scale ?? DECIMAL_DEFAULT.scale})`;
    case 'wei':
      return `numeric(${p ?? WEI_DEFAULT.precision},${h.scale ?? WEI_DEFAULT.scale})`;
  }
}

/** The hints as name → hint, from dlt's dict or list form. */
export function hintEntries(columns: ColumnsConfig | undefined): Array<[string, ColumnHintConfig]> {
  if (Array.isArray(columns)) return columns.map((c) => [c.name, c as ColumnHintConfig]);
  return Object.entries(columns ?? {}).map(([k, v]) => [k, v as ColumnHintConfig]);
}

/** The planned spec of each hinted column (its Postgres type, constraints). */
export function columnSpecsOf(columns: ColumnsConfig | undefined): Record<string, ColumnHintSpec> {
  const out: Record<string, ColumnHintSpec> = {};
  for (const [name, h] of hintEntries(columns)) {
    const spec: ColumnHintSpec = {
      ...(h.data_type !== undefined ? { dataType: canonicalDltType(h.data_type), pgType: pgTypeOf(h) } : {}),
      ...(h.precision !== undefined ? { precision: h.precision } : {}),
      ...(h.scale !== undefined ? { scale: h.scale } : {}),
      ...(h.timezone !== undefined ? { timezone: h.timezone } : {}),
      ...(h.nullable !== undefined ? { nullable: h.nullable } : {}),
      ...(h.unique !== undefined ? { unique: h.unique } : {}),
    };
    if (Object.keys(spec).length > 0) out[name] = spec;
  }
  return out;
}

/** Columns a hint marks with `flag` (`primary_key: true` adds the column to the resource's key, as in dlt). */
export function flaggedColumns(columns: ColumnsConfig | undefined, flag: 'primary_key' | 'merge_key'): string[] {
  return hintEntries(columns).filter(([, h]) => h[flag] === true).map(([name]) => name);
}

/** dlt's schema evolution modes and the entities a contract sets. */
export const CONTRACT_MODES = ['evolve', 'freeze', 'discard_row', 'discard_value'] as const;
export type ContractMode = (typeof CONTRACT_MODES)[number];
export interface SchemaContract {
  tables: ContractMode;
  columns: ContractMode;
  data_type: ContractMode;
}
export type SchemaContractConfig = ContractMode | Partial<SchemaContract>;

/** dlt's expansion: a string sets all three entities, unset entities evolve. Undefined when all evolve. */
export function contractOf(config: SchemaContractConfig | undefined): SchemaContract | undefined {
  if (config === undefined) return undefined;
  const c = typeof config === 'string' ? { tables: config, columns: config, data_type: config } : config;
  const full: SchemaContract = { tables: c.tables ?? 'evolve', columns: c.columns ?? 'evolve', data_type: c.data_type ?? 'evolve' };
  return full.tables === 'evolve' && full.columns === 'evolve' && full.data_type === 'evolve' ? undefined : full;
}
