import type { Knex } from 'knex';
import { qualified, quoteIdent, quoteLiteral, shorten } from './names';
import { sqlFree } from './db-errors';

/**
 * Which tables hang off a resource's table (dlt's nested tables, `<table>__<field>`): each one
 * carries a table comment naming its root table and its own name, written when it is created. A
 * renamed staging table keeps it, so a replace finds its staged nested tables and where they go.
 */
const PREFIX = 'rest-sync nested: ';

/** The comment of a nested table `table` under the root table `root`, created by the sync `sync`. */
export function nestedComment(root: string, table: string, sync: string): string {
  return `${PREFIX}${JSON.stringify({ root, table, sync })}`;
}

/**
 * Where a replace stages a nested table while the resource runs. The trailing `_` keeps it apart
 * from every name dlt's naming makes (it turns a trailing `_` into `x`), so no nested table of a
 * field called `staging` is mistaken for it.
 */
export function nestedStagingTable(table: string): string {
  return shorten(`${table}__staging_`);
}

/** A nested table as found in the catalog: its name now and the name it is loaded as. */
export interface NestedTable {
  relname: string;
  table: string;
  /** the sync that created it */
  sync?: string;
}

/** The nested tables of `root` in `schema`, staging tables included (relname ≠ table). */
export function listNestedTables(db: Knex, schema: string, root: string): Promise<NestedTable[]> {
  return sqlFree(async () => {
    const res = await db.raw(
      `SELECT c.relname, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ? AND c.relkind = 'r' AND starts_with(coalesce(obj_description(c.oid, 'pg_class'), ''), ?)`,
      [schema, PREFIX],
    );
    const out: NestedTable[] = [];
    for (const r of res.rows as { relname: string; comment: string }[]) {
      const meta = parse(r.comment);
      if (meta?.root === root) out.push({ relname: r.relname, ...meta });
    }
    return out;
  });
}

function parse(comment: string): { root: string; table: string; sync?: string } | undefined {
  try {
    const meta: unknown = JSON.parse(comment.slice(PREFIX.length));
    const m = meta as { root?: unknown; table?: unknown; sync?: unknown };
    if (typeof m?.root !== 'string' || typeof m.table !== 'string') return undefined;
    return { root: m.root, table: m.table, ...(typeof m.sync === 'string' ? { sync: m.sync } : {}) };
  } catch {
    return undefined;
  }
}

/** The statement that records a nested table's root on it (run with its CREATE TABLE). */
export function commentNested(schema: string, relname: string, root: string, table: string, sync: string): string {
  return `COMMENT ON TABLE ${qualified(schema, relname)} IS ${quoteLiteral(nestedComment(root, table, sync))}`;
}

/**
 * Under merge, when a resource finishes: drops the rows of nested tables created by this sync
 * whose root row is gone. A window that started before another window created such a table
 * could not delete that table's rows of the root rows it replaced (it did not know the table);
 * this catches them. Tables that existed before the sync are known to every window, and only
 * new tables (holding this sync's rows alone) are scanned. Idempotent: a retried call does it again.
 */
export async function sweepNewNested(db: Knex, schema: string, root: string, sync: string): Promise<number> {
  let swept = 0;
  for (const t of await listNestedTables(db, schema, root)) {
    if (t.sync !== sync || t.relname !== t.table) continue;
    const res = await sqlFree(() =>
      db.raw(
        `DELETE FROM ${qualified(schema, t.relname)} c WHERE c."_dlt_root_id" IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM ${qualified(schema, root)} o WHERE o."_dlt_id" = c."_dlt_root_id")`,
      ),
    );
    swept += res.rowCount ?? 0;
  }
  return swept;
}

/** A new replace run: the staged nested tables of the last run go with its staged root table. */
export async function dropNestedStaging(trx: Knex.Transaction, schema: string, root: string): Promise<void> {
  for (const t of await listNestedTables(trx, schema, root)) {
    if (t.relname !== t.table) await trx.raw(`DROP TABLE IF EXISTS ${qualified(schema, t.relname)}`);
  }
}

/**
 * Swaps a finished replace's nested tables in, inside the root table's swap transaction: each
 * staged table replaces its table, and a nested table this run brought no rows to is emptied (a
 * replace replaces the whole tree, as dlt truncates every table of it).
 */
export async function swapNestedStaging(trx: Knex.Transaction, schema: string, root: string): Promise<void> {
  const tables = await listNestedTables(trx, schema, root);
  const staged = new Set(tables.filter((t) => t.relname !== t.table).map((t) => t.table));
  for (const t of tables) {
    if (t.relname !== t.table) {
      await trx.raw(`DROP TABLE IF EXISTS ${qualified(schema, t.table)}`);
      await trx.raw(`ALTER TABLE ${qualified(schema, t.relname)} RENAME TO ${quoteIdent(t.table)}`);
    } else if (!staged.has(t.table)) {
      await trx.raw(`TRUNCATE ${qualified(schema, t.relname)}`);
    }
  }
}
