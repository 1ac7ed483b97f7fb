import type { Knex } from 'knex';
import type { ResourcePlan } from '../../plan/types';
import { evolveTable, readShape, widens, type TableShape } from '../store/tables';
import { commentNested, listNestedTables, nestedStagingTable } from '../store/nested-tables';
import type { NestedRows } from '../store/nested-commit';
import { DLT_ROOT_ID, type TablePage } from '../store/relational';
import { fitNested, type NestedFit } from './nested-fit';
import type { PageSchema, TableHints } from './page-schema';

/**
 * The nested tables of one resource's table, as one activity call sees them: their shapes are
 * read once (a page whose columns are known costs no catalog read) and each table is created
 * or evolved when a page brings it rows, like the resource's own table. A replace loads them
 * into staging tables swapped in with the root table (see swapNestedStaging).
 */
export class NestedTables {
  private constructor(
    private readonly db: Knex,
    private readonly schema: string,
    private readonly resource: ResourcePlan,
    private readonly shapes: Map<string, TableShape>,
    private readonly baselines: Map<string, TableShape>,
    private readonly syncId: string,
  ) {}

  /**
   * Reads the nested tables the resource's table has: under replace its staged ones, and the
   * tables they replace as baselines (the contract and the column types go by those until the
   * staged table exists, as for the root table).
   */
  static async open(db: Knex, schema: string, resource: ResourcePlan, syncId: string): Promise<NestedTables> {
    const staged = resource.writeDisposition === 'replace';
    const shapes = new Map<string, TableShape>();
    const baselines = new Map<string, TableShape>();
    for (const t of await listNestedTables(db, schema, resource.table)) {
      const own = t.relname === (staged ? nestedStagingTable(t.table) : t.table);
      if (!own && !(staged && t.relname === t.table)) continue;
      const shape = await readShape(db, schema, t.relname);
      if (shape) (own ? shapes : baselines).set(t.table, shape);
    }
    return new NestedTables(db, schema, resource, shapes, baselines, syncId);
  }

  /** The nested tables' hints whose data type differs from the column they have (the table's type wins), as the root's are reported. */
  conflicts(schema: PageSchema): string[] {
    const tables = new Set([...this.shapes.keys(), ...this.baselines.keys()]);
    return [...tables].flatMap((table) => schema.conflicts(this.shapes.get(table) ?? this.baselines.get(table), table).map((c) => `table "${table}": ${c}`));
  }

  /**
   * The page's nested rows fitted to their tables (hints, coercion, variants, the schema
   * contract), before any DDL; see fitNested. `rootDropped`: the root rows the root's fit dropped.
   */
  fit(pages: TablePage[], rootDropped: ReadonlySet<unknown>, schema: PageSchema, where: string): NestedFit[] {
    return fitNested(pages, this.resource.table, rootDropped, (w, ancestors) => schema.fitNested(w, this.shapes.get(w.table), this.baselines.get(w.table), where, ancestors));
  }

  /** The columns of a nested table and the record key each holds, for the normalizer. */
  readonly ownersOf = (table: string): ReadonlyMap<string, string | null> | undefined => this.shapes.get(table)?.owners;

  /** Where a nested table's rows go while the resource runs. */
  private relname(table: string): string {
    return this.resource.writeDisposition === 'replace' ? nestedStagingTable(table) : table;
  }

  /** Whether preparing these fitted writes would widen a column of a nested table (see widens). */
  widens(fitted: NestedFit[]): boolean {
    return fitted.some((f) => widens(this.shapes.get(f.page.table), f.write.types));
  }

  /**
   * Creates or evolves each nested table a page brings rows to; the rows as the commit takes them.
   * A table another window created with another type for a column this page adds is fitted again
   * to it (a variant, not a failed insert), as the root table is.
   */
  async prepare(fitted: NestedFit[], schema: PageSchema, where: string, warn: (message: string) => void): Promise<NestedRows[]> {
    const out: NestedRows[] = [];
    for (const f of fitted) {
      let write = f.write;
      const hints = schema.nestedConstraints(f.page.table);
      let shape = await this.evolve(f.page, write, hints, warn);
      if (schema.raced(write, shape)) {
        write = schema.fitNested({ table: f.page.table, rows: write.rows, types: f.page.types }, shape, undefined, where, f.ancestors);
        shape = await this.evolve(f.page, write, hints, warn);
      }
      for (const [column, c] of write.added) {
        if (c.of !== undefined) warn(`table "${f.page.table}": values of "${c.of}" that do not fit its type go to the variant column "${column}" (${write.types.get(column)}), as dlt does`);
      }
      out.push({ table: this.relname(f.page.table), columns: new Map([...write.types.keys()].map((c) => [c, shape.columns.get(c) ?? 'text'])), rows: write.rows });
    }
    return out;
  }

  /** The nested table created or evolved for a write's columns; warns of each widened column. */
  private async evolve(page: TablePage, write: NestedFit['write'], hints: TableHints, warn: (message: string) => void): Promise<TableShape> {
    const relname = this.relname(page.table);
    const evolved = await evolveTable(this.db, this.shapes.get(page.table), {
      schema: this.schema,
      table: relname,
      pageTypes: write.types,
      primaryKey: [],
      hints: hints.pgTypes,
      notNull: hints.notNull,
      unique: hints.unique,
      keys: page.keys,
      onCreate: [commentNested(this.schema, relname, this.resource.table, page.table, this.syncId)],
    });
    for (const w of evolved.widened) warn(`table "${page.table}": column "${w.column}" widened from ${w.from} to ${w.to} to keep a value`);
    this.shapes.set(page.table, evolved.shape);
    return evolved.shape;
  }

  /** Under merge, the nested tables whose rows of a replaced root row the page drops (those with `_dlt_root_id`). */
  clearable(): string[] {
    if (this.resource.writeDisposition !== 'merge') return [];
    return [...this.shapes].filter(([, s]) => s.columns.has(DLT_ROOT_ID)).map(([table]) => this.relname(table));
  }
}
