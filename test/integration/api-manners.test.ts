import { createSecretResolver } from '../../src/activities/secrets';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { ACCOUNTS, FULL, TX_PER_ACCOUNT, startLimitedApi, type LimitedApi, type LimitedApiSizes } from '../fixtures/apis/limited-api';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';
import { startWorkerProcess } from '../helpers/worker-process';

const LIMIT = 300;

/** Accounts, their transactions (a parallelized child) and events: ~2,000 pages. */
function source(baseUrl: string, client: Record<string, unknown>) {
  const offset = { type: 'offset', limit: 10 };
  return {
    client: { base_url: baseUrl, ...client },
    resource_defaults: { primary_key: 'id', write_disposition: 'merge', endpoint: { data_selector: 'data', paginator: offset } },
    resources: [
      { name: 'accounts', endpoint: { path: '/accounts' } },
      { name: 'transactions', parallelized: true, endpoint: { path: '/accounts/{resources.accounts.id}/transactions' } },
      { name: 'events', endpoint: { path: '/events' } },
    ],
  };
}

/** Rate limits and parallelism: as fast as the API allows, and no faster. */
describe('API manners', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
  });
  afterAll(async () => {
    await database?.drop();
    await temporal?.close();
  });

  async function sync(api: LimitedApi, dataset: string, client: Record<string, unknown>): Promise<{ out: SyncSourceOutput; seconds: number }> {
    const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }) });
    const t0 = Date.now();
    try {
      const out = (await worker.runUntil(
        temporal.client.workflow.execute('syncSource', {
          taskQueue: temporal.taskQueue,
          workflowId: uniqueId(`sync:${dataset}`),
          args: [{ source: source(api.url, client), dataset }],
        }),
      )) as SyncSourceOutput;
      return { out, seconds: (Date.now() - t0) / 1000 };
    } finally {
      await close();
    }
  }

  async function expectExact(dataset: string, size: LimitedApiSizes = FULL) {
    const n = async (t: string) => (await database.db.raw(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${dataset}.${t}`)).rows[0];
    expect(await n('accounts')).toEqual({ n: size.accounts, d: size.accounts });
    const tx = size.accounts * size.txPerAccount;
    expect(await n('transactions')).toEqual({ n: tx, d: tx });
    expect(await n('events')).toEqual({ n: size.events, d: size.events });
  }

  test('with client.rate_limit below the limit: no 429 at all, parallelized lanes, every row', async () => {
    const api = await startLimitedApi(LIMIT);
    try {
      const { out, seconds } = await sync(api, 'polite', { rate_limit: { requests_per_second: LIMIT * 0.9, burst: 10 }, max_concurrency: 8 });
      await expectExact('polite');
      expect(api.refused).toBe(0);
      expect(api.peakPerSecond).toBeLessThanOrEqual(LIMIT);
      expect(api.peakChildInFlight).toBeGreaterThan(1);
      expect(out.resources.transactions.rows).toBe(ACCOUNTS * TX_PER_ACCOUNT);
      console.log(`rate_limit ${LIMIT * 0.9}/s: ${api.ok} requests in ${seconds.toFixed(1)} s = ${(api.ok / seconds).toFixed(0)}/s, peak ${api.peakPerSecond} in a second, 0 refused`);
    } finally {
      await api.close();
    }
  }, 120_000);

  test('guided only by RateLimit headers: few 429s, all absorbed, every row', async () => {
    const api = await startLimitedApi(LIMIT);
    try {
      const { seconds } = await sync(api, 'guided', { max_concurrency: 8 });
      await expectExact('guided');
      expect(api.refused).toBeLessThan(api.ok * 0.02);
      console.log(`headers only: ${api.ok} requests in ${seconds.toFixed(1)} s, ${api.refused} refused (429)`);
    } finally {
      await api.close();
    }
  }, 120_000);
  test('three worker processes with rate_limit at the API\'s limit: 0 refusals, peak within 10% of the limit, every row', async () => {
    const limit = 40;
    const size = { accounts: 20, txPerAccount: 40, events: 600 }; // ~170 requests: over 4 s of traffic
    const api = await startLimitedApi(limit, size);
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!,
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE!,
    };
    const workers = await Promise.all([1, 2, 3].map(() => startWorkerProcess(env)));
    try {
      const t0 = Date.now();
      await temporal.client.workflow.execute('syncSource', {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('sync:shared'),
        args: [{ source: source(api.url, { rate_limit: limit }), dataset: 'shared' }],
      });
      const seconds = (Date.now() - t0) / 1000;
      await expectExact('shared', size);
      // the R-th request of a second is answered `RateLimit-Remaining: 0`: the source pauses until the reset
      const pauses = workers.map((w) => w.output().split('rate limit remaining 0').length - 1).reduce((a, b) => a + b);
      console.log(`3 workers, rate_limit ${limit}/s: ${api.ok} requests in ${seconds.toFixed(1)} s, peak ${api.peakPerSecond} in a second, ${api.refused} refused, ${pauses} pauses for the reset`);
      expect(api.refused).toBe(0);
      expect(api.peakPerSecond).toBeLessThanOrEqual(limit);
      expect(api.peakPerSecond).toBeGreaterThanOrEqual(0.9 * limit);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      await api.close();
    }
  }, 120_000);
});
