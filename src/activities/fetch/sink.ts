import type { ActivityDeps } from '../deps';
import type { FetchPagesInput } from '../types';
import { commitPage } from '../store/commit';
import { evolveTable, readShape, widens, type TableShape } from '../store/tables';
import { checkRowVersion, rootIdsOf } from '../store/row-id';
import type { FittedWrite } from '../store/fit';
import { createPageSchema } from './page-schema';
import { systemColumns } from '../store/write-sql';
import { keyColumns } from '../store/dataset';
import { normalizePage } from '../store/relational';
import { NestedTables } from './nested-sink';
import { droppedRoots } from './nested-fit';
import type { NameCache } from '../store/names';
import type { StateRow } from '../store/state';
import { readParentIncremental, type ParentIncrementalWrite } from '../store/incremental-state';
import { mergeBest } from '../incremental';
import { batches, combinePages, type PreparedPage } from './batch';
import { exportPartitions, parentColumns } from '../partitions';
import { encodeToken, pageOrdinal, stripeKey, type Position, type Stripe } from './position';
import type { Fetched } from './source';
import { nextParentRow } from './parent-incremental';

/** Where pages go: rows prepared, the table evolved to hold them, and pages committed with the token after them. */
export interface PageSink {
  /**
   * Commits the page fetched at `pos` on top of `state`: the new state, or undefined when another
   * attempt moved the state since it was read (nothing was written).
   */
  commit(state: StateRow, pos: Position, page: Fetched): Promise<StateRow | undefined>;
  /**
   * The page fetched at `pos`, `ahead` pages after the last committed one (`state`), made ready
   * to commit: rows normalized and fitted, its tables created or evolved. Nothing is committed.
   * `joining`: the page would be committed with pages prepared before it; undefined (and no DDL)
   * when it would widen a column those pages' rows were fitted to: they are committed first.
   */
  prepare(state: StateRow, ahead: number, pos: Position, page: Fetched, joining?: boolean): Promise<PreparedPage | undefined>;
  /** Commits consecutive prepared pages as one statement, with the last one's token (see commitPrepared). */
  commitPrepared(state: StateRow, pages: PreparedPage[]): Promise<StateRow | undefined>;
  /** Whether consecutive pages of this resource may be committed together (see batches). */
  readonly batches: boolean;
}

/**
 * Builds the page sink of one activity call, for the stripe's state row and the table the
 * resource loads into (a replace's staging table). It keeps the table's shape between pages,
 * so a page whose columns are known costs no catalog read.
 */
export async function createPageSink(deps: ActivityDeps & { names: NameCache }, input: FetchPagesInput, stripe: Stripe, schema: string, table: string, loadId: string): Promise<PageSink> {
  const { resource } = input;
  const loaded = resource.selected && resource.writeDisposition !== 'skip';
  const key = stripeKey(resource.name, stripe);
  const child = !!resource.parent;
  let shape: TableShape | undefined = await readShape(deps.db, schema, table);
  const nestedTables = await NestedTables.open(deps.db, schema, resource, input.syncId);
  const jsonColumns = new Set(Object.keys(resource.columns).filter((c) => resource.columns[c] === 'jsonb'));
  // a replace loads into a staging table that starts empty: the table it replaces is what the
  // contract and the column types go by until the staging table exists
  const baseline = table === resource.table ? undefined : await readShape(deps.db, schema, resource.table);
  const pageSchema = createPageSchema(resource);
  // an empty page creates no table: its columns take their types from values (dlt's do), and a
  // resource with no rows gets its table at its end (ensureTable). Except where that end needs
  // the table: a replace's staging table (swapped in, it empties the table) and scd2's (retirement)
  const emptyPageCreates = table !== resource.table || resource.merge?.strategy === 'scd2';
  for (const c of [...pageSchema.conflicts(shape ?? baseline), ...(resource.nestedHints ? nestedTables.conflicts(pageSchema) : [])]) deps.log?.warn(`resource "${resource.name}": ${c}`);

  /** The table evolved for the page's columns (created on the first page); warns of each widened column. */
  const evolve = async (write: FittedWrite, keys: Map<string, string>, where: string): Promise<TableShape> => {
    const evolved = await evolveTable(deps.db, shape, {
      schema,
      table,
      pageTypes: write.types,
      primaryKey: keyColumns(resource),
      hints: pageSchema.pgTypes,
      keys,
      notNull: pageSchema.notNull,
      unique: pageSchema.unique,
      dropPrimaryKey: resource.merge?.strategy === 'scd2',
    });
    for (const w of evolved.widened) deps.log?.warn(`${where}: column "${w.column}" widened from ${w.from} to ${w.to} to keep a value`);
    for (const [column, c] of write.added) {
      if (c.of !== undefined) deps.log?.warn(`${where}: values of "${c.of}" that do not fit its type go to the variant column "${column}" (${write.types.get(column)}), as dlt does`);
    }
    return evolved.shape;
  };

  /** per_parent: the parent record's row after this page, from the row as committed so far (read now: a prefetched page's view is older). */
  const parentRow = async (page: Fetched, ended: boolean): Promise<ParentIncrementalWrite | undefined> => {
    const p = page.parentIncremental;
    if (!p || !resource.incremental) return undefined;
    const row = await readParentIncremental(deps.db, schema, resource.name, p.key);
    return { resource: resource.name, parent: p.key, ...nextParentRow(resource.incremental, row, input.syncId, p.window, page, ended) };
  };

  const prepare = async (state: StateRow, ahead: number, pos: Position, page: Fetched, joining = false): Promise<PreparedPage | undefined> => {
    const where = `resource "${resource.name}" page ${state.pages + 1 + ahead}`;
    // a resource fetched only for its children (not selected, as dlt's `selected: false`): its
    // pages commit their token and the parent fields children fan out over, but no rows
    // (a `skip` resource likewise: dlt extracts it and loads nothing)
    const records = loaded ? page.records : [];
    const extra = pos.parent ? parentColumns(resource, pos.parent.vals) : undefined;
    const warn = (m: string) => deps.log?.warn(m);
    // dlt's relational layout: the resource's table first, then its nested tables
    const [prepared, ...nestedPages] = normalizePage(records, {
      table: resource.table,
      maxNesting: resource.maxTableNesting,
      rootKey: resource.writeDisposition === 'merge',
      rootIds: rootIdsOf(resource, records, extra),
      ownersOf: nestedTables.ownersOf,
      jsonColumns,
      nestedJson: pageSchema.nestedJson,
      primaryKey: resource.primaryKey,
      // one load's duplicates collapse in SQL, per write disposition (write-sql.ts)
      dedupe: false,
      where,
      extra,
      owners: shape?.owners,
      warn,
      names: deps.names,
    });
    checkRowVersion(resource, prepared.rows, where);
    // hints, coercion, variants and the schema contract, before any DDL: a refused page writes nothing
    const raw = { table, rows: prepared.rows, types: prepared.types };
    const fit = () => {
      const fitted = pageSchema.fit(raw, shape, baseline, where, true);
      // columns whose values the statement fills (load id, scd2 validity) are the loader's, as dlt's are
      for (const [c, type] of systemColumns(resource)) if (!fitted.discarded) fitted.types.set(c, type);
      return fitted;
    };
    let write = fit();
    // the nested tables' rows likewise, before any DDL (a frozen child table refuses the page too)
    const fitNested = () => (nestedPages.length > 0 ? nestedTables.fit(nestedPages, droppedRoots(prepared.rows, write), pageSchema, where) : []);
    let nestedFit = fitNested();
    if (joining && (widens(shape, write.types, pageSchema.pgTypes) || nestedTables.widens(nestedFit))) return undefined;
    if (loaded && !write.discarded && (write.rows.length > 0 || (!shape && emptyPageCreates))) {
      shape = await evolve(write, prepared.keys, where);
      if (pageSchema.raced(write, shape)) {
        write = fit();
        nestedFit = fitNested(); // the root rows kept may differ: their nested rows follow them
        shape = await evolve(write, prepared.keys, where);
      }
    }
    const nested = await nestedTables.prepare(nestedFit, pageSchema, where, (m) => warn(`${where}: ${m}`));
    return {
      rows: write.rows,
      columns: [...write.types.keys()],
      nested,
      records: page.records.length,
      nextToken: encodeToken(pos, page.next, child),
      done: !child && page.next === null,
      partitions: exportPartitions(page.records, resource.exportFields),
      ordinal: pageOrdinal(stripe, state.pages + ahead),
      ...(page.max !== undefined ? { max: page.max, hashes: page.hashes ?? [] } : {}),
      parentIncremental: await parentRow(page, page.next === null),
    };
  };

  const commitPrepared = async (state: StateRow, pages: PreparedPage[]): Promise<StateRow | undefined> => {
    const last = pages[pages.length - 1];
    const known = shape;
    const batch = combinePages(pages, (c) => known?.columns.get(c) ?? 'text');
    const best = resource.incremental ? pages.reduce((b, p) => mergeBest(resource.incremental!, b.value, b.hashes, p.max ?? null, p.hashes ?? []), { value: state.maxValue, hashes: state.maxHashes }) : undefined;
    const committed = await commitPage(deps.db, {
      schema,
      table,
      columns: batch.columns,
      rows: batch.rows,
      primaryKey: resource.primaryKey,
      disposition: resource.writeDisposition,
      ...(resource.merge ? { merge: resource.merge } : {}),
      mergeKey: resource.mergeKey,
      tableColumns: known ? [...known.columns.keys()] : [],
      constraint: known?.primaryKey ?? [],
      loadId,
      resource: key,
      syncId: input.syncId,
      expectedPages: state.pages,
      pages: pages.length,
      nextToken: last.nextToken,
      done: last.done,
      partitions: batch.partitions,
      partitionResource: resource.name,
      maxValue: best?.value,
      maxHashes: best?.hashes,
      parentIncremental: last.parentIncremental,
      nested: batch.nested,
      clearNested: nestedTables.clearable(),
      concurrent: stripe.kind !== 'whole',
    });
    const incr = best ? { maxValue: best.value, maxHashes: best.hashes } : {};
    return committed ? { ...state, token: last.nextToken, pages: committed.pages, rows: committed.rows, done: last.done, ...incr } : undefined;
  };

  return {
    prepare,
    commitPrepared,
    async commit(state, pos, page) {
      return commitPrepared(state, [(await prepare(state, 0, pos, page))!]);
    },
    batches: batches(resource),
  };
}
