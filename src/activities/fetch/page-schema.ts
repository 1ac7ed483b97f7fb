import type { ColumnHintSpec } from '../../config/column-hints';
import type { ResourcePlan } from '../../plan/types';
import type { SchemaContract } from '../../config/column-hints';
import { applyContract } from '../store/contract';
import { fitWrite, type FittedWrite, type TableWrite } from '../store/fit';
import { normalizeName } from '../store/names';
import type { TableShape } from '../store/tables';
import { canonicalType, columnTypeOf } from '../store/types';

/** What a page's table writes go through before any DDL: hints, coercion, variants, the contract. */
export interface PageSchema {
  /** column hints by column name, for the root table */
  hints: Record<string, ColumnHintSpec>;
  /** NOT NULL (hinted `nullable: false`, and key columns) / UNIQUE columns for evolveTable */
  notNull: Set<string>;
  unique: Set<string>;
  /** column name → Postgres type of the typed hints, for evolveTable */
  pgTypes: Record<string, string>;
  /**
   * Fits one table write to `shape` (or, for a table not created yet, to `baseline`: the table a
   * replace's staging table stands in for) and applies the schema contract. Throws on a freeze.
   */
  fit(write: TableWrite, shape: TableShape | undefined, baseline: TableShape | undefined, where: string, root: boolean): FittedWrite & { discarded?: true };
  /**
   * Fits one nested table's write: its `nested_hints` columns, and the contract dlt gives it (its
   * own, else the nearest ancestor's in `ancestors`, nearest first, else the resource's).
   */
  fitNested(write: TableWrite, shape: TableShape | undefined, baseline: TableShape | undefined, where: string, ancestors: readonly string[]): FittedWrite & { discarded?: true };
  /** The nested tables' columns hinted json (kept whole by the normalizer), by table; undefined without such hints. */
  nestedJson?: ReadonlyMap<string, ReadonlySet<string>>;
  /** A nested table's hinted constraints and types, for evolveTable (empty without nested_hints). */
  nestedConstraints(table: string): TableHints;
  /** Hints whose data type differs from the column the table already has (the table's type wins: values are coerced to it). */
  conflicts(shape: TableShape | undefined, nestedTable?: string): string[];
  /** True when the table came out with another type for a column the write added (another window created it first): fit again. */
  raced(write: FittedWrite, shape: TableShape): boolean;
}

/**
 * The resource's hints by column name (dlt normalizes hint names like record keys). Plans made
 * before full hints carry only Postgres types: their dlt type is read back from it.
 */
function hintsOf(resource: ResourcePlan): Record<string, ColumnHintSpec> {
  const out: Record<string, ColumnHintSpec> = {};
  if (resource.columnHints) {
    for (const [name, spec] of Object.entries(resource.columnHints)) out[normalizeName(name)] = spec;
    return out;
  }
  for (const [name, pgType] of Object.entries(resource.columns)) out[normalizeName(name)] = { dataType: columnTypeOf(pgType.replace(/\(.*$/, '')).type, pgType };
  return out;
}

/**
 * The key columns dlt declares NOT NULL: a `primary_key` or `merge_key` column is not nullable
 * unless its column hint says `nullable: true` (dlt's resource hints). Declared when its table is
 * created; from then on a null key fails its page (fit.ts reads the table's NOT NULL columns).
 */
function keysNotNull(resource: ResourcePlan, hints: Record<string, ColumnHintSpec>): string[] {
  return [...resource.primaryKey, ...resource.mergeKey].filter((k) => hints[k]?.nullable !== true);
}

/** One table's hints by column name, and what evolveTable takes of them. */
export interface TableHints {
  hints: Record<string, ColumnHintSpec>;
  notNull: Set<string>;
  unique: Set<string>;
  pgTypes: Record<string, string>;
}

function tableHints(hints: Record<string, ColumnHintSpec>): TableHints {
  const pick = (test: (h: ColumnHintSpec) => boolean) => new Set(Object.entries(hints).filter(([, h]) => test(h)).map(([c]) => c));
  const pgTypes = Object.fromEntries(Object.entries(hints).filter(([, h]) => h.pgType).map(([c, h]) => [c, h.pgType!]));
  return { hints, notNull: pick((h) => h.nullable === false), unique: pick((h) => h.unique === true), pgTypes };
}

/** A nested table's planned hints under the name dlt gives the table: the resource's table and the path, normalized. */
interface NestedTableHints extends TableHints {
  contract?: SchemaContract;
}

function nestedHintsOf(resource: ResourcePlan): Map<string, NestedTableHints> {
  const out = new Map<string, NestedTableHints>();
  for (const [path, h] of Object.entries(resource.nestedHints ?? {})) {
    const hints: Record<string, ColumnHintSpec> = {};
    for (const [name, spec] of Object.entries(h.columnHints ?? {})) hints[normalizeName(name)] = spec;
    out.set(normalizeName(`${resource.table}__${path}`), { ...tableHints(hints), ...(h.schemaContract ? { contract: h.schemaContract } : {}) });
  }
  return out;
}

const NO_HINTS = tableHints({});

function jsonOf(nested: Map<string, NestedTableHints>): Pick<PageSchema, 'nestedJson'> {
  const out = new Map<string, Set<string>>();
  for (const [table, t] of nested) {
    const json = Object.entries(t.hints).filter(([, h]) => h.dataType === 'json').map(([c]) => c);
    if (json.length) out.set(table, new Set(json));
  }
  return out.size ? { nestedJson: out } : {};
}

export function createPageSchema(resource: ResourcePlan): PageSchema {
  const hints = hintsOf(resource);
  const nested = nestedHintsOf(resource);
  const rootHints = tableHints(hints);
  // the root table's key columns are NOT NULL as dlt declares them (nested tables have no keys)
  for (const k of keysNotNull(resource, hints)) rootHints.notNull.add(k);
  return {
    ...rootHints,
    fitNested(write, shape, baseline, where, ancestors) {
      const own = nested.get(write.table);
      const contract = [write.table, ...ancestors].map((t) => nested.get(t)?.contract).find((c) => c !== undefined) ?? resource.schemaContract;
      const fitted = fitWrite(write, { shape: shape ?? baseline, hints: own?.hints, where });
      return applyContract(fitted, { contract, newTable: !shape && !baseline, where });
    },
    nestedConstraints: (table) => nested.get(table) ?? NO_HINTS,
    ...jsonOf(nested),
    fit(write, shape, baseline, where, root) {
      const keys = root ? [...resource.primaryKey, ...resource.mergeKey] : [];
      const dataType = resource.schemaContract?.data_type;
      const keyTypeChange = dataType && dataType !== 'evolve' ? dataType : undefined;
      const fitted = fitWrite(write, { shape: shape ?? baseline, hints: root ? hints : undefined, where, keys, keyTypeChange });
      return applyContract(fitted, { contract: resource.schemaContract, newTable: !shape && !baseline, where });
    },
    conflicts(shape, table) {
      const out: string[] = [];
      for (const [column, h] of Object.entries(table === undefined ? hints : (nested.get(table)?.hints ?? {}))) {
        const have = shape?.types?.get(column);
        if (h.dataType && have && columnTypeOf(h.pgType!.replace(/\(.*$/, '')).type !== have.type) {
          out.push(`column "${column}" is ${shape!.columns.get(column)} in the table: its hint data_type ${h.dataType} applies to new tables only, values are coerced to ${have.type}`);
        }
      }
      return out;
    },
    raced(write, shape) {
      for (const [column, c] of write.added) {
        const have = shape.columns.get(column);
        if (!c.hinted && !c.nullOnly && have !== undefined && have !== canonicalType(write.types.get(column) ?? have)) return true;
      }
      return false;
    },
  };
}
