import { SEED_001, startSeed001 } from '../../src/demo/mocks/seed-001';
import { SEED_002, startSeed002 } from '../../src/demo/mocks/seed-002';
import { SEED_003, startSeed003 } from '../../src/demo/mocks/seed-003';
import { SEED_004, startSeed004 } from '../../src/demo/mocks/seed-004';
import type { MockServer } from '../../src/demo/mocks/server';
import type { SyncSourceOutput } from '../../src/workflows/types';
import { connectTestTemporal, createTestDatabase, type TestTemporal } from '../helpers/env';
import { exactly, rootMessage, runSync, seedSource, tableCounts, type SeedRun } from '../helpers/seeds';

/**
 * Seeds 001–004 as their documents are written (003 with the primary keys its resource list
 * names), each against a mock of its API, through the dev server into Postgres: exact row counts
 * per table, and a second sync that changes nothing.
 */
describe('seed documents 001–004 end to end', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const servers: MockServer[] = [];

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await database?.drop();
    await temporal?.close();
  });
  const started = async <T extends MockServer>(s: Promise<T>): Promise<T> => {
    const api = await s;
    servers.push(api);
    return api;
  };

  /** Syncs twice; after each sync every table holds each record once, and the sync reports it. */
  async function syncTwice(run: SeedRun, counts: Record<string, number>, keys: Record<string, string> = {}): Promise<SyncSourceOutput[]> {
    const outs: SyncSourceOutput[] = [];
    for (let i = 0; i < 2; i++) {
      const out = await runSync(temporal, database.url, run);
      expect(await tableCounts(database.db, run.dataset, Object.keys(counts), keys)).toEqual(exactly(counts));
      expect(Object.fromEntries(Object.entries(out.resources).map(([r, v]) => [r, v.rows]))).toEqual(counts);
      outs.push(out);
    }
    return outs;
  }
  const pages = (out: SyncSourceOutput) => Object.fromEntries(Object.entries(out.resources).map(([r, v]) => [r, v.pages]));

  test('001: time-cursor pages capped at 20, an object as one record, an array body as one page, fan-outs resuming after 5xx', async () => {
    const api = await started(startSeed001());
    const source = seedSource('001_d0b37981d1fe8b98.txt', api.url);
    const [first] = await syncTwice({ source, dataset: 'seed_001', env: { ACCESS_TOKEN: SEED_001.token } }, SEED_001.counts);
    expect(pages(first)).toMatchObject({
      projects: 3, // 20 + 20 + 5
      user: 1,
      deployments: 2, // 20 + 7
      environments: 45 + 11, // one page per project, two for the 11 projects with 25 variables
      deployment_events: 27, // one page per deployment: an array has no pagination.next
      teams_member: 1 + 2 + 1,
    });
    // both gateway errors were answered, and each cost one request more than the pages committed
    expect([...api.faultsServed].sort()).toEqual(Object.keys(SEED_001.faults).sort());
    expect(api.hits.get('/v9/projects/:project/env')).toBe(2 * 56 + 1);
    expect(api.hits.get('/v2/teams/:team/members')).toBe(2 * 4 + 1);
  });

  test('002: basic auth, offset pages without a total, a 429 with Retry-After and a 503 retried', async () => {
    const api = await started(startSeed002());
    const source = seedSource('002_a8b8a2912291472b.txt', api.url);
    const env = { USERNAME: SEED_002.username, PASSWORD: SEED_002.password };
    const [first] = await syncTwice({ source, dataset: 'seed_002', env }, SEED_002.counts);
    expect([...api.faultsServed].sort()).toEqual(Object.keys(SEED_002.faults).sort());
    // full pages of 50, a short one, then the empty page that ends a list without a total
    expect(pages(first)).toEqual({ projects: 4, priorities: 4, plans: 2 });
    // each page requested once per sync, plus once more for the page that failed
    expect(api.hits.get('/v1/projects')).toBe(2 * 4 + 1);
    expect(api.hits.get('/v1/priorities')).toBe(2 * 4 + 1);
  });

  const params003 = SEED_003.params;
  const env003 = { API_KEY: SEED_003.apiKey };

  test('003: api key header, page-token cursor, whole-response records, primary keys from the document', async () => {
    const api = await started(startSeed003());
    const source = seedSource('examples/seed-003.json', api.url);
    const [first] = await syncTwice({ source, dataset: 'seed_003', params: params003, env: env003 }, SEED_003.counts, SEED_003.primaryKeys);
    expect(pages(first)).toMatchObject({ context: 3, pipelines: 3, workflow_jobs: 2, me: 1, projects: 1 });
  });

  test('003 as written: each resource whose records lack `id` fails by name; the others load in full', async () => {
    const api = await started(startSeed003());
    const dataset = 'seed_003_as_written';
    const source = seedSource('003_11ef0caf55a031d4.txt', api.url);
    const err = await runSync(temporal, database.url, { source, dataset, params: params003, env: env003 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const failing = Object.keys(SEED_003.primaryKeys);
    const message = rootMessage(err);
    expect(message).toContain(`sync of ${dataset} failed for ${failing.length} resource(s)`);
    for (const name of failing) {
      expect(message).toMatch(new RegExp(`^${name}: resource "${name}" page 1: record 0 has no value for primary key "id"`, 'm'));
    }
    const loaded = Object.fromEntries(Object.entries(SEED_003.counts).filter(([r]) => !failing.includes(r)));
    expect(await tableCounts(database.db, dataset, Object.keys(loaded))).toEqual(exactly(loaded));
    // the failing page committed nothing: no rows, and the state still points at page 1
    const none = Object.fromEntries(failing.map((r) => [r, 0]));
    expect(await tableCounts(database.db, dataset, failing, SEED_003.primaryKeys)).toEqual(exactly(none));
    const state = await database.db.raw(`SELECT resource, pages::int, rows::int, done FROM "${dataset}"._rest_sync_state WHERE resource = ANY(?) ORDER BY resource`, [failing]);
    expect(state.rows).toEqual([...failing].sort().map((resource) => ({ resource, pages: 0, rows: 0, done: false })));
  });

  test('004: Response.Items under a 100-row cap, Airbyte partition paths two levels deep, windows ending mid-parent', async () => {
    const api = await started(startSeed004());
    const source = seedSource('004_61bb2673330c0b02.txt', api.url);
    // windows of 25 pages: most end between two parent records; the first of samples ends after
    // page 1 of the 22nd project's three (100 of 130 samples), so the next resumes inside that list
    const options = { windowPages: 25 };
    const [first] = await syncTwice({ source, dataset: 'seed_004', env: { ACCESS_TOKEN: SEED_004.token }, options }, SEED_004.counts);
    expect(pages(first)).toMatchObject({
      projects: 3, // 100 + 5 + an empty page
      appresults_files: SEED_004.counts.appresults, // auto-detected single page per app result
    });
  });
});
