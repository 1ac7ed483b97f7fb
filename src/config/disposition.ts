/**
 * Write disposition combinations dlt accepts but rest-sync cannot honour, or that dlt would
 * silently ignore (a key accepted and ignored is refused here): checked on a resource merged with
 * `resource_defaults`, each refusal naming the resource, the config path and the value. Pure.
 */
import { ConfigError } from '../errors';
import type { ColumnsConfig, ResourceConfig } from './schema';

type WriteDispositionConfig = ResourceConfig['write_disposition'];
type Dict = Exclude<NonNullable<WriteDispositionConfig>, string>;

/** scd2's own keys: refused with any other strategy, as dlt reads them only for scd2. */
const SCD2_KEYS = ['validity_column_names', 'active_record_timestamp', 'boundary_timestamp', 'row_version_column_name'] as const;

/** Column hints by name, from the dict or the list form. */
export function columnHints(columns: ColumnsConfig | undefined): [string, { dedup_sort?: string; hard_delete?: boolean }][] {
  if (!columns) return [];
  return Array.isArray(columns) ? columns.map((c) => [c.name, c]) : Object.entries(columns);
}

/** An ISO timestamp of a dlt timestamp value (ISO string or unix seconds), null kept: parsing only, no clock. */
export function timestampIso(v: string | number | null): string | null {
  return v === null ? null : new Date(typeof v === 'number' ? v * 1000 : v).toISOString();
}

/** The merge strategy a config asks for: dlt's default is delete-insert. */
export function strategyOf(wd: WriteDispositionConfig): string | undefined {
  if (wd === undefined || typeof wd === 'string') return wd === 'merge' ? 'delete-insert' : undefined;
  return wd.disposition === 'merge' ? (wd.strategy ?? 'delete-insert') : undefined;
}

/**
 * Throws a ConfigError for the first combination rest-sync refuses: a strategy or scd2 option
 * outside merge/scd2, upsert or insert-only without a primary key, merge_key where dlt ignores it,
 * `dedup_sort` / `hard_delete` column hints where dlt ignores them or more than one of each.
 */
export function checkWriteDisposition(name: string, index: number, config: Omit<ResourceConfig, 'endpoint'>): void {
  const at = (key: string) => `resources[${index}].${key}`;
  const refuse = (message: string, key: string): never => {
    throw new ConfigError(`resource "${name}": ${message}`, at(key));
  };
  const wd = config.write_disposition;
  const dict: Dict | undefined = typeof wd === 'object' ? wd : undefined;
  const disposition = typeof wd === 'string' ? wd : (wd?.disposition ?? 'append');
  const strategy = strategyOf(wd);
  if (dict?.strategy !== undefined && disposition !== 'merge') {
    refuse(`strategy ${JSON.stringify(dict.strategy)} applies only to disposition "merge", not ${JSON.stringify(disposition)}`, 'write_disposition.strategy');
  }
  for (const key of SCD2_KEYS) {
    if (dict?.[key] !== undefined && strategy !== 'scd2') {
      refuse(`${key} ${JSON.stringify(dict[key])} applies only to strategy "scd2", not ${JSON.stringify(strategy ?? disposition)}`, `write_disposition.${key}`);
    }
  }
  const pk = config.primary_key;
  if ((strategy === 'upsert' || strategy === 'insert-only') && (pk === undefined || pk.length === 0)) {
    refuse(`strategy ${JSON.stringify(strategy)} needs a primary_key (it updates or skips records by it)`, 'write_disposition.strategy');
  }
  if (config.merge_key !== undefined && strategy !== 'delete-insert' && strategy !== 'scd2') {
    refuse(`merge_key ${JSON.stringify(config.merge_key)} applies only to merge strategies delete-insert and scd2, not ${JSON.stringify(strategy ?? disposition)}`, 'merge_key');
  }
  checkColumnHints(config, strategy ?? disposition, refuse);
}

/** `dedup_sort` needs delete-insert with a primary key; `hard_delete` a strategy that deletes; one column each. */
function checkColumnHints(config: Omit<ResourceConfig, 'endpoint'>, strategy: string, refuse: (message: string, key: string) => never): void {
  const hints = columnHints(config.columns);
  const pk = config.primary_key;
  const sorted = hints.filter(([, h]) => h.dedup_sort !== undefined);
  const deleting = hints.filter(([, h]) => h.hard_delete === true);
  if (sorted.length > 1) refuse(`dedup_sort is set on ${sorted.length} columns (${sorted.map(([c]) => JSON.stringify(c)).join(', ')}); one column chooses`, 'columns');
  if (deleting.length > 1) refuse(`hard_delete is set on ${deleting.length} columns (${deleting.map(([c]) => JSON.stringify(c)).join(', ')}); set it on one`, 'columns');
  if (sorted.length === 1 && (strategy !== 'delete-insert' || pk === undefined || pk.length === 0)) {
    const [column, h] = sorted[0];
    refuse(
      `dedup_sort ${JSON.stringify(h.dedup_sort)} on column ${JSON.stringify(column)} applies only to merge strategy delete-insert with a primary_key, not ${JSON.stringify(strategy)}`,
      `columns.${column}.dedup_sort`,
    );
  }
  if (deleting.length === 1 && strategy !== 'delete-insert' && strategy !== 'upsert' && strategy !== 'insert-only') {
    const [column] = deleting[0];
    refuse(`hard_delete on column ${JSON.stringify(column)} applies only to merge strategies delete-insert, upsert and insert-only, not ${JSON.stringify(strategy)}`, `columns.${column}.hard_delete`);
  }
}
