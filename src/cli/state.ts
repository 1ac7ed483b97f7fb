import type { Knex } from 'knex';
import { datasetSchema } from '../activities/store/dataset';
import { readDatasetState, resetDatasetState, type DatasetState } from '../activities/store/admin';
import { createDb } from '../infra/db';
import { connectOrStartPostgres } from '../infra/postgres';
import { EMBEDDED_PG_DIR } from './run';
import { table } from './status';

/** The database `run` loads into (DATABASE_URL or the embedded one), for `fn`, then closed. */
export async function withDatabase<T>(fn: (db: Knex) => Promise<T>): Promise<T> {
  const pg = await connectOrStartPostgres(EMBEDDED_PG_DIR);
  const db = createDb(pg.url, 1);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
    await pg.stop();
  }
}

/** `rest-sync state show <dataset> [--resource R]`: incremental values and unfinished syncs. */
export function stateShow(dataset: string, resource?: string): Promise<DatasetState> {
  return withDatabase((db) => readDatasetState(db, datasetSchema(dataset), resource));
}

export function formatState(s: DatasetState): string {
  // a per_parent child's values: one a parent record, named by its fields
  const inc = s.incremental.map((r) => [r.parent === undefined ? r.resource : `${r.resource} ${JSON.stringify(r.parent)}`, JSON.stringify(r.lastValue), new Date(r.updatedAt).toISOString()]);
  const unf = s.unfinished.map((r) => [r.key, r.syncId, String(r.pages), String(r.rows), new Date(r.updatedAt).toISOString()]);
  return [
    `dataset ${s.schema}${s.heldBy ? ` (being synced by ${s.heldBy})` : ''}`,
    inc.length ? `incremental values:\n${table(['resource', 'last value', 'updated'], inc)}` : 'incremental values: none',
    unf.length ? `unfinished syncs (resumed by the next run):\n${table(['resource', 'sync', 'pages', 'rows', 'updated'], unf)}` : 'unfinished syncs: none',
  ].join('\n');
}

/** `rest-sync state reset <dataset> [--resource R]`: the next sync starts those resources afresh. */
export async function stateReset(dataset: string, resource?: string): Promise<string> {
  const schema = datasetSchema(dataset);
  const n = await withDatabase((db) => resetDatasetState(db, schema, resource ? [resource] : undefined));
  return `${schema}${resource ? ` ${resource}` : ''}: removed ${n.incremental} incremental value(s) and ${n.unfinished} unfinished sync row(s)`;
}
