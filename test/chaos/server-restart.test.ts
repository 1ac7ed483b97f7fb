import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createSecretResolver } from '../../src/activities/secrets';
import { startDevServer, type DevServer } from '../../src/infra/dev-server';
import { freePort } from '../../src/infra/postgres';
import { createSyncWorker } from '../../src/worker';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { CHAOS_PAGE, chaosSource, startChaosApi, type ChaosApi } from '../fixtures/apis/chaos-api';
import { createTestDatabase, uniqueId } from '../helpers/env';

const N = 15_000;
const PAGES = N / CHAOS_PAGE + 1;

/**
 * The Temporal server (a dev server keeping its state in a sqlite file) stops in the middle of
 * a sync of 3 000 pages and starts again on the same port and file. The worker rides it out,
 * the workflows resume from their histories and the activities from the committed tokens: both
 * tables end exact.
 */
describe('Temporal server restart mid-sync', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: ChaosApi;
  let dir: string;
  let server: DevServer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-chaos-temporal-'));
    [database, api] = await Promise.all([createTestDatabase(), startChaosApi(N, 1)]);
  });
  afterAll(async () => {
    await server?.teardown();
    await api?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const committed = async () =>
    Number((await database.db.raw(`SELECT coalesce(sum(pages), 0) AS n FROM chaos_tmp._rest_sync_state`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);

  test('stop and start the dev server on the same file: the sync completes with exact tables', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const dbFilename = path.join(dir, 'temporal.db');
    server = await startDevServer({ port, dbFilename });
    const native = await NativeConnection.connect({ address });
    const taskQueue = uniqueId('chaos');
    const code = readFileSync(process.env.REST_SYNC_TEST_BUNDLE!, 'utf8');
    const { worker, close } = await createSyncWorker({ connection: native, taskQueue, databaseUrl: database.url, workflowBundle: { code }, secrets: createSecretResolver({ env: {} }) });
    const workflowId = uniqueId('sync:chaos_tmp');
    let done: (v: SyncSourceOutput) => void = () => undefined;
    const finished = new Promise<SyncSourceOutput>((r) => (done = r));
    const running = worker.runUntil(finished);
    running.catch(() => undefined); // awaited below
    try {
      await server.client.workflow.start('syncSource', {
        taskQueue,
        workflowId,
        args: [{ source: chaosSource(api.url), dataset: 'chaos_tmp', options: { windowPages: 100, heartbeatSeconds: 5 } }],
      });
      const until = Date.now() + 60_000;
      while ((await committed()) < PAGES * 0.4) {
        if (Date.now() > until) throw new Error('the sync made no progress');
        await new Promise((r) => setTimeout(r, 20));
      }
      await server.teardown();
      server = undefined;
      const atStop = await committed();
      expect(atStop).toBeLessThan(2 * PAGES); // stopped mid-sync
      await new Promise((r) => setTimeout(r, 2000));
      server = await startDevServer({ port, dbFilename });
      // a fresh client: the old one's connection went down with the server
      const connection = await Connection.connect({ address });
      const out = (await new Client({ connection }).workflow.getHandle(workflowId).result()) as SyncSourceOutput;
      await connection.close();
      done(out);
      await running;

      for (const table of ['merged', 'appended']) {
        const r = await database.db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM chaos_tmp.${table}`);
        expect(r.rows[0]).toEqual({ rows: N, ids: N });
        expect(out.resources[table]).toEqual({ rows: N, pages: PAGES });
      }
      expect(await committed()).toBe(2 * PAGES);
    } finally {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await close();
      await native.close();
    }
  }, 180_000);
});
