import { createSecretResolver } from '../../src/activities/secrets';
import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, recordHistory, uniqueId, type TestTemporal } from '../helpers/env';

const N = 1234;

/**
 * Parallel windows: an offset (or page-number) resource whose API serves the page size asked for
 * is fetched by several windows at once, each every n-th page; an API that caps pages below the
 * limit is walked one page after the other. Either way the table holds every record once.
 */
describe('parallel windows over offset and page-number resources', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  const seen: string[] = [];

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
    const rows = (from: number, n: number) => Array.from({ length: Math.max(0, Math.min(n, N - from)) }, (_, i) => ({ id: from + i }));
    api = await startMockServer([
      { path: '/offset', handler: (r) => (seen.push(`o${r.query.get('offset')}`), { body: { data: rows(Number(r.query.get('offset')), Number(r.query.get('limit'))) } }) },
      { path: '/capped', handler: (r) => ({ body: { data: rows(Number(r.query.get('offset')), Math.min(7, Number(r.query.get('limit')))) } }) },
      { path: '/pages', handler: (r) => ({ body: { data: rows((Number(r.query.get('page')) - 1) * 10, 10) } }) },
    ]);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  test.each([
    ['offset', { windowPages: 5, windowsPerRun: 6 }],
    ['offset', {}],
  ])('%s resources load exactly, with options %p', async (_kind, options) => {
    const dataset = uniqueId('win').replace('-', '_');
    const source = {
      client: { base_url: api.url },
      resource_defaults: { primary_key: 'id', write_disposition: 'merge', endpoint: { data_selector: 'data' } },
      resources: [
        { name: 'offset', endpoint: { path: '/offset', paginator: { type: 'offset', limit: 10 } } },
        { name: 'capped', endpoint: { path: '/capped', paginator: { type: 'offset', limit: 10 } } },
        { name: 'pages', endpoint: { path: '/pages', paginator: { type: 'page_number', base_page: 1 } } },
      ],
    };
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    let out: SyncSourceOutput;
    const sourceId = uniqueId('sync:win');
    try {
      out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId: sourceId,
          args: [{ source, dataset, options }],
        }),
      )) as SyncSourceOutput;
    } finally {
      await close();
    }
    // full pages: windows ran, each with its own committed state; capped pages: one after the other
    const keys = (await database.db.raw(`SELECT resource FROM ${dataset}._rest_sync_state ORDER BY 1`)).rows.map((r: { resource: string }) => r.resource);
    expect(keys).toEqual(['capped', 'offset', 'offset#w0', 'offset#w1', 'offset#w2', 'offset#w3', 'pages', 'pages#w0', 'pages#w1', 'pages#w2', 'pages#w3']);
    for (const t of ['offset', 'capped', 'pages']) {
      const r = await database.db.raw(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${dataset}.${t}`);
      expect([t, r.rows[0]]).toEqual([t, { n: N, d: N }]);
      expect(out.resources[t].rows).toBe(N);
    }
    // the plan is in history once: in the resource workflow's input and its first activity; the
    // activities after it name it (the last run of a workflow continued-as-new names it throughout)
    const continued = 'windowsPerRun' in options;
    const calls = await fetchCalls(`sync:${dataset}:offset`);
    expect(calls.map((c) => ('planRef' in c ? 'named' : 'planKey' in c ? 'carried, kept' : 'carried'))).toEqual(
      calls.map((_c, i) => (i === 0 && !continued ? 'carried, kept' : 'named')),
    );
    for (const c of calls.filter((x) => 'planRef' in x)) expect(Object.keys(c)).not.toEqual(expect.arrayContaining(['resource', 'client']));
    const plans = (await database.db.raw(`SELECT resource FROM ${dataset}._rest_sync_plans ORDER BY 1`)).rows.map((r: { resource: string }) => r.resource);
    expect(plans).toEqual(['capped', 'offset', 'pages']);
    // one patch marker for all the patches a workflow checks (patches.ts), in the source and the resource workflow
    for (const id of [sourceId, `sync:${dataset}:offset`]) expect([id, await patchMarkers(id)]).toEqual([id, ['patches-2026-12']]);
    // histories of workflows that record one marker for all their patches (patches.ts), for the replay test
    if (!continued) recordHistory('syncResource-patches-offset-windows', `sync:${dataset}:offset`);
    if (!continued) recordHistory('syncSource-patches-windows', sourceId);
  });

  /** The ids of the patch markers a workflow's (last) run recorded. */
  async function patchMarkers(workflowId: string): Promise<string[]> {
    const events = (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    return events
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_patch')
      .map((m) => JSON.parse(Buffer.from(m!.details!['patch-data'].payloads![0].data!).toString('utf8')).id);
  }

  /** The inputs of the fetchPages activities a workflow's (last) run scheduled, decoded from its history. */
  async function fetchCalls(workflowId: string): Promise<Record<string, unknown>[]> {
    const events = (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    return events
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'fetchPages')
      .map((a) => JSON.parse(Buffer.from(a!.input!.payloads![0].data!).toString('utf8')));
  }
});
