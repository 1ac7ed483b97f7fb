import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../helpers/env';
import { runCli } from '../helpers/cli';
import { appendSource, startSlowApi, type SlowApi } from '../helpers/slow-api';

const N = 600;

/**
 * Two tenants (each its folder, DATABASE_URL and config) running `rest-sync run` against one
 * Temporal server: each run's worker serves only the syncs it started.
 */
describe('rest-sync run: tenants on one Temporal server', () => {
  let dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
  let api: SlowApi;
  const dirs: string[] = [];

  beforeAll(async () => {
    api = await startSlowApi({ n: N, pageSize: 20, delayMs: 150 });
    dbs = await Promise.all([createTestDatabase(), createTestDatabase()]);
    for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(path.join(os.tmpdir(), `rest-sync-tenant-${i}-`)));
    dirs.forEach((d) => chmodSync(d, 0o755));
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all(dbs.map((d) => d.drop()));
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  /** `run` of `<dataset>.json` in tenant `t`'s folder, with its own database. */
  function run(t: number, dataset: string) {
    const file = path.join(dirs[t], `${dataset}.json`);
    writeFileSync(file, JSON.stringify(appendSource(api.url)));
    return runCli(['run', file, '--no-progress', '--json'], { DATABASE_URL: dbs[t].url, TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!, TEMPORAL_TASK_QUEUE: '' }, dirs[t]);
  }
  const schemas = async (t: number) =>
    (await dbs[t].db.raw(`SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'tenant_%' ORDER BY 1`)).rows.map((r: { schema_name: string }) => r.schema_name);

  test("concurrent runs load only into their own database; a second run of a running dataset attaches; another tenant's is refused", async () => {
    const a = run(0, 'tenant_a');
    const b = run(1, 'tenant_b');
    // the same dataset again from tenant A's folder while it runs: attaches to it
    await new Promise((r) => setTimeout(r, 1500));
    const a2 = run(0, 'tenant_a');
    // tenant B asking for tenant A's dataset name (same workflow id): refused, nothing loaded into B
    const clash = await run(1, 'tenant_a');
    const [ra, rb, ra2] = await Promise.all([a, b, a2]);
    for (const r of [ra, rb, ra2]) expect([r.code, r.stderr]).toEqual([0, expect.not.stringMatching(/\n\s+at /)]);
    expect(ra2.stderr).toMatch(/attaching to running sync sync:tenant_a/);
    expect(JSON.parse(ra2.stdout).resources.items.rows).toBe(N);
    expect(clash.code).toBe(1);
    // with --json the failure is the JSON document on stdout
    expect(JSON.parse(clash.stdout).error.message).toMatch(/sync:tenant_a is already running on task queue rest-sync-run-\w+ .*another project folder or tenant/);
    expect(await schemas(0)).toEqual(['tenant_a']);
    expect(await schemas(1)).toEqual(['tenant_b']);
    for (const [t, ds] of [[0, 'tenant_a'], [1, 'tenant_b']] as const) {
      expect((await dbs[t].db.raw(`SELECT count(DISTINCT id)::int AS d, count(*)::int AS n FROM ${ds}.items`)).rows[0]).toEqual({ d: N, n: N });
    }
  }, 90_000);
});
