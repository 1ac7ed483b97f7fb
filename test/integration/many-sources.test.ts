import { createSecretResolver } from '../../src/activities/secrets';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';
import { pipelineSource, startPipelineApi, type PipelineApi, type PipelineApiOptions } from '../fixtures/apis/pipeline-api';

const SOURCES = 100;
const API: PipelineApiOptions = { parents: 4, parentPage: 2, items: 2, itemPage: 2 };

/**
 * One worker, with its default activity slots and pool, syncs 100 small sources (a parent and its
 * child each) started at once: every sync completes, each table exact, each request made once.
 * Children waiting for their parents must neither hold the slots their parents need nor exhaust
 * the pool.
 */
describe('one worker, 100 sources at once', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: PipelineApi;

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startPipelineApi(API)]);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  test('all complete, exact rows, every request once', async () => {
    const warnings: string[] = [];
    const log = { info: () => undefined, debug: () => undefined, trace: () => undefined, log: () => undefined, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) };
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }), log });
    const run = uniqueId('many').replace(/-/g, '_');
    const datasets = Array.from({ length: SOURCES }, (_, i) => `${run}_${i}`);
    try {
      const outs = await worker.runUntil(
        Promise.all(
          datasets.map((dataset) =>
            temporal.client.workflow.execute('syncSource', {
              taskQueue: temporal.taskQueue,
              workflowId: `sync:${dataset}`,
              args: [{ source: pipelineSource(api.url, API, {}, dataset), dataset }],
            }) as Promise<SyncSourceOutput>,
          ),
        ),
      );
      for (const out of outs) expect(out.resources).toEqual({ parents: { rows: 4, pages: 2 }, items: { rows: 8, pages: 4 } });
    } finally {
      await close();
    }
    const counts = await database.db.raw(
      datasets.map((d) => `SELECT '${d}' AS ds, (SELECT count(DISTINCT id) FROM ${d}.items)::int AS items, (SELECT count(*) FROM ${d}.items)::int AS rows`).join(' UNION ALL '),
    );
    expect(counts.rows.filter((r: { items: number; rows: number }) => r.items !== 8 || r.rows !== 8)).toEqual([]);
    const perSource = new Map<string, number>();
    for (const r of api.log) perSource.set(r.ds!, (perSource.get(r.ds!) ?? 0) + 1);
    expect(new Set(perSource.values())).toEqual(new Set([2 + 4]));
    expect(warnings.filter((w) => /pool|connection|timeout/i.test(w))).toEqual([]);
    // 300 workflows on one worker: 43-73 s measured with the machine's 2 cores shared by other jobs (load 8-14)
  }, 240_000);
});
