import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { connectOrStartPostgres } from '../infra/postgres';
import { startDevServer } from '../infra/dev-server';
import { createSyncWorker, DEFAULT_TASK_QUEUE } from '../worker';
import { EMBEDDED_PG_DIR } from './run';
import { recordDev } from './target';

export interface DevOptions {
  port: number;
  uiPort: number;
  dbFile: string;
}

/**
 * `rest-sync dev`: everything on one machine until Ctrl-C — a dev server whose workflows are kept
 * in a local file (so they are still there after a restart), its Web UI, a worker on the task
 * queue, and Postgres (DATABASE_URL or the embedded one). The temporal CLI's defaults reach it.
 */
export async function devCommand(o: DevOptions): Promise<void> {
  mkdirSync(path.dirname(path.resolve(o.dbFile)), { recursive: true });
  const pg = await connectOrStartPostgres(EMBEDDED_PG_DIR);
  const env = await startDevServer({ port: o.port, uiPort: o.uiPort, dbFilename: path.resolve(o.dbFile) }).catch(async (e) => {
    await pg.stop();
    throw e;
  });
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE;
  // `run`, `status` and `schedule` started in this folder find this server through the record
  const unrecord = recordDev(env.address, `http://localhost:${o.uiPort}`);
  const { worker, close } = await createSyncWorker({ connection: env.nativeConnection, databaseUrl: pg.url, taskQueue });
  console.error(
    `rest-sync dev: Temporal at localhost:${o.port}, Web UI http://localhost:${o.uiPort}, worker on task queue ${taskQueue}, ` +
      `Postgres ${process.env.DATABASE_URL ? 'DATABASE_URL' : pg.url}; workflows kept in ${o.dbFile}. Ctrl-C to stop.`,
  );
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once running activities have drained
  } finally {
    unrecord();
    await close();
    await env.teardown();
    await pg.stop();
  }
}
