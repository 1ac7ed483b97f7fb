import { createDb } from '../../src/infra/db';
import { MAX_PREPARED_PER_CONNECTION, preparedRaw } from '../../src/activities/store/prepared';
import { sqlFree } from '../../src/activities/store/db-errors';
import { useTestSchema } from '../helpers/env';

/**
 * Page commits run as named prepared statements (real Postgres): the same text is prepared once
 * per connection, a connection never holds more than MAX_PREPARED_PER_CONNECTION of them, and a
 * failure carries Postgres's whole message.
 */
describe('statements prepared once per connection', () => {
  const database = useTestSchema('prepared_stmts', async () => undefined);

  /** A pool of one connection on the test database, so every statement meets the same backend. */
  const onePool = () => createDb(process.env.REST_SYNC_TEST_PG_URL!, 0);
  const prepared = async (db: ReturnType<typeof createDb>) =>
    Number((await preparedRaw(db, `SELECT count(*) AS n FROM pg_prepared_statements WHERE name LIKE 'rs\\_%'`, [])).rows[0].n);

  test.each([
    { name: 'one text run 20 times is one prepared statement', texts: 1, runs: 20, expected: 2 },
    { name: `${MAX_PREPARED_PER_CONNECTION + 10} texts: deallocated once the connection holds ${MAX_PREPARED_PER_CONNECTION}`, texts: MAX_PREPARED_PER_CONNECTION + 10, runs: 1, expected: 11 },
  ])('$name', async ({ texts, runs, expected }) => {
    const db = onePool();
    try {
      for (let t = 0; t < texts; t++) {
        for (let r = 0; r < runs; r++) expect((await preparedRaw(db, `SELECT ?::int + ${t} AS v`, [r])).rows[0].v).toBe(r + t);
      }
      // the texts run, and the counting statement itself
      expect(await prepared(db)).toBe(expected);
    } finally {
      await db.destroy();
    }
  });

  test("a failure keeps Postgres's message whole (a ' - ' in it is not taken for knex's statement prefix)", async () => {
    const failed = sqlFree(() => preparedRaw(database.db, `SELECT ?::int`, ['a - b']), 'resource "items" page 3');
    await expect(failed).rejects.toThrow('resource "items" page 3: Postgres: invalid input syntax for type integer: "a - b"');
  });
});
