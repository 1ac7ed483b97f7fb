import type { Knex } from 'knex';
import { DataError } from '../../errors';
import type { ClientPlan, ResourcePlan } from '../../plan/types';
import { isUndefinedTable } from './db-errors';
import { qualified } from './names';

/**
 * Where a resource workflow's plan is kept once its first activity has run: later activities of
 * the workflow (its windows, its continued runs, `finishResource`) name it by key instead of
 * carrying it, so the workflow's history holds the plan once, not in every activity it schedules.
 */
export const PLANS_TABLE = '_rest_sync_plans';

/** What a stored plan holds: the source's client and the resource, as the workflow was given them. */
export interface StoredPlan {
  client: ClientPlan;
  resource: ResourcePlan;
}

export const createPlansTableSql = (schema: string): string => `CREATE TABLE IF NOT EXISTS ${qualified(schema, PLANS_TABLE)} (
    resource text NOT NULL,
    plan_key text NOT NULL,
    plan jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource, plan_key))`;

/** Plans kept in this process, by schema, resource and key: a plan never changes under its key. */
const MAX_CACHED = 512;

/**
 * The plans of resource workflows, in each dataset's `_rest_sync_plans`, with a cache in front:
 * a window reads its plan from Postgres once per worker process.
 */
export class PlanStore {
  private readonly cache = new Map<string, StoredPlan>();

  /** Keeps the plan under its key (idempotent: a retried first call writes nothing new). */
  async keep(db: Knex, schema: string, key: string, plan: StoredPlan): Promise<void> {
    const id = cacheKey(schema, plan.resource.name, key);
    if (this.cache.has(id)) return;
    const insert = () =>
      db.raw(`INSERT INTO ${qualified(schema, PLANS_TABLE)} (resource, plan_key, plan) VALUES (?, ?, ?::jsonb) ON CONFLICT DO NOTHING`, [
        plan.resource.name,
        key,
        JSON.stringify(plan),
      ]);
    try {
      await insert();
    } catch (err) {
      // a dataset prepared by an earlier version has no such table yet
      if (!isUndefinedTable(err)) throw err;
      await createPlansTable(db, schema);
      await insert();
    }
    this.remember(id, plan);
  }

  /** The plan kept under `key` for `resource`; a missing one fails the call, naming the resource and the table. */
  async read(db: Knex, schema: string, resource: string, key: string): Promise<StoredPlan> {
    const id = cacheKey(schema, resource, key);
    const cached = this.cache.get(id);
    if (cached) return cached;
    const res = await db
      .raw(`SELECT plan FROM ${qualified(schema, PLANS_TABLE)} WHERE resource = ? AND plan_key = ?`, [resource, key])
      .catch((err: unknown) => (isUndefinedTable(err) ? { rows: [] } : Promise.reject(err)));
    const plan = res.rows[0]?.plan as StoredPlan | undefined;
    if (!plan) {
      throw new DataError(`resource "${resource}": its plan (key ${key}) is not in ${schema}.${PLANS_TABLE}: the sync's bookkeeping was removed while it ran; start the sync again`);
    }
    this.remember(id, plan);
    return plan;
  }

  /** Drops the resource's plans of earlier syncs (one sync of a dataset runs at a time: none of them runs now). */
  async pruneOthers(db: Knex, schema: string, resource: string, key: string): Promise<void> {
    await db.raw(`DELETE FROM ${qualified(schema, PLANS_TABLE)} WHERE resource = ? AND plan_key <> ?`, [resource, key]).catch((err: unknown) => {
      if (!isUndefinedTable(err)) throw err;
    });
  }

  private remember(id: string, plan: StoredPlan): void {
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(id, plan);
  }
}

const cacheKey = (schema: string, resource: string, key: string) => JSON.stringify([schema, resource, key]);

/** Creates the plans table of a dataset prepared by an earlier version; concurrent workers serialise on the DDL advisory lock. */
async function createPlansTable(db: Knex, schema: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('rest-sync ddl'))`);
    await trx.raw(createPlansTableSql(schema));
  });
}
