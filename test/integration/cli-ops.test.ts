import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startMockServer, type MockServer } from '../../src/demo/mocks/server';
import { createTestDatabase, uniqueId } from '../helpers/env';
import { CLI, runCli } from '../helpers/cli';

const EVENTS = [
  { id: 1, updated_at: '2024-02-01T00:00:00Z' },
  { id: 2, updated_at: '2024-03-01T00:00:00Z' },
];

/** orgs → repos (a child), and an incremental `events`: enough to see selection, refresh and state. */
function opsSource(baseUrl: string) {
  return {
    client: { base_url: baseUrl },
    resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
    resources: [
      { name: 'orgs', endpoint: { path: '/orgs', paginator: 'single_page' } },
      { name: 'repos', endpoint: { path: '/orgs/{resources.orgs.id}/repos', paginator: 'single_page' } },
      {
        name: 'events',
        endpoint: { path: '/events', paginator: 'single_page', incremental: { cursor_path: 'updated_at', start_param: 'since', initial_value: '2024-01-01T00:00:00Z' } },
      },
    ],
  };
}

/** `rest-sync` operations: JSON on stdout only, exit codes, state, selection, refresh, status, schedules, messages. */
describe('rest-sync operations commands', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  let dir: string;
  let env: Record<string, string>;
  const dataset = uniqueId('ops').replace(/-/g, '_');
  const cfg = (name: string, source: unknown) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(source));
    return file;
  };
  let ops: string;
  const cli = (args: string[], over: Record<string, string> = {}) => runCli(args, { ...env, ...over }, dir);
  const count = async (table: string) => (await database.db.raw(`SELECT count(*)::int AS n FROM ${dataset}.${table}`)).rows[0].n;
  const exists = async (table: string) => (await database.db.raw(`SELECT to_regclass(?) AS t`, [`${dataset}.${table}`])).rows[0].t !== null;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startMockServer([
      { path: '/orgs', handler: () => ({ body: [{ id: 1 }, { id: 2 }] }) },
      { path: '/orgs/:org/repos', handler: (r) => ({ body: [{ id: Number(r.params.org) * 10, org: Number(r.params.org) }] }) },
      { path: '/events', handler: (r) => ({ body: EVENTS.filter((e) => e.updated_at > (r.query.get('since') ?? '')) }) },
      { path: '/secure', handler: (r) => (r.headers.authorization === 'Bearer good' ? { body: [] } : { status: 401, body: { error: 'bad token' } }) },
      { path: '/html', handler: () => ({ status: 404, raw: '<!DOCTYPE html><html><head><title>Nothing Here</title></head><body><h1>404</h1>' + 'x'.repeat(500) + '</body></html>' }) },
    ]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-ops-'));
    chmodSync(dir, 0o755);
    ops = cfg('ops', opsSource(api.url));
    env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: process.env.REST_SYNC_TEST_TEMPORAL!, TEMPORAL_TASK_QUEUE: uniqueId('ops') };
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('run --resources loads the named resource (its parent fetched to fan out over), and prints only JSON', async () => {
    const r = await cli(['run', ops, '--dataset', dataset, '--resources', 'repos', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ workflowId: `sync:${dataset}`, dataset, resources: { repos: { rows: 2 } } });
    expect(out.resources.events).toBeUndefined();
    expect(await count('repos')).toBe(2);
    expect(await exists('events')).toBe(false);
    // the parent was fetched for its children, not loaded (dlt's `selected: false`)
    expect(await exists('orgs')).toBe(false);
    expect(r.stderr).toContain(`Temporal at ${env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
    const typo = await cli(['run', ops, '--dataset', dataset, '--resources', 'repoz', '--json']);
    expect(typo.code).toBe(2);
    expect(JSON.parse(typo.stdout).error.message).toMatch(/no resource repoz; the config has orgs, repos, events/);
  });

  test('a full run; the Web UI sees the Dataset search attribute and per-resource counts in the memo; status --json', async () => {
    const r = await cli(['run', ops, '--dataset', dataset, '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`events\\s+2\\s+1\\s+${dataset}\\.events`));
    expect(r.stdout).toMatch(new RegExp(`rows → ${dataset} in \\d+\\.\\d s`));
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    try {
      const desc = await new Client({ connection }).workflow.getHandle(`sync:${dataset}`).describe();
      expect(desc.searchAttributes.Dataset).toEqual([dataset]);
      expect((desc.memo as { counts: Record<string, unknown> }).counts.events).toEqual({ rows: 2, pages: 1 });
    } finally {
      await connection.close();
    }
    const log = await cli(['status', '--dataset', dataset, '--json']);
    expect(log.code).toBe(0);
    expect(JSON.parse(log.stdout).runs.map((x: { resource: string; outcome: string }) => `${x.resource}:${x.outcome}`).sort()).toEqual([
      'events:succeeded',
      'orgs:succeeded',
      'repos:succeeded',
    ]);
    const wf = await cli(['status', `sync:${dataset}`, '--json']);
    expect(wf.code).toBe(0);
    expect(JSON.parse(wf.stdout)).toMatchObject({ workflowId: `sync:${dataset}`, status: 'COMPLETED' });
    const one = await cli(['status', `sync:${dataset}:repos`]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/repos\s+2\s+2\s+done/);
    const none = await cli(['status', `sync:${dataset}_nope`]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no workflow sync:${dataset}_nope`);
    expect(none.stderr).not.toMatch(/TypeError/);
  });

  test('state show / reset: incremental values, refused while a live sync holds the dataset', async () => {
    const show = await cli(['state', 'show', dataset, '--json']);
    expect(show.code).toBe(0);
    const s = JSON.parse(show.stdout);
    expect(s.incremental).toEqual([expect.objectContaining({ resource: 'events', lastValue: '2024-03-01T00:00:00Z' })]);
    expect(s.heldBy).toBeNull();
    await database.db.raw(`UPDATE _rest_sync.dataset_leases SET released_at = NULL, seen_at = now(), workflow_id = 'sync:other' WHERE dataset = ?`, [dataset]);
    const busy = await cli(['state', 'reset', dataset, '--resource', 'events']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`cannot reset the state of dataset "${dataset}": sync:other is syncing it`);
    await database.db.raw(`UPDATE _rest_sync.dataset_leases SET released_at = now() WHERE dataset = ?`, [dataset]);
    const reset = await cli(['state', 'reset', dataset, '--resource', 'events']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('removed 1 incremental value(s)');
    const after = await cli(['state', 'show', dataset, '--resource', 'events']);
    expect(after.stdout).toContain('incremental values: none');
  });

  test('run --full-refresh drops the selected resources’ tables and state, then loads them; others keep theirs', async () => {
    await database.db.raw(`ALTER TABLE ${dataset}.events ADD COLUMN marker int`);
    await database.db.raw(`ALTER TABLE ${dataset}.orgs ADD COLUMN marker int`);
    const r = await cli(['run', ops, '--dataset', dataset, '--full-refresh', '--resources', 'events', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`dropped ${dataset}.events`);
    expect(JSON.parse(r.stdout).resources.events).toEqual({ rows: 2, pages: 1 });
    const cols = async (t: string) =>
      (await database.db.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?`, [dataset, t])).rows.map(
        (c: { column_name: string }) => c.column_name,
      );
    expect(await cols('events')).not.toContain('marker');
    expect(await cols('orgs')).toContain('marker');
  });

  test.each([
    ['a 401 names the secret and where it was read from', '/secure', { auth: { type: 'bearer', token: { $secret: 'ops_token' } } }, 1, /HTTP 401/, /secret "ops_token" \(read from env OPS_TOKEN\)/],
    ['an HTML error page is reduced to its title', '/html', {}, 1, /\(HTML page: "Nothing Here"\)/, undefined],
  ])('%s, once, as JSON with --json', async (_name, p, client, code, message, hint) => {
    const file = cfg(uniqueId('fail'), { client: { base_url: api.url, ...client }, resources: [{ name: 'r', endpoint: { path: p, paginator: 'single_page' } }] });
    const r = await cli(['run', file, '--dataset', uniqueId('f').replace(/-/g, '_'), '--json'], { OPS_TOKEN: 'wrong' });
    expect(r.code).toBe(code);
    const { error } = JSON.parse(r.stdout);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('<html');
    expect(r.stderr).not.toContain('page 1: GET'); // reported once: in the JSON document, not in the log too
    if (hint) expect(error.hint).toMatch(hint);
    expect(r.stdout + r.stderr).not.toContain('wrong');
  });

  test('schedules: delete of an unknown id says it does not exist; list --json is JSON', async () => {
    const del = await cli(['schedule', 'delete', 'nope']);
    expect(del.code).toBe(2);
    expect(del.stderr).toContain('schedule "nope" does not exist');
    expect(del.stderr).not.toContain('temporal-sys-scheduler');
    const list = await cli(['schedule', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
  });

  test('an unreachable Temporal server is named within 3 s; no server at all is a usage error', async () => {
    const t0 = Date.now();
    const r = await cli(['status', 'sync:x', '--json'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/cannot reach the Temporal server at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\) within 3 s/);
    const none = await cli(['schedule', 'list'], { TEMPORAL_ADDRESS: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('set TEMPORAL_ADDRESS, or start `rest-sync dev` in this folder');
  });

  test('with a dev server of its own, run --json still prints only the JSON document', async () => {
    const r = await cli(['run', ops, '--dataset', `${dataset}_own`, '--json'], { TEMPORAL_ADDRESS: '' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).resources.orgs).toEqual({ rows: 2, pages: 1 });
    expect(r.stderr).toContain('Temporal: a dev server of this run');
  });

  test('Postgres down: run --json keeps every log line (knex, the SDK core) off stdout; Ctrl-C ends it with exit 130 and one JSON document', async () => {
    const child = spawn(process.execPath, [CLI, 'run', ops, '--dataset', `${dataset}_down`, '--json'], {
      cwd: dir,
      env: { ...process.env, ...env, DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    while (!/Postgres unavailable.*trying again in 2 s/.test(stderr)) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(JSON.parse(stdout).error.code).toBe('INTERRUPTED');
    expect(stderr).toContain('[warn] knex: Acquire connection error');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test.each([
    ['--version', ['--version'], 0, (out: string) => expect(out.trim()).toBe(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version)],
    ['an enum flag with a value it does not allow', ['--log-format', 'yaml', 'validate', 'x.json'], 2, (out: string) => expect(out).toBe('')],
    ['an unknown flag, as JSON', ['run', 'x.json', '--jsno', '--json'], 2, (out: string) => expect(JSON.parse(out).error.code).toBe('USAGE')],
    ['completion bash', ['completion', 'bash'], 0, (out: string) => expect(out).toMatch(/complete -o default -F _rest_sync rest-sync/)],
    ['completion fish', ['completion', 'fish'], 0, (out: string) => expect(out).toMatch(/complete -c rest-sync -n '__fish_seen_subcommand_from state' -a show/)],
    ['completion of an unknown shell', ['completion', 'tcsh'], 2, (out: string) => expect(out).toBe('')],
  ])('%s', async (_name, args, code, check) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    check(r.stdout);
  });

  test('validate --json: the plan as JSON; a missing secret exits 2 with a JSON error', async () => {
    const v = await cli(['validate', ops, '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).resources.map((r: { name: string; parent: string | null }) => `${r.name}<${r.parent ?? ''}`)).toEqual(['orgs<', 'repos<orgs', 'events<']);
    const file = cfg('secret', { client: { base_url: api.url, auth: { token: { $secret: 'ops_missing' } } }, resources: ['orgs'] });
    const m = await cli(['validate', file, '--json']);
    expect(m.code).toBe(2);
    expect(JSON.parse(m.stdout).error).toMatchObject({ code: 'CONFIG_ERROR', message: expect.stringContaining('secret "ops_missing" is not set') });
  });
});
