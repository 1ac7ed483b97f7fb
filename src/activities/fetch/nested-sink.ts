import type { Knex } from 'knex';
import type { ResourcePlan } from '../../plan/types';
import { evolveTable, readShape, widens, type TableShape } from '../store/tables';
import { commentNested, listNestedTables, nestedStagingTable } from '../store/nested-tables';
import type { NestedRows } from '../store/nested-commit';
import { DLT_ROOT_ID, type TablePage } from '../store/relational';

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
    private readonly syncId: string,
  ) {}

  /** Reads the nested tables the resource's table has (its staged ones under replace). */
  static async open(db: Knex, schema: string, resource: ResourcePlan, syncId: string): Promise<NestedTables> {
    const staged = resource.writeDisposition === 'replace';
    const shapes = new Map<string, TableShape>();
    for (const t of await listNestedTables(db, schema, resource.table)) {
      if (t.relname !== (staged ? nestedStagingTable(t.table) : t.table)) continue;
      const shape = await readShape(db, schema, t.relname);
      if (shape) shapes.set(t.table, shape);
    }
    return new NestedTables(db, schema, resource, shapes, syncId);
  }

  /** The columns of a nested table and the record key each holds, for the normalizer. */
  readonly ownersOf = (table: string): ReadonlyMap<string, string | null> | undefined => this.shapes.get(table)?.owners;

  /** Where a nested table's rows go while the resource runs. */
  private relname(table: string): string {
    return this.resource.writeDisposition === 'replace' ? nestedStagingTable(table) : table;
  }

  /** Whether preparing these pages would widen a column of a nested table (see widens). */
  widens(pages: TablePage[]): boolean {
    return pages.some((p) => p.rows.length > 0 && widens(this.shapes.get(p.table), p.types));
  }

  /** Creates or evolves each nested table a page brings rows to; the rows as the commit takes them. */
  async prepare(pages: TablePage[], warn: (message: string) => void): Promise<NestedRows[]> {
    const out: NestedRows[] = [];
    for (const page of pages) {
      if (page.rows.length === 0) continue;
      const relname = this.relname(page.table);
      const evolved = await evolveTable(this.db, this.shapes.get(page.table), {
        schema: this.schema,
        table: relname,
        pageTypes: page.types,
        primaryKey: [],
        hints: {},
        keys: page.keys,
        onCreate: [commentNested(this.schema, relname, this.resource.table, page.table, this.syncId)],
      });
      for (const w of evolved.widened) warn(`table "${page.table}": column "${w.column}" widened from ${w.from} to ${w.to} to keep a value`);
      this.shapes.set(page.table, evolved.shape);
      const shape = evolved.shape;
      out.push({ table: relname, columns: new Map([...page.types.keys()].map((c) => [c, shape.columns.get(c) ?? 'text'])), rows: page.rows });
    }
    return out;
  }

  /** Under merge, the nested tables whose rows of a replaced root row the page drops (those with `_dlt_root_id`). */
  clearable(): string[] {
    if (this.resource.writeDisposition !== 'merge') return [];
    return [...this.shapes].filter(([, s]) => s.columns.has(DLT_ROOT_ID)).map(([table]) => this.relname(table));
  }
}
