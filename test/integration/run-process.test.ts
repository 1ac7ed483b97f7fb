import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../helpers/env';
import { runCli } from '../helpers/cli';
import { startCliProcess } from '../helpers/worker-process';
import { appendSource, startSlowApi, type SlowApi } from '../helpers/slow-api';
import { descendants, waitGone, waitNoProcesses } from '../helpers/processes';

const N = 3000;

/**
 * `rest-sync run` as a process, in its default mode (a dev server of its own, no TEMPORAL_ADDRESS):
 * killed, interrupted and rerun like a person would, against a slow append API.
 */
describe('rest-sync run as a process', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: SlowApi;
  let dir: string;
  // unset (undefined is left out of a child's environment): run picks its own queue
  const own = () => ({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: '', TEMPORAL_TASK_QUEUE: undefined as unknown as string });

  beforeAll(async () => {
    [database, api] = await Promise.all([createTestDatabase(), startSlowApi({ n: N, pageSize: 30, delayMs: 40 })]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-run-'));
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A config file `<dataset>.json` in the test folder. */
  function config(dataset: string): string {
    const file = path.join(dir, `${dataset}.json`);
    writeFileSync(file, JSON.stringify(appendSource(api.url)));
    return file;
  }
  const rows = async (dataset: string) =>
    (await database.db.raw(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${dataset}.items`).catch(() => ({ rows: [{ n: 0, d: 0 }] }))).rows[0];
  const outcomes = async (dataset: string) => (await database.db.raw(`SELECT outcome FROM ${dataset}._rest_sync_runs`)).rows.map((r: { outcome: string }) => r.outcome);
  async function waitRows(dataset: string, n: number): Promise<void> {
    const until = Date.now() + 60_000;
    while ((await rows(dataset)).n < n && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  }

  test('SIGKILL mid-sync: nothing outlives run; the rerun attaches to the same sync and loads every id exactly once', async () => {
    const file = config('killed');
    const run = await startCliProcess(['run', file, '--no-progress'], own(), 'started sync:killed', dir);
    await waitRows('killed', 300);
    const below = descendants(run.child.pid!);
    expect(below.length).toBeGreaterThan(0); // its dev server
    await run.kill('SIGKILL');
    // the dev server (and its watchdog) die with run, though nobody stops them
    expect(await waitGone(below)).toEqual([]);
    expect(await waitNoProcesses(path.join(dir, '.rest-sync'))).toEqual([]);
    expect((await rows('killed')).n).toBeLessThan(N);

    const again = await runCli(['run', file, '--no-progress', '--json'], own(), dir);
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/attaching to running sync sync:killed \(started \d{4}-/);
    expect(JSON.parse(again.stdout).resources.items.rows).toBe(N);
    expect(await rows('killed')).toEqual({ n: N, d: N });
    expect(await outcomes('killed')).toEqual(['succeeded']);
    expect(await waitNoProcesses(path.join(dir, '.rest-sync'))).toEqual([]);
  }, 120_000);

  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: the sync is cancelled, the run log says cancelled, run exits %i with one line, no process left', async (signal, code) => {
    const dataset = `stopped_${signal.toLowerCase()}`;
    // signalled as a terminal does: the whole foreground process group gets it
    const run = await startCliProcess(['run', config(dataset), '--no-progress'], own(), `started sync:${dataset}`, dir, { group: true });
    await waitRows(dataset, 60);
    const below = descendants(run.child.pid!);
    await run.kill(signal);
    expect(run.child.exitCode).toBe(code);
    const stderr = run.output().slice(run.output().indexOf(`started sync:${dataset}`));
    expect(stderr.trim().split('\n').slice(1)).toEqual([`rest-sync: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'} (${signal}): sync:${dataset} cancelled; its committed pages stay`]);
    expect(await outcomes(dataset)).toEqual(['cancelled']);
    const state = (await database.db.raw(`SELECT rows FROM ${dataset}._rest_sync_runs`)).rows[0];
    expect(Number(state.rows)).toBe((await rows(dataset)).n);
    expect(await waitGone(below, 2000)).toEqual([]);
  }, 60_000);
});
