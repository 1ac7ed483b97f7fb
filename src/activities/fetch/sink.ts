import type { ActivityDeps } from '../deps';
import type { FetchPagesInput } from '../types';
import { commitPage } from '../store/commit';
import { evolveTable, readShape, type TableShape } from '../store/tables';
import { prepareRows } from '../store/rows';
import type { FittedWrite } from '../store/fit';
import { createPageSchema } from './page-schema';
import type { NameCache } from '../store/names';
import type { StateRow } from '../store/state';
import { exportPartitions, parentColumns } from '../partitions';
import { encodeToken, pageOrdinal, stripeKey, type Position, type Stripe } from './position';
import type { Fetched } from './source';

/** Where pages go: rows prepared, the table evolved to hold them, and the page committed with its next token. */
export interface PageSink {
  /**
   * Commits the page fetched at `pos` on top of `state`: the new state, or undefined when another
   * attempt moved the state since it was read (nothing was written).
   */
  commit(state: StateRow, pos: Position, page: Fetched): Promise<StateRow | undefined>;
}

/**
 * Builds the page sink of one activity call, for the stripe's state row and the table the
 * resource loads into (a replace's staging table). It keeps the table's shape between pages,
 * so a page whose columns are known costs no catalog read.
 */
export async function createPageSink(deps: ActivityDeps & { names: NameCache }, input: FetchPagesInput, stripe: Stripe, schema: string, table: string): Promise<PageSink> {
  const { resource } = input;
  const key = stripeKey(resource.name, stripe);
  const child = !!resource.parent;
  let shape: TableShape | undefined = await readShape(deps.db, schema, table);
  // a replace loads into a staging table that starts empty: the table it replaces is what the
  // contract and the column types go by until the staging table exists
  const baseline = table === resource.table ? undefined : await readShape(deps.db, schema, resource.table);
  const pageSchema = createPageSchema(resource);
  for (const c of pageSchema.conflicts(shape ?? baseline)) deps.log?.warn(`resource "${resource.name}": ${c}`);

  /** The table evolved for the page's columns (created on the first page); warns of each widened column. */
  const evolve = async (write: FittedWrite, keys: Map<string, string>, where: string): Promise<TableShape> => {
    const evolved = await evolveTable(deps.db, shape, {
      schema,
      table,
      pageTypes: write.types,
      primaryKey: resource.writeDisposition === 'append' ? [] : resource.primaryKey,
      hints: pageSchema.pgTypes,
      keys,
      notNull: pageSchema.notNull,
      unique: pageSchema.unique,
    });
    for (const w of evolved.widened) deps.log?.warn(`${where}: column "${w.column}" widened from ${w.from} to ${w.to} to keep a value`);
    for (const [column, c] of write.added) {
      if (c.of !== undefined) deps.log?.warn(`${where}: values of "${c.of}" that do not fit its type go to the variant column "${column}" (${write.types.get(column)}), as dlt does`);
    }
    return evolved.shape;
  };

  return {
    async commit(state, pos, page) {
      const where = `resource "${resource.name}" page ${state.pages + 1}`;
      // a resource fetched only for its children (not selected, as dlt's `selected: false`): its
      // pages commit their token and the parent fields children fan out over, but no rows
      const records = resource.selected ? page.records : [];
      const prepared = prepareRows(records, {
        primaryKey: resource.primaryKey,
        dedupe: resource.writeDisposition !== 'append',
        where,
        extra: pos.parent ? parentColumns(resource, pos.parent.vals) : undefined,
        owners: shape?.owners,
        warn: (m) => deps.log?.warn(m),
        names: deps.names,
      });
      // hints, coercion, variants and the schema contract, before any DDL: a refused page writes nothing
      const raw = { table, rows: prepared.rows, types: prepared.types };
      let write = pageSchema.fit(raw, shape, baseline, where, true);
      if (resource.selected && !write.discarded && (write.rows.length > 0 || !shape)) {
        shape = await evolve(write, prepared.keys, where);
        if (pageSchema.raced(write, shape)) {
          write = pageSchema.fit(raw, shape, baseline, where, true);
          shape = await evolve(write, prepared.keys, where);
        }
      }
      const known = shape;
      const columns = new Map([...write.types.keys()].map((c) => [c, known?.columns.get(c) ?? 'text']));
      const nextToken = encodeToken(pos, page.next, child);
      const done = !child && page.next === null;
      const committed = await commitPage(deps.db, {
        schema,
        table,
        columns,
        rows: write.rows,
        primaryKey: resource.primaryKey,
        disposition: resource.writeDisposition,
        resource: key,
        syncId: input.syncId,
        expectedPages: state.pages,
        nextToken,
        done,
        partitions: exportPartitions(page.records, resource.exportFields),
        partitionOf: { resource: resource.name, page: pageOrdinal(stripe, state.pages) },
        maxValue: page.max,
      });
      return committed ? { ...state, token: nextToken, pages: committed.pages, rows: committed.rows, done } : undefined;
    },
  };
}
