import { ExactNumber, isVetted, shareVetted } from '../http/json';
import { keyRowId, nestedRowId, randomRowIds } from './dlt-ids';
import { fragmentName, NameCache, PathNames, shortenFragments } from './names';
import { prepareRows, type PreparedRows, type PrepareOptions } from './rows';
import type { PgType } from './types';

/**
 * dlt's relational normalizer (dlt/common/normalizers/json/relational.py) for one page: nested
 * objects flattened into `parent__child` columns, nested lists unnested into child tables
 * `<table>__<field>` (deeper `a__b__c`) linked by `_dlt_parent_id` / `_dlt_list_idx`, lists of
 * scalars as rows with a `value` column, every row with its `_dlt_id`, and under merge each
 * nested row with its root row's id in `_dlt_root_id`. `max_table_nesting` levels are unnested;
 * deeper values stay whole (jsonb). Unit test: test/unit/relational.test.ts (cases run through dlt 1.31).
 */

/** dlt's default `max_nesting` when a resource sets no `max_table_nesting`. */
export const DEFAULT_MAX_NESTING = 1000;

export const DLT_ID = '_dlt_id';
export const DLT_ROOT_ID = '_dlt_root_id';
export const DLT_PARENT_ID = '_dlt_parent_id';
export const DLT_LIST_IDX = '_dlt_list_idx';
/** dlt's `C_VALUE`: the column of a list of scalars. */
const VALUE = 'value';

/** The rows one page brings to one table. */
export interface TablePage extends PreparedRows {
  /** the table's name (a replace loads it into its staging table) */
  table: string;
  /** the table whose rows these rows hang off; absent for the resource's own table */
  parent?: string;
}

export interface NormalizeOptions extends PrepareOptions {
  /** the resource's table, normalized */
  table: string;
  /** dlt's `max_table_nesting`: levels unnested; 0 keeps every nested value whole */
  maxNesting?: number;
  /** propagate the root row's `_dlt_id` as `_dlt_root_id` (merge, as dlt) */
  rootKey: boolean;
  /** the columns of each existing nested table and the key each holds */
  ownersOf?: (table: string) => ReadonlyMap<string, string | null> | undefined;
  /** the resource's columns hinted as json: kept whole, as dlt keeps a `json` column */
  jsonColumns?: ReadonlySet<string>;
  /** likewise for nested tables (their `nested_hints`), by table name */
  nestedJson?: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * root rows' `_dlt_id`: random (dlt's default, and its delete-insert merge) or the digest of the
   * primary key (`key_hash`, dlt's upsert and insert-only merge), or given per record (scd2's row hash)
   */
  rootIds?: 'random' | 'key_hash' | string[];
}

/**
 * The tables a page's records land in, the resource's own table first. A page without nested
 * values (or with `max_table_nesting: 0`) costs what it did before: its records are its rows,
 * uncopied, with a `_dlt_id` added.
 */
export function normalizePage(records: unknown[], opts: NormalizeOptions): TablePage[] {
  const maxNesting = opts.maxNesting ?? DEFAULT_MAX_NESTING;
  // the flat pass first (it also cleans the records in place and checks their depth): a nested
  // value shows as a jsonb column, and only then is the page walked. Each warning is given once.
  const said: string[] = [];
  const prepared = prepareRows(records, { ...opts, warn: (m) => said.push(m) });
  const seen = new Set(said);
  for (const m of said) opts.warn?.(m);
  if (maxNesting > 0 && unnests(prepared.types, opts.jsonColumns)) {
    const warn = (m: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      opts.warn?.(m);
    };
    return nestedPage(records, { ...opts, warn }, maxNesting);
  }
  const ids = Array.isArray(opts.rootIds)
    ? opts.rootIds
    : opts.rootIds === 'key_hash'
      ? prepared.rows.map((row) => keyRowId(pick(row, opts.primaryKey)))
      : randomRowIds(prepared.rows.length);
  prepared.rows.forEach((row, i) => {
    if (!row[DLT_ID]) row[DLT_ID] = ids[i];
  });
  if (prepared.rows.length > 0 && !prepared.types.get(DLT_ID)) prepared.types.set(DLT_ID, 'text');
  return [{ table: opts.table, ...prepared }];
}

/** Whether a page has a nested value to unnest: an object or list in a column not hinted json. */
function unnests(types: Map<string, PgType | undefined>, json: ReadonlySet<string> | undefined): boolean {
  for (const [column, type] of types) if (type === 'jsonb' && !json?.has(column)) return true;
  return false;
}

function pick(row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}

function isNested(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !(v instanceof ExactNumber);
}

/** A table's rows while the page is walked, each with the index of the record it came from. */
interface Gathered {
  parent?: string;
  rows: Record<string, unknown>[];
  records: number[];
}

/** The page walk: rows gathered per table, and the names of the flattened paths. */
class Walk {
  readonly tables = new Map<string, Gathered>();
  readonly paths = new Map<string, string>();
  private readonly fragments = new Map<string, string>();
  private readonly names = new Map<string, string>();

  constructor(readonly opts: NormalizeOptions) {}

  fragment(key: string): string {
    let f = this.fragments.get(key);
    if (f === undefined) this.fragments.set(key, (f = fragmentName(key)));
    return f;
  }

  /** dlt's name of a path of names (a nested column, a nested table), cached for the page. */
  name(path: readonly string[]): string {
    const joined = path.join('__');
    let n = this.names.get(joined);
    if (n === undefined) this.names.set(joined, (n = shortenFragments(path)));
    return n;
  }

  add(table: string, parent: string | undefined, row: Record<string, unknown>, record: number): void {
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = { parent, rows: [], records: [] }));
    t.rows.push(row);
    t.records.push(record);
  }
}

function nestedPage(records: unknown[], opts: NormalizeOptions, maxNesting: number): TablePage[] {
  const walk = new Walk(opts);
  walk.tables.set(opts.table, { rows: [], records: [] });
  const ids = Array.isArray(opts.rootIds) ? opts.rootIds : opts.rootIds === 'key_hash' ? undefined : randomRowIds(records.length);
  // the flat pass refused what is not an object, cleaned the strings and checked the depth
  records.forEach((rec, i) => walkRow(walk, rec as Record<string, unknown>, [opts.table], maxNesting, { id: ids?.[i], record: i }));
  const vetted = isVetted(records);
  const names = new PathNames(opts.names ?? new NameCache(), walk.paths);
  const [root, ...nested] = [...walk.tables];
  if (vetted) shareVetted(records, root[1].rows);
  const rootPage: TablePage = { table: opts.table, ...prepareRows(root[1].rows, { ...opts, names }) };
  const kept = keptRecords(root[1], rootPage.rows);
  const pages = [rootPage];
  for (const [table, gathered] of nested) {
    const rows = kept ? gathered.rows.filter((_, j) => kept.has(gathered.records[j])) : gathered.rows;
    if (rows.length === 0) continue;
    if (vetted) shareVetted(records, rows);
    const prepared = prepareRows(rows, { primaryKey: [], dedupe: false, where: `${opts.where} table "${table}"`, owners: opts.ownersOf?.(table), warn: opts.warn, names });
    pages.push({ table, parent: gathered.parent, ...prepared });
  }
  return pages;
}

/**
 * The records whose root rows survived merge's collapse of duplicate keys (last wins), or
 * undefined when all did: the nested rows of a dropped duplicate are dropped with it. A root row's
 * `_dlt_id` is unique (random) or its key's digest, so the last record with a surviving id wins.
 */
function keptRecords(root: Gathered, survivors: Record<string, unknown>[]): Set<number> | undefined {
  if (survivors.length === root.rows.length) return undefined;
  const last = new Map<unknown, number>();
  root.rows.forEach((row, j) => last.set(row[DLT_ID], root.records[j]));
  return new Set(survivors.map((r) => last.get(r[DLT_ID])!));
}

/** Where a row hangs: its parent row's id and table, and its index in the parent's list (absent for a root row). */
interface Link {
  parentId: string;
  parentTable: string;
  index: number;
}

/** A row's context: the root row's random id (none under key_hash) and its record, and the link to its parent. */
interface RowContext {
  id?: string;
  record: number;
  link?: Link;
  /** `_dlt_root_id` for nested rows under merge */
  rootId?: string;
}

/** dlt's `_normalize_row`: flattens the object into its table's row, then unnests its lists one level down. */
function walkRow(walk: Walk, obj: Record<string, unknown>, tablePath: string[], level: number, ctx: RowContext): void {
  const table = walk.name(tablePath);
  const isRoot = !ctx.link;
  const { row, lists } = flatten(walk, obj, level, isRoot ? walk.opts.jsonColumns : walk.opts.nestedJson?.get(table));
  if (ctx.rootId !== undefined) row[DLT_ROOT_ID] = ctx.rootId;
  let id = row[DLT_ID] as string;
  if (!id) {
    if (ctx.link) {
      id = nestedRowId(ctx.link.parentId, table, ctx.link.index);
      row[DLT_PARENT_ID] = ctx.link.parentId;
      row[DLT_LIST_IDX] = ctx.link.index;
    } else id = ctx.id ?? keyRowId(rootKey(walk, row));
    row[DLT_ID] = id;
  }
  walk.add(table, ctx.link?.parentTable, row, ctx.record);
  const rootId = isRoot ? (walk.opts.rootKey ? id : undefined) : ctx.rootId;
  for (const list of lists) walkList(walk, list.items, [...tablePath, ...list.path], level - 1, { ...ctx, rootId }, { id, table });
}

/** dlt's `_normalize_list`: objects become rows, lists an intermediate row `{list: [...]}`, scalars `{value}` rows. */
function walkList(walk: Walk, items: unknown[], tablePath: string[], level: number, ctx: RowContext, parent: { id: string; table: string }): void {
  const table = walk.name(tablePath);
  const parentId = parent.id;
  items.forEach((v, index) => {
    const link = { parentId, parentTable: parent.table, index };
    if (isNested(v) && !Array.isArray(v)) walkRow(walk, v as Record<string, unknown>, tablePath, level, { ...ctx, link });
    else if (Array.isArray(v)) walkRow(walk, { list: v }, tablePath, level - 1, { ...ctx, link });
    else {
      const row: Record<string, unknown> = { [VALUE]: v };
      if (ctx.rootId !== undefined) row[DLT_ROOT_ID] = ctx.rootId;
      row[DLT_PARENT_ID] = parentId;
      row[DLT_LIST_IDX] = index;
      row[DLT_ID] = nestedRowId(parentId, table, index);
      walk.add(table, parent.table, row, ctx.record);
    }
  });
}

/** A root row's primary key by column name (its keys are record keys or flattened paths). */
function rootKey(walk: Walk, row: Record<string, unknown>): Record<string, unknown> {
  const pk = new Set(walk.opts.primaryKey);
  const names = walk.opts.names ?? new NameCache();
  const key: Record<string, unknown> = {};
  for (const k of Object.keys(row)) {
    const column = walk.paths.get(k) ?? names.name(k);
    if (pk.has(column)) key[column] = row[k];
  }
  return key;
}

/**
 * dlt's `_flatten`: nested objects become `a__b` columns down to the nesting limit; lists are set
 * aside for child tables. A column's key is the record's key (top level, as for flat records) or
 * the keys of its path joined by `__`; dlt's name for it (its parts' names joined and shortened)
 * goes to `walk.paths`. Without recursion, as dlt.
 */
function flatten(walk: Walk, obj: Record<string, unknown>, level: number, json: ReadonlySet<string> | undefined) {
  // no prototype: a `__proto__` key from the API is a column like any other
  const row: Record<string, unknown> = Object.create(null);
  const lists: { path: string[]; items: unknown[] }[] = [];
  const stack: { obj: Record<string, unknown>; level: number; path: string[]; keys: string[] }[] = [{ obj, level, path: [], keys: [] }];
  while (stack.length > 0) {
    const at = stack.pop()!;
    for (const k of Object.keys(at.obj)) {
      const v = at.obj[k];
      const fragment = walk.fragment(k);
      const name = at.path.length ? walk.name([...at.path, fragment]) : fragment;
      if (isNested(v) && at.level > 0 && !json?.has(name)) {
        if (Array.isArray(v)) lists.push({ path: [...at.path, fragment], items: v });
        else stack.push({ obj: v as Record<string, unknown>, level: at.level - 1, path: [...at.path, fragment], keys: [...at.keys, k] });
        continue;
      }
      const key = at.keys.length ? [...at.keys, k].join('__') : k;
      if (at.keys.length) walk.paths.set(key, name);
      row[key] = v;
    }
  }
  return { row, lists };
}
