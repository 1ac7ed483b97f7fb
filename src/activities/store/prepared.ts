import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { markSqlFree } from './db-errors';

/** What a prepared statement returns: the rows, as `knex.raw` gives them for Postgres. */
export interface PreparedResult {
  rows: Record<string, unknown>[];
}

/** The part of a pg connection used here: a named query, and the statements it has parsed. */
interface PgConnection {
  query(config: string | { name?: string; text: string; values: unknown[] }): Promise<PreparedResult>;
  connection?: { parsedStatements?: Record<string, string> };
}

/**
 * Statements a pooled connection keeps prepared before they are all deallocated: each holds a
 * parse tree and a cached plan in its backend, and every table shape has its own statement.
 */
export const MAX_PREPARED_PER_CONNECTION = 64;

const named = new Map<string, { name: string; text: string }>();
const MAX_NAMED = 1024;

/** The statement's name (from its text) and its text with knex's `?` placeholders as `$n`. */
function statementOf(db: Knex, sql: string): { name: string; text: string } {
  let s = named.get(sql);
  if (!s) {
    const text = (db.client as { positionBindings(sql: string): string }).positionBindings(sql);
    s = { name: `rs_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text };
    if (named.size >= MAX_NAMED) named.clear();
    named.set(sql, s);
  }
  return s;
}

/**
 * Runs a statement written with knex's `?` placeholders as a named prepared statement on a
 * pooled connection. A page commit's statement is the same text page after page (only its
 * bindings change), so Postgres parses and plans it once per connection instead of on every
 * page, as `knex.raw` (an unnamed statement) makes it do. Errors are pg's own: Postgres's
 * message without the statement in front of it.
 */
export async function preparedRaw(db: Knex, sql: string, bindings: readonly unknown[]): Promise<PreparedResult> {
  const statement = statementOf(db, sql);
  const conn = (await db.client.acquireConnection()) as PgConnection;
  try {
    const parsed = conn.connection?.parsedStatements;
    // a driver that does not show what it has prepared gets unnamed statements: nothing piles up
    if (!parsed) return await conn.query({ text: statement.text, values: [...bindings] });
    if (!(statement.name in parsed) && Object.keys(parsed).length >= MAX_PREPARED_PER_CONNECTION) {
      await conn.query('DEALLOCATE ALL');
      for (const k of Object.keys(parsed)) delete parsed[k];
    }
    return await conn.query({ name: statement.name, text: statement.text, values: [...bindings] });
  } catch (err) {
    throw markSqlFree(err);
  } finally {
    await db.client.releaseConnection(conn);
  }
}
