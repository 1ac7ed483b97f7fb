import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimRunServer, publishRunServer, releaseRunServer } from '../../src/cli/run-claim';

/** `run` without TEMPORAL_ADDRESS claims its dataset's dev server through an exclusive file. */
describe('claiming a dataset dev server for run', () => {
  let dir: string;
  let other: ChildProcess;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-claim-'));
    other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  });
  afterAll(() => {
    other.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const fileWith = (content?: object | string): string => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
    if (content !== undefined) writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const dead = 2 ** 22 + 12345; // above Linux's default pid_max: no such process

  test.each<[string, () => object | string | undefined, string]>([
    ['no claim yet: this run owns the server', () => undefined, 'owner'],
    ['a live run with its address: join it', () => ({ pid: other.pid, address: '127.0.0.1:7233' }), 'join'],
    ['a claim whose process is gone: claimed again', () => ({ pid: dead, address: '127.0.0.1:7233' }), 'owner'],
    ['a gone process that never wrote its address', () => ({ pid: dead }), 'owner'],
  ])('%s', async (_name, content, kind) => {
    const file = fileWith(content());
    const claim = await claimRunServer(file, 'ds', { waitMs: 500, pollMs: 20 });
    expect(claim.kind).toBe(kind);
    if (kind === 'owner') expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid });
  });

  test('two runs at the same instant: one owns, the other waits for its address and joins', async () => {
    const file = fileWith();
    const [a, b] = await Promise.all([
      claimRunServer(file, 'ds', { pid: other.pid, pollMs: 20, waitMs: 2000 }),
      claimRunServer(file, 'ds', { pid: process.pid, pollMs: 20, waitMs: 2000 }),
      new Promise((r) => setTimeout(r, 150)).then(() => publishRunServer(file, '127.0.0.1:9999', other.pid!)),
    ]);
    expect([a.kind, b.kind]).toEqual(['owner', 'join']);
    expect(b).toEqual({ kind: 'join', pid: other.pid, address: '127.0.0.1:9999' });
  });

  test('an owner that never publishes: the waiting run fails naming the dataset and the file', async () => {
    const file = fileWith({ pid: other.pid });
    await expect(claimRunServer(file, 'shop', { waitMs: 100, pollMs: 20 })).rejects.toThrow(new RegExp(`run pid ${other.pid} of shop .* ${file.replace(/[.]/g, '\\.')}`));
  });

  test('release removes only its own claim', () => {
    const mine = fileWith({ pid: process.pid });
    const theirs = fileWith({ pid: other.pid });
    releaseRunServer(mine);
    releaseRunServer(theirs);
    expect([existsSync(mine), existsSync(theirs)]).toEqual([false, true]);
  });
});
