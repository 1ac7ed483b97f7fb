import knex, { type Knex } from 'knex';
import pg from 'pg';
import { postgresConnection } from './tls';

// bigint (int8) columns come back as JS numbers when they fit, so counts read as numbers.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

const oneLine = (message: unknown) => console.error(`[warn] knex: ${String(message).split('\n')[0]}`);

/**
 * A knex pool sized to the worker's activity concurrency (plus one for bookkeeping). SSL follows
 * libpq's rules (`?sslmode=` in the URL, else PGSSLMODE; see infra/tls.ts).
 */
export function createDb(url: string, poolSize = 8): Knex {
  return knex({
    client: 'pg',
    connection: postgresConnection(url),
    pool: { min: 0, max: poolSize + 1 },
    // knex would print warnings (a failed connection, each with its stack) with console.log: one line on stderr instead
    log: { warn: oneLine, error: oneLine, deprecate: oneLine, debug: () => undefined },
  });
}
