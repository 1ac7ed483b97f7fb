import knex from 'knex';
import { evolveTable, readShape } from '../../src/activities/store/tables';
import type { PgType } from '../../src/activities/store/types';
import { useTestSchema } from '../helpers/env';

const SCHEMA = 'ddl';

/**
 * The lanes or windows of a resource start together and each creates (or widens) the resource's
 * table on its first page; several workers may too. Concurrent CREATE TABLE IF NOT EXISTS races
 * in Postgres's catalog (`duplicate key … pg_type_typname_nsp_index`), costing a retry and
 * refetched pages: the DDL waits on an advisory lock per table instead.
 */
describe('table DDL from concurrent lanes', () => {
  const ctx = useTestSchema(SCHEMA, async (db, schema) => void (await db.raw(`CREATE SCHEMA ${schema}`)));

  test('lanes creating and widening one table at once wait for each other: no catalog race', async () => {
    // a pool of its own, its connections open, so the statements really run at once
    const wide = knex({ client: 'pg', connection: ctx.db.client.config.connection, pool: { min: 8, max: 8 } });
    try {
      await Promise.all(Array.from({ length: 8 }, () => wide.raw('SELECT 1')));
      for (const table of ['raced_a', 'raced_b', 'raced_c']) {
        const evolve = (shape: Awaited<ReturnType<typeof readShape>>, types: [string, PgType][]) =>
          evolveTable(wide, shape, { schema: SCHEMA, table, pageTypes: new Map(types), primaryKey: ['id'], hints: {} });
        await Promise.all(Array.from({ length: 8 }, () => evolve(undefined, [['id', 'bigint'], ['v', 'text']])));
        const shape = await readShape(wide, SCHEMA, table);
        await Promise.all(Array.from({ length: 8 }, (_, i) => evolve(shape, [['id', 'bigint'], [`c${i % 2}`, 'text']])));
        expect([...(await readShape(wide, SCHEMA, table))!.columns.keys()].sort()).toEqual(['c0', 'c1', 'id', 'v']);
      }
    } finally {
      await wide.destroy();
    }
  });
});
