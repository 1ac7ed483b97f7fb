import { createSecretResolver } from '../../src/activities/secrets';
import { historyFigures } from '../../src/bench/restsync';
import type { SyncOptions, SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, recordHistory, uniqueId, type TestTemporal } from '../helpers/env';
import { pipelineSource, startPipelineApi, type PipelineApiOptions, type PipelineShape } from '../fixtures/apis/pipeline-api';

/**
 * Children pipelined: a child resource starts with its parent and walks the parent's records as
 * the parent's pages commit. The API holds the parent's third and later pages until a child has
 * asked for something, so the request log shows the overlap (a child waiting for the parent to
 * finish would leave every parent request before the first child request). Every table is exact.
 */
describe('children follow their running parent', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
  });
  afterAll(async () => {
    await database?.drop();
    await temporal?.close();
  });

  const count = async (table: string) =>
    (await database.db.raw(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM ${table}`)).rows[0] as { rows: number; ids: number };

  async function sync(api: PipelineApiOptions, shape: PipelineShape, options: SyncOptions = {}) {
    const server = await startPipelineApi(api);
    const dataset = uniqueId('pipe').replace(/-/g, '_');
    const workflowId = `sync:${dataset}`;
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    try {
      const out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId,
          args: [{ source: pipelineSource(server.url, api, shape), dataset, options }],
        }),
      )) as SyncSourceOutput;
      const kinds = server.log.map((r) => r.kind);
      if (shape.notes && shape.parallelized) {
        // a pipelined sync's histories, replayed by replay.test.ts (re-recorded with REST_SYNC_RECORD_HISTORIES=1)
        recordHistory('syncSource-pipelined', workflowId);
        recordHistory('syncResource-pipelined-items-lanes', `${workflowId}:items`);
        recordHistory('syncResource-pipelined-notes', `${workflowId}:notes`);
      }
      return { out, dataset, kinds, childEvents: (await historyFigures(temporal.client, [`${workflowId}:items`])).events };
    } finally {
      await close();
      await server.close();
    }
  }

  const API: PipelineApiOptions = { parents: 24, parentPage: 3, items: 3, itemPage: 2, holdParentAfter: 2 };

  test.each<[string, PipelineShape, Partial<PipelineApiOptions>]>([
    ['a merge child', {}, {}],
    ['an append child in three lanes', { disposition: 'append', parallelized: true }, {}],
    ['a replace child with a grandchild', { disposition: 'replace', notes: true }, {}],
    ['a grandchild following a child in three lanes', { parallelized: true, notes: true }, {}],
    ['a child of a parent fetched only for its children (selected: false)', { parentSelected: false }, {}],
    ['a child of a parent in parallel windows', { offsetParent: true }, { parents: 60 }],
  ])('%s: parent and child requests overlap, every table exact', async (_name, shape, more) => {
    const api = { ...API, ...more };
    const { out, dataset, kinds, childEvents } = await sync(api, shape);
    const items = api.parents * api.items;
    // overlap: the first child request came before the parent's last one
    expect(kinds.indexOf('item')).toBeGreaterThan(0);
    expect(kinds.indexOf('item')).toBeLessThan(kinds.lastIndexOf('parent'));
    expect(await count(`${dataset}.items`)).toEqual({ rows: items, ids: items });
    expect(out.resources.items.rows).toBe(items);
    // every parent record walked once: one request per item page
    expect(kinds.filter((k) => k === 'item')).toHaveLength(api.parents * Math.ceil(api.items / api.itemPage));
    if (shape.parentSelected !== false) expect(await count(`${dataset}.parents`)).toEqual({ rows: api.parents, ids: api.parents });
    if (shape.notes) {
      expect(await count(`${dataset}.notes`)).toEqual({ rows: items, ids: items });
      expect(kinds.filter((k) => k === 'note')).toHaveLength(items);
    }
    // the child's waits for its parent cost a few events, not a polling loop's worth
    expect(childEvents).toBeLessThan(150);
  });

  test('pipelineChildren: false runs a child after its parent has finished', async () => {
    const { out, dataset, kinds } = await sync({ ...API, holdParentAfter: undefined }, {}, { pipelineChildren: false });
    expect(kinds.indexOf('item')).toBeGreaterThan(kinds.lastIndexOf('parent'));
    expect(await count(`${dataset}.items`)).toEqual({ rows: 72, ids: 72 });
    expect(out.resources.items.rows).toBe(72);
  });
});
