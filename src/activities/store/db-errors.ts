import { RestSyncError } from '../../errors';

/** Longest Postgres message passed on: enough for the cause, never a page of data. */
const MAX_MESSAGE = 300;

/**
 * knex puts the failed statement in front of Postgres's message, with the bindings filled in:
 * for a page commit that is the whole page of records (and on a 2,000-column page the whole
 * CREATE TABLE). Errors leave the loader with Postgres's own message only, cut to a few lines;
 * the error object (and its SQLSTATE `code`, which outage detection reads) stays the same.
 */
export function withoutSql(err: unknown, where?: string): unknown {
  if (!(err instanceof Error) || err instanceof RestSyncError) return err;
  const cut = sqlFreeErrors.has(err) ? -1 : err.message.lastIndexOf(' - ');
  let message = cut >= 0 ? err.message.slice(cut + 3) : err.message;
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}...`;
  err.message = `${where ? `${where}: ` : ''}Postgres: ${message}`;
  err.stack = `${err.name}: ${err.message}`;
  return err;
}

/** Errors of statements sent without knex: their message is Postgres's own, with no statement in front to cut off. */
const sqlFreeErrors = new WeakSet<Error>();

/** Marks a driver error whose message holds no statement (see {@link withoutSql}). */
export function markSqlFree(err: unknown): unknown {
  if (err instanceof Error) sqlFreeErrors.add(err);
  return err;
}

/** Runs a loader statement; its failure carries no SQL (see {@link withoutSql}), and `where` when given. */
export async function sqlFree<T>(run: () => Promise<T>, where?: string): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw withoutSql(err, where);
  }
}

/** Postgres's "relation does not exist" (42P01): a bookkeeping table a sync from an earlier version never made. */
export function isUndefinedTable(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '42P01';
}
