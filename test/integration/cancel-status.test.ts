import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { createSecretResolver } from '../../src/activities/secrets';
import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';
import { runCli } from '../helpers/cli';

const N = 1200;

/** A slow cursor API: 20 ms a page of 3, so a sync is still running while the test looks at it. */
function slowApi(): Promise<MockServer> {
  return startMockServer([
    {
      path: '/slow',
      handler: (r) => {
        const at = Number(r.query.get('after') ?? 0);
        const until = Date.now() + 20;
        while (Date.now() < until);
        const data = Array.from({ length: Math.min(3, N - at) }, (_, i) => ({ id: at + i }));
        return { body: { data, next: at + 3 < N ? String(at + 3) : null } };
      },
    },
  ]);
}

describe('a running sync: live status, and cancelling it', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), slowApi()]);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  test('status shows live pages of a running sync; cancel stops it cleanly; the next sync is exact', async () => {
    const source = {
      client: { base_url: api.url },
      resources: [
        {
          name: 'slow',
          primary_key: 'id',
          write_disposition: 'merge',
          endpoint: { path: '/slow', data_selector: 'data', paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'after' } },
        },
      ],
    };
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    const count = async () => (await database.db.raw('SELECT count(*)::int AS n FROM slowds.slow').catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n;
    await worker.runUntil(async () => {
      const handle = await temporal.client.workflow.start('syncSource', {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('sync:slowds'),
        args: [{ source, dataset: 'slowds' }],
      });
      while ((await count()) < 30) await new Promise((r) => setTimeout(r, 50));
      // heartbeats reach the server every 2 s: poll status until it shows what is committed
      let status = await runCli(['status', handle.workflowId], { TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL! });
      for (let i = 0; i < 20 && !/slow\s+([3-9]\d|\d{3,})\s/.test(status.stdout); i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = await runCli(['status', handle.workflowId], { TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL! });
      }
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`${handle.workflowId}: RUNNING`);
      const line = status.stdout.split('\n').find((l) => l.startsWith('slow '))!;
      const [, rows, pages, state] = line.trim().split(/\s+/);
      expect(Number(rows)).toBeGreaterThanOrEqual(30);
      expect(Number(pages)).toBeGreaterThanOrEqual(10);
      expect(state).toBe('running');
      // the Web UI's "Current Details" of the running sync: a line per resource
      const meta = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
      expect(meta.currentDetails).toMatch(/\| slow \| running \|/);

      await handle.cancel();
      const err = await handle.result().catch((e) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(err.cause).toBeInstanceOf(CancelledFailure);
      // what was committed stays, consistent with its state row; nothing more arrives
      const state1 = (await database.db.raw(`SELECT rows FROM slowds._rest_sync_state WHERE resource = 'slow'`)).rows[0].rows;
      await new Promise((r) => setTimeout(r, 500));
      expect(await count()).toBe(Number(state1));
      expect(Number(state1)).toBeLessThan(N);
    });
    await close();
    const second = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    const again = uniqueId('sync:slowds');
    await second.worker.runUntil(temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: again, args: [{ source, dataset: 'slowds' }] }));
    await second.close();
    expect(await count()).toBe(N);
  }, 120_000);
});
