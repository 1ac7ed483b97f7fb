import { createSecretResolver } from '../../src/activities/secrets';
import { restApiConfig, serveBulkApi } from '../../src/bench/api';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';

/**
 * The probe of an offset resource: its first pages one after the other, 10 of them or those of its
 * first second, but never fewer than 3. A slow API (or a worker slowed by many syncs) must not
 * open parallel windows for a resource that ends on its third page: each idle window would cost an
 * empty request.
 */
describe('the probe of an offset resource on a slow API', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: Awaited<ReturnType<typeof serveBulkApi>>;

  beforeAll(async () => {
    // 200 records, 100 a page: two full pages and an empty one; 600 ms a page puts the third past the probe's second
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), serveBulkApi(200, { latencyMs: 600 })]);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  test('three pages past its second are still fetched in order: three requests, no windows', async () => {
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    const dataset = uniqueId('probe').replace(/-/g, '_');
    let out: SyncSourceOutput;
    try {
      out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId: `sync:${dataset}`,
          args: [{ source: restApiConfig(api.url, 'offset'), dataset }],
        }),
      )) as SyncSourceOutput;
    } finally {
      await close();
    }
    expect(out.resources.items.rows).toBe(200);
    expect(api.requests()).toBe(3);
    const keys = (await database.db.raw(`SELECT resource FROM ${dataset}._rest_sync_state ORDER BY 1`)).rows.map((r: { resource: string }) => r.resource);
    expect(keys).toEqual(['items']);
  });
});
