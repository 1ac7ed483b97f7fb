import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { claimDataset, renewDataset, releaseDataset, LEASE_SCHEMA, LEASE_TABLE } from '../../src/activities/store/lease';
import { createSecretResolver } from '../../src/activities/secrets';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';
import { rootMessage } from '../helpers/seeds';

const TOTAL = 400;
const PER = 10;

/** An offset API answering each page after `delayMs`: slow enough to catch a sync mid-way. */
async function slowApi(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const offset = Number(u.searchParams.get('offset') ?? 0);
    const items = Array.from({ length: Math.max(0, Math.min(PER, TOTAL - offset)) }, (_, i) => ({ id: offset + i + 1 }));
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, total: TOTAL })), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const source = (url: string) => ({
  client: { base_url: url },
  resources: [{ name: 'items', write_disposition: 'append', endpoint: { path: '/items', data_selector: 'items', paginator: { type: 'offset', limit: PER, total_path: 'total' } } }],
});

/**
 * One sync of a dataset at a time, guarded in Postgres: the lease rules as a table, two syncs of
 * one dataset (under names that normalise to one schema) at once, and a sync whose owner is gone
 * taken over and resumed from its committed pages (append: no row twice, none lost).
 */
describe('one sync per dataset', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: Awaited<ReturnType<typeof slowApi>>;

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), slowApi(25)]);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const silence = (dataset: string) => database.db.raw(`UPDATE ${LEASE_SCHEMA}.${LEASE_TABLE} SET seen_at = now() - interval '5 minutes' WHERE dataset = ?`, [dataset]);
  const a = { owner: 'run-a', workflowId: 'sync:a' };
  const b = { owner: 'run-b', workflowId: 'sync:b' };

  test.each([
    ['a free dataset is claimed with the new sync id', async () => claimDataset(database.db, 'l1', a, 's1'), { syncId: 's1' }],
    ['the owner claims again (a retried activity): same sync id', async () => (await claimDataset(database.db, 'l2', a, 's1'), claimDataset(database.db, 'l2', a, 's2')), { syncId: 's1' }],
    ['a released dataset starts afresh', async () => (await claimDataset(database.db, 'l3', a, 's1'), await releaseDataset(database.db, 'l3', 'run-a'), claimDataset(database.db, 'l3', b, 's2')), { syncId: 's2' }],
    [
      'a silent sync is taken over and its sync id kept',
      async () => (await claimDataset(database.db, 'l4', a, 's1'), await silence('l4'), claimDataset(database.db, 'l4', b, 's2')),
      { syncId: 's1', takenOver: { workflowId: 'sync:a', silentSeconds: 300 } },
    ],
  ])('%s', async (_name, act, expected) => {
    expect(await act()).toEqual(expected);
  });

  test('a live sync of another owner is refused by name; a taken-over owner learns it lost the lease', async () => {
    await claimDataset(database.db, 'l5', a, 's1');
    await expect(claimDataset(database.db, 'l5', b, 's2')).rejects.toThrow(/dataset "l5" is being synced by sync:a \(run run-a, last seen \d+ s ago\)/);
    await silence('l5');
    await claimDataset(database.db, 'l5', b, 's2');
    expect(await renewDataset(database.db, 'l5', 'run-a')).toBe(false);
    expect(await renewDataset(database.db, 'l5', 'run-b')).toBe(true);
  });

  async function run<T>(body: () => Promise<T>): Promise<T> {
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    try {
      return await worker.runUntil(body());
    } finally {
      await close();
    }
  }

  const count = async (schema: string) =>
    (await database.db.raw(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${schema}.items`)).rows[0];

  test('two syncs of one dataset at once (CaseDs and case_ds): one loads, the other is refused naming it', async () => {
    const wf = (dataset: string) =>
      temporal.client.workflow.start('syncSource', { taskQueue: temporal.taskQueue, workflowId: uniqueId(`sync:${dataset}`), args: [{ source: source(api.url), dataset }] });
    const outcomes = await run(async () => {
      const first = await wf('CaseDs');
      await new Promise((r) => setTimeout(r, 500));
      const second = await wf('case_ds');
      return Promise.allSettled([first.result(), second.result()]);
    });
    expect(outcomes[0].status).toBe('fulfilled');
    expect(outcomes[1].status).toBe('rejected');
    const err = (outcomes[1] as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(rootMessage(err)).toMatch(/dataset "case_ds" is being synced by sync:CaseDs-/);
    expect(await count('case_ds')).toEqual({ n: TOTAL, d: TOTAL });
  });

  test('a sync whose owner is gone is taken over and resumed from its committed pages: every row once', async () => {
    const dataset = uniqueId('gone').replace('-', '_');
    const first = uniqueId('sync:gone');
    const out = await run(async () => {
      const h = await temporal.client.workflow.start('syncSource', { taskQueue: temporal.taskQueue, workflowId: first, args: [{ source: source(api.url), dataset }] });
      // wait until parallel windows have committed pages, then lose the owner (as a killed `run` loses its in-memory server)
      for (let i = 0; i < 200; i++) {
        const r = await database.db.raw(`SELECT count(*)::int AS n FROM ${dataset}._rest_sync_state WHERE resource LIKE 'items#w%' AND pages > 0`).catch(() => ({ rows: [{ n: 0 }] }));
        if (r.rows[0].n >= 2) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      await h.terminate('owner lost');
      // the server closes the terminated sync's children on its own, shortly after
      const child = temporal.client.workflow.getHandle(`sync:${dataset}:items`);
      while ((await child.describe()).status.name === 'RUNNING') await new Promise((res) => setTimeout(res, 50));
      await silence(dataset);
      return temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: uniqueId('sync:again'), args: [{ source: source(api.url), dataset }] });
    });
    expect(await count(dataset)).toEqual({ n: TOTAL, d: TOTAL });
    expect((out as SyncSourceOutput).resources.items.rows).toBe(TOTAL);
    const syncs = await database.db.raw(`SELECT DISTINCT sync_id FROM ${dataset}._rest_sync_state`);
    expect(syncs.rows).toHaveLength(1); // the same sync, resumed
    // one load: rows written before and after the takeover carry the same load id, recorded once as complete
    const loads = await database.db.raw(`SELECT DISTINCT _dlt_load_id AS id FROM ${dataset}.items`);
    const done = await database.db.raw(`SELECT load_id AS id FROM ${dataset}._dlt_loads`);
    expect(loads.rows).toHaveLength(1);
    expect(done.rows).toEqual(loads.rows);
  });
});
