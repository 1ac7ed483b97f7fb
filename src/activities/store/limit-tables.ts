import type { Knex } from 'knex';
import { LEASE_SCHEMA } from './lease';
import { qualified, quoteIdent } from './names';

/** One row per limited source: its request schedule (GCRA's theoretical arrival time) and the server's pause. */
export const RATES = qualified(LEASE_SCHEMA, 'source_rates');
/** `max_concurrency` rows per limited source: a request in flight holds one until it ends or its lease expires. */
export const SLOTS = qualified(LEASE_SCHEMA, 'source_slots');

const created = new WeakMap<Knex, Promise<void>>();

/**
 * Creates the limit tables once per pool. Every worker of a deployment shares them through its
 * Postgres, which is what makes a limit hold across processes; concurrent workers serialise on
 * the same advisory lock as the other `_rest_sync` DDL, so no DDL race. A failure (Postgres down)
 * is not remembered: the next request tries again.
 */
export function ensureLimitTables(db: Knex): Promise<void> {
  let done = created.get(db);
  if (!done) {
    done = createTables(db);
    done.catch(() => created.delete(db));
    created.set(db, done);
  }
  return done;
}

async function createTables(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('rest-sync ddl'))`);
    await trx.raw(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(LEASE_SCHEMA)}`);
    await trx.raw(`CREATE TABLE IF NOT EXISTS ${RATES} (
      key text PRIMARY KEY,
      tat timestamptz NOT NULL,
      paused_until timestamptz NOT NULL DEFAULT 'epoch')`);
    await trx.raw(`CREATE TABLE IF NOT EXISTS ${SLOTS} (
      key text NOT NULL,
      slot int NOT NULL,
      holder text,
      expires_at timestamptz,
      PRIMARY KEY (key, slot))`);
  });
}
