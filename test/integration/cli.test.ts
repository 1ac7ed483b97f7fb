import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { SEED_000, startSeed000 } from '../../src/demo/mocks/seed-000';
import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import { createTestDatabase, uniqueId } from '../helpers/env';
import { runCli } from '../helpers/cli';

const SEED = path.join(__dirname, '..', 'fixtures', 'seeds', '000_8f3139a47463b4a5.txt');

/** The CLI contract: `rest-sync run <config.json> [--dataset] [--param k=v]... [--json]`, exit codes, messages. */
describe('rest-sync CLI', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let dir: string;
  let configPath: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [database, api] = await Promise.all([createTestDatabase(), startSeed000()]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-cli-'));
    chmodSync(dir, 0o755); // the embedded server's user must reach .rest-sync/ inside it
    const source = importSourceText(readFileSync(SEED, 'utf8'), SEED) as Record<string, any>;
    source.client.base_url = api.url;
    configPath = path.join(dir, 'analytics-source.json');
    writeFileSync(configPath, JSON.stringify(source, null, 2));
    env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!,
      TEMPORAL_TASK_QUEUE: uniqueId('cli'),
      API_KEY: SEED_000.token,
    };
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('run --json syncs into the dataset named after the config file and prints counts', async () => {
    const r = await runCli(['run', configPath, '--param', `account_id=${SEED_000.accountId}`, '--json'], env, dir);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.workflowId).toBe('sync:analytics_source');
    // not a terminal: plain progress lines, the last one per resource says done
    expect(r.stderr).toMatch(/progress runs\s+253 rows\s+10 pages\s+done/);
    expect(out.resources.runs).toEqual({ rows: SEED_000.counts.runs, pages: Math.ceil(SEED_000.counts.runs / SEED_000.pageCap) + 1 });
    const n = await database.db.raw('SELECT count(*)::int AS n FROM analytics_source.runs');
    expect(n.rows[0].n).toBe(SEED_000.counts.runs);
  });

  test('with neither TEMPORAL_ADDRESS nor DATABASE_URL, run starts its own dev server and embedded Postgres; db --psql reads it', async () => {
    const standalone = { ...env, TEMPORAL_ADDRESS: '', DATABASE_URL: '' };
    const r = await runCli(['run', configPath, '--param', `account_id=${SEED_000.accountId}`, '--dataset', 'own_server'], standalone, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/runs\s+253\s+10/);
    expect(r.stderr).toContain(`embedded Postgres: data in ${path.join(dir, '.rest-sync', 'postgres')}`);
    const q = await runCli(['db', '--psql', '--', '-At', '-c', 'SELECT count(*) FROM own_server.users'], standalone, dir);
    expect(q.code).toBe(0);
    expect(q.stdout.trim()).toBe(String(SEED_000.counts.users));
  });

  test('status reads the run log: the last sync of each dataset, failed resources with their reason', async () => {
    const broken = path.join(dir, 'broken.json');
    const src = JSON.parse(readFileSync(configPath, 'utf8'));
    src.resources.push({ name: 'missing', endpoint: { path: '/v9/nothing-here', paginator: 'single_page' } });
    writeFileSync(broken, JSON.stringify(src));
    const r = await runCli(['run', broken, '--param', `account_id=${SEED_000.accountId}`], env, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing: resource "missing" page 1: GET http:\/\/127\.0\.0\.1:\d+\/v9\/nothing-here returned HTTP 404/);
    const s = await runCli(['status', '--dataset', 'broken'], env, dir);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/broken\s+missing\s+failed\s+0\s+0\s.*HTTP 404/);
    expect(s.stdout).toMatch(/broken\s+runs\s+succeeded\s+253\s+10\s/);
  });

  test.each([
    ['a missing source param', ['--param', 'wrong=1'], {}, /account_id/],
    ['a missing secret', ['--param', `account_id=${SEED_000.accountId}`], { API_KEY: '' }, /secret "api_key" is not set.*API_KEY/],
  ])('%s is a config error: exit 2 and one clear paragraph', async (_name, extra, envOver, message) => {
    const r = await runCli(['run', configPath, '--dataset', uniqueId('bad').replace('-', '_'), ...(extra as string[])], { ...env, ...(envOver as object) }, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain(SEED_000.token);
  });

  test('a malformed config names the config path and the allowed values; run and validate both exit 2', async () => {
    const bad = path.join(dir, 'bad.json');
    const src = JSON.parse(readFileSync(configPath, 'utf8'));
    src.resources[1].endpoint.paginator.type = 'offest';
    writeFileSync(bad, JSON.stringify(src));
    const r = await runCli(['run', bad], env, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/resources\[1\]\.endpoint\.paginator/);
    expect(r.stderr).toMatch(/offset/);
    const v = await runCli(['validate', bad], env, dir);
    expect(v.code).toBe(2);
    expect(v.stderr.split('\n')[0]).toBe(r.stderr.split('\n').find((l) => l.startsWith('rest-sync:')));
  });

  test('a value that no longer fits its column goes to a variant column (as dlt does) and the log says so', async () => {
    const pages = [[{ id: 1, n: 5 }], [{ id: 2, n: 'five' }], []];
    const drift = await startMockServer([{ path: '/drift', handler: (r) => ({ body: { data: pages[Number(r.query.get('page'))] ?? [] } }) }]);
    try {
      const cfg = path.join(dir, 'drift.json');
      writeFileSync(
        cfg,
        JSON.stringify({
          client: { base_url: drift.url },
          resources: [{ name: 'drift', primary_key: 'id', endpoint: { path: '/drift', data_selector: 'data', paginator: { type: 'page_number' } } }],
        }),
      );
      const r = await runCli(['run', cfg, '--no-progress'], env, dir);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/resource "drift" page 2: values of "n" that do not fit its type go to the variant column "n__v_text" \(text\), as dlt does/);
      const rows = await database.db.raw('SELECT id, n, n__v_text FROM drift.drift ORDER BY id');
      expect(rows.rows).toEqual([{ id: 1, n: 5, n__v_text: null }, { id: 2, n: null, n__v_text: 'five' }]);
    } finally {
      await drift.close();
    }
  });

  test('validate exits 2 naming the config path, the allowed values and the likely fix; and unresolvable secrets', async () => {
    const bad = path.join(dir, 'typo.json');
    const src = JSON.parse(readFileSync(configPath, 'utf8'));
    src.resources[3].endpoint.paginator.type = 'offest';
    writeFileSync(bad, JSON.stringify(src));
    const r = await runCli(['validate', bad], env, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/resources\[3\]\.endpoint\.paginator\.type: expected one of .*"offset".* \(did you mean "offset"\?\)/);
    const s = await runCli(['validate', configPath, '--param', 'account_id=1'], { ...env, API_KEY: '' }, dir);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('secret "api_key" is not set: export API_KEY=');
  });

  test('validate prints the plan; schema prints a JSON Schema', async () => {
    const v = await runCli(['validate', configPath, '--param', 'account_id=1'], env, dir);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/runs/);
    expect(v.stdout).toMatch(/offset/);
    const s = await runCli(['schema'], env, dir);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toHaveProperty('properties.resources');
  });
});
