import { startMockServer, type MockRoute, type MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, type TestTemporal } from './env';
import { runSync } from './seeds';

export interface SyncRuns {
  /** the sync running now (0-based), for the mock API's handlers to serve that run's data */
  readonly run: number;
  /** the mock API's base URL */
  readonly url: string;
  /** each sync's output, or what it failed with */
  readonly outcomes: (SyncSourceOutput | Error)[];
  rows(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * A suite's real Temporal, Postgres and mock API, and `runs` syncs into one dataset, run in order
 * before the suite's tests (`source` is asked for each run's config; a sync that fails is recorded, not thrown).
 */
export function useSyncRuns(opts: { runs: number; dataset: string; routes: (s: SyncRuns) => MockRoute[]; source: (s: SyncRuns) => object }): SyncRuns {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  const state = {
    run: 0,
    url: '',
    outcomes: [] as (SyncSourceOutput | Error)[],
    rows: async (sql: string) => (await database.db.raw(sql)).rows,
  };
  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
    api = await startMockServer(opts.routes(state));
    state.url = api.url;
    for (state.run = 0; state.run < opts.runs; state.run++) {
      const source = opts.source(state);
      state.outcomes.push(await runSync(temporal, database.url, { source, dataset: opts.dataset, env: {} }).catch((err: Error) => err));
    }
  }, 120_000);
  afterAll(() => Promise.all([api?.close(), database?.drop()]).then(() => temporal?.close()));
  return state;
}
