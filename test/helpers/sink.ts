import type { Knex } from 'knex';
import type { ResourcePlan } from '../../src/plan/types';
import { ensureStateTables } from '../../src/activities/store/state';
import { createTestDatabase } from './env';

/**
 * A test database with rest-sync's state tables in `schema`, made before the describe block's
 * tests and dropped after them (call inside `describe`). `db` is set once they start.
 */
export function stateDatabase(schema: string): { db: Knex } {
  const handle = {} as { db: Knex };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const made = await createTestDatabase();
    [handle.db, drop] = [made.db, made.drop];
    await ensureStateTables(handle.db, schema);
  });
  afterAll(() => drop?.());
  return handle;
}


/** A planned single-page resource merged on `id`, for tests that drive the page sink or the store directly. */
export function resourcePlan(name: string, over: Partial<ResourcePlan> = {}): ResourcePlan {
  return {
    name,
    table: name,
    method: 'GET',
    path: name,
    params: {},
    headers: {},
    paginator: { type: 'single_page' } as ResourcePlan['paginator'],
    paginatorSource: 'endpoint',
    primaryKey: ['id'],
    mergeKey: [],
    writeDisposition: 'merge',
    retry: { maximumAttempts: 1, backoffCoefficient: 2, initialIntervalMs: 1 },
    responseActions: [],
    selected: true,
    exportFields: [],
    columns: {},
    ...over,
  };
}
