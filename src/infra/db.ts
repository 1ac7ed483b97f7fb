import knex, { type Knex } from 'knex';
import pg from 'pg';

// bigint (int8) columns come back as JS numbers when they fit, so counts read as numbers.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

/** A knex pool sized to the worker's activity concurrency (plus one for bookkeeping). */
export function createDb(url: string, poolSize = 8): Knex {
  return knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolSize + 1 },
  });
}
