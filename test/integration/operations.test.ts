import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { createSecretResolver } from '../../src/activities/secrets';
import { SEED_000, startSeed000 } from '../../src/demo/mocks/seed-000';
import type { MockServer } from '../../src/demo/mocks/server';
import { findTemporalCli } from '../../src/infra/temporal-cli';
import { connectTestTemporal, createTestDatabase, type TestTemporal } from '../helpers/env';
import { runCli } from '../helpers/cli';
import { startCliProcess, startWorkerProcess } from '../helpers/worker-process';
import { freePort } from '../../src/infra/postgres';

const execFileAsync = promisify(execFile);
const SEED = path.join(__dirname, '..', 'fixtures', 'seeds', '000_8f3139a47463b4a5.txt');
const README = path.join(__dirname, '..', '..', 'README.md');

/** The README's block after `<!-- tested: temporal-cli`, as shell command lines. */
function readmeCommands(): string[] {
  const text = readFileSync(README, 'utf8');
  const block = text.split('<!-- tested: temporal-cli')[1].split('```sh\n')[1].split('```')[0];
  return block.replace(/\\\n\s*/g, '').split('\n').filter((l) => l.trim());
}

describe('operations: the temporal CLI, schedules, the worker process', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    [temporal, database, api] = await Promise.all([connectTestTemporal(), createTestDatabase(), startSeed000()]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-ops-'));
    chmodSync(dir, 0o755);
    const source = importSourceText(readFileSync(SEED, 'utf8'), SEED) as Record<string, any>;
    source.client.base_url = api.url;
    configPath = path.join(dir, 'analytics.json');
    writeFileSync(configPath, JSON.stringify(source));
    writeFileSync(path.join(dir, 'input.json'), JSON.stringify({ source, dataset: 'analytics', params: { account_id: SEED_000.accountId } }));
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (sql: string) => (await database.db.raw(sql)).rows[0].n;

  test("the README's temporal CLI commands start, schedule and trigger syncs", async () => {
    const worker = await startWorkerProcess({
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!,
      TEMPORAL_TASK_QUEUE: 'rest-sync',
      API_KEY: SEED_000.token,
      REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE!,
    });
    try {
      const cli = findTemporalCli()!;
      const commands = readmeCommands();
      expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
        'temporal workflow start',
        'temporal workflow result',
        'temporal schedule create',
        'temporal schedule trigger',
        'temporal schedule delete',
      ]);
      const envs = { ...process.env, TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!, PATH: `${path.dirname(cli)}:${process.env.PATH}` };
      // asynchronously: the mock API lives in this process and must keep answering
      const sh = (line: string) =>
        execFileAsync('bash', ['-c', line], { cwd: dir, env: envs, timeout: 60_000 }).catch((e) => {
          throw new Error(`${line}: ${e.stderr ?? e}\nworker: ${worker.output()}`);
        });
      for (const line of commands.slice(0, 2)) await sh(line);
      expect(await count('SELECT count(*)::int AS n FROM analytics.runs')).toBe(SEED_000.counts.runs);
      await database.db.raw('TRUNCATE analytics.users');
      for (const line of commands.slice(2, 4)) await sh(line);
      const until = Date.now() + 60_000;
      while ((await count('SELECT count(*)::int AS n FROM analytics.users')) < SEED_000.counts.users && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await count('SELECT count(*)::int AS n FROM analytics.users')).toBe(SEED_000.counts.users);
      // the triggered sync ends before its worker stops: it holds the dataset (one sync at a time) until then
      const triggered = (await temporal.client.schedule.getHandle('nightly-analytics').describe()).info.recentActions[0].action.workflow.workflowId;
      await temporal.client.workflow.getHandle(triggered).result();
      await sh(commands[4]);
    } finally {
      await worker.kill('SIGTERM');
    }
    expect(worker.child.exitCode ?? worker.child.signalCode).toBe(0); // SIGTERM drains and exits cleanly
  });

  test('rest-sync schedule create / list / trigger / delete', async () => {
    const env = { TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!, TEMPORAL_TASK_QUEUE: temporal.taskQueue };
    const { worker, close } = await temporal.startWorker({
      databaseUrl: database.url,
      secrets: createSecretResolver({ env: { API_KEY: SEED_000.token } }),
    });
    await worker.runUntil(async () => {
      const made = await runCli(
        ['schedule', 'create', configPath, '--id', 'ops-hourly', '--dataset', 'scheduled', '--every', '1h', '--param', `account_id=${SEED_000.accountId}`, '--paused'],
        env,
      );
      expect(made.stderr).toBe(`Temporal at ${env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)\n`); // which server, and nothing else
      expect(made.stdout).toContain('schedule ops-hourly created: every 1h, dataset scheduled');
      const list = await runCli(['schedule', 'list'], env);
      expect(list.stdout).toMatch(/ops-hourly\s+syncSource\s+paused/);
      const desc = await temporal.client.schedule.getHandle('ops-hourly').describe();
      expect(desc.policies.overlap).toBe('SKIP');
      expect((await runCli(['schedule', 'trigger', 'ops-hourly'], env)).stdout).toContain('triggered');
      const until = Date.now() + 60_000;
      let done = false;
      while (!done && Date.now() < until) {
        const d = await temporal.client.schedule.getHandle('ops-hourly').describe();
        const id = d.info.recentActions[0]?.action.workflow.workflowId;
        if (id) {
          await temporal.client.workflow.getHandle(id).result();
          expect(id.startsWith('sync:scheduled')).toBe(true);
          done = true;
        } else await new Promise((r) => setTimeout(r, 200));
      }
      expect(await count('SELECT count(*)::int AS n FROM scheduled.projects')).toBe(SEED_000.counts.projects);
      expect((await runCli(['schedule', 'delete', 'ops-hourly'], env)).stdout).toContain('deleted');
      expect((await runCli(['schedule', 'list'], env)).stdout).not.toContain('ops-hourly');
    });
    await close();
  });

  test('rest-sync dev: dev server with Web UI, workflows kept in a file across restarts, a worker, Ctrl-C stops it', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const env = { DATABASE_URL: database.url, API_KEY: SEED_000.token, REST_SYNC_WORKFLOW_BUNDLE: process.env.REST_SYNC_TEST_BUNDLE! };
    const args = ['dev', '--port', String(port), '--ui-port', String(uiPort), '--db-file', path.join(dir, 'dev', 'temporal.db')];
    const start = () => startCliProcess(args, env, 'Ctrl-C to stop', dir);
    const temporalCli = (line: string) =>
      execFileAsync('bash', ['-c', line], { cwd: dir, env: { ...process.env, TEMPORAL_ADDRESS: `localhost:${port}`, PATH: `${path.dirname(findTemporalCli()!)}:${process.env.PATH}` } });
    let dev = await start();
    try {
      expect((await fetch(`http://localhost:${uiPort}/`)).status).toBe(200);
      await temporalCli('temporal workflow start --type syncSource --task-queue rest-sync --workflow-id sync:devtest --input-file input.json');
      await temporalCli('temporal workflow result --workflow-id sync:devtest');
      expect(await count('SELECT count(*)::int AS n FROM analytics.repositories')).toBe(SEED_000.counts.repositories);
      await dev.kill('SIGINT');
      expect(dev.child.exitCode).toBe(0);
      dev = await start();
      const shown = await temporalCli('temporal workflow describe --workflow-id sync:devtest');
      expect(shown.stdout).toMatch(/Completed/i);
    } finally {
      await dev.kill('SIGINT');
    }
  });
});
