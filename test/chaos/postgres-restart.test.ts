import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { createSecretResolver } from '../../src/activities/secrets';
import { AHEAD_PAGES } from '../../src/activities/fetch/fetch-pages';
import { freePort, reachableDataDir } from '../../src/infra/postgres';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { CHAOS_PAGE, chaosSource, startChaosApi, type ChaosApi } from '../fixtures/apis/chaos-api';
import { connectTestTemporal, uniqueId, type TestTemporal } from '../helpers/env';
import { startPostgresProcess, type PostgresProcess } from '../helpers/pg-process';

const N = 15_000; // 1 500 pages per resource, two resources
const PAGES = N / CHAOS_PAGE + 1; // the last, empty page ends the offset paginator
const DOWN_MS = 5000;

/**
 * Postgres restarts in the middle of a sync of 3 000 pages. The windows in flight fail on their
 * dead connections (retriably), the pool reconnects, and the next attempts resume from the
 * committed tokens: both tables end exact, the append one too.
 */
describe('Postgres restart mid-sync', () => {
  let temporal: TestTemporal;
  let api: ChaosApi;
  let pg: PostgresProcess;
  let dir: string;
  let port: number;
  let db: Knex;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-chaos-pg-'));
    port = await freePort();
    [temporal, api, pg] = await Promise.all([connectTestTemporal(), startChaosApi(N), startPostgresProcess(path.join(dir, 'pg'), port)]);
    db = knex({ client: 'pg', connection: pg.url, pool: { min: 0, max: 2 } });
  });
  afterAll(async () => {
    await db?.destroy();
    await api?.close();
    await pg?.stop();
    await temporal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(reachableDataDir(path.join(dir, 'pg')), { recursive: true, force: true });
  });

  const committed = async () =>
    Number((await db.raw(`SELECT coalesce(sum(pages), 0) AS n FROM chaos_pg._rest_sync_state`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);

  test('stop and start Postgres while windows commit: exact tables, the sync completes', async () => {
    const { worker, close } = await temporal.startWorker({ databaseUrl: pg.url, secrets: createSecretResolver({ env: {} }) });
    try {
      const run = worker.runUntil(async () => {
        const handle = await temporal.client.workflow.start('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId: uniqueId('sync:chaos_pg'),
          args: [{ source: chaosSource(api.url), dataset: 'chaos_pg', options: { windowPages: 200, heartbeatSeconds: 5 } }],
        });
        return (await handle.result()) as SyncSourceOutput;
      });
      run.catch(() => undefined); // awaited below; a failure before that must not go unhandled
      const until = Date.now() + 60_000;
      while ((await committed()) < PAGES * 0.4) {
        if (Date.now() > until) throw new Error('the sync made no progress');
        await new Promise((r) => setTimeout(r, 20));
      }
      const before = await committed();
      await pg.stop();
      // longer than the default retry policy's three attempts (1 s, then 2 s apart) span
      await new Promise((r) => setTimeout(r, DOWN_MS));
      pg = await startPostgresProcess(path.join(dir, 'pg'), port);
      expect(before).toBeLessThan(2 * PAGES); // restarted mid-sync
      const out = await run;

      for (const table of ['merged', 'appended']) {
        const r = await db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM chaos_pg.${table}`);
        expect(r.rows[0]).toEqual({ rows: N, ids: N });
        expect(out.resources[table]).toEqual({ rows: N, pages: PAGES });
      }
      // pages refetched: only those fetched but not committed when Postgres went away (per resource, AHEAD_PAGES at most)
      const refetched = [...api.requests.values()].reduce((a, n) => a + (n - 1), 0);
      expect(refetched).toBeLessThanOrEqual(2 * AHEAD_PAGES);
    } finally {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await close();
    }
  }, 180_000);
});
