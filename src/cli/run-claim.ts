import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive } from './target';

/** What a `run` that owns a dataset's dev server writes: its pid at once, the address once the server is up. */
export interface ServerLock {
  pid: number;
  address?: string;
}

/** `owner`: this process created the claim and starts the server; `join`: a live run's server is up at `address`. */
export type RunClaim = { kind: 'owner' } | { kind: 'join'; pid: number; address: string };

export interface ClaimOptions {
  pid?: number;
  /** how long to wait for another run that is starting its server, in ms */
  waitMs?: number;
  pollMs?: number;
}

function readLock(file: string): ServerLock | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'missing';
  }
  try {
    const lock = JSON.parse(text) as ServerLock;
    return typeof lock.pid === 'number' ? lock : 'unreadable';
  } catch {
    return 'unreadable'; // created, its content not written yet
  }
}

/**
 * Claims a dataset's dev server for `run`. The claim file is created exclusively (O_EXCL), so of
 * two runs started at the same instant exactly one owns the server and opens its workflow file;
 * the other waits until the owner has written its address, then joins it. A claim whose process
 * is gone is removed and claimed again. Two runs that find the same stale claim at the same
 * instant may both remove it; the Postgres dataset lease still lets only one of them load.
 */
export async function claimRunServer(file: string, dataset: string, opts: ClaimOptions = {}): Promise<RunClaim> {
  const pid = opts.pid ?? process.pid;
  const deadline = Date.now() + (opts.waitMs ?? 60_000);
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify({ pid } satisfies ServerLock), { flag: 'wx' });
      return { kind: 'owner' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const lock = readLock(file);
    if (lock === 'missing') continue;
    if (lock !== 'unreadable' && !alive(lock.pid)) {
      rmSync(file, { force: true });
      continue;
    }
    if (lock !== 'unreadable' && lock.address) return { kind: 'join', pid: lock.pid, address: lock.address };
    if (Date.now() > deadline) {
      const who = lock === 'unreadable' ? 'another run' : `run pid ${lock.pid}`;
      throw new Error(`${who} of ${dataset} is starting its Temporal dev server and has not written its address to ${file}; wait for it or remove the file`);
    }
    await sleep(opts.pollMs ?? 100);
  }
}

/** The owner publishes its server's address for runs that join it. */
export function publishRunServer(file: string, address: string, pid = process.pid): void {
  writeFileSync(file, JSON.stringify({ pid, address } satisfies ServerLock));
}

/** Removes the claim if this process still holds it (a run that failed to start, or one ending). */
export function releaseRunServer(file: string, pid = process.pid): void {
  const lock = readLock(file);
  if (typeof lock === 'object' && lock.pid === pid) rmSync(file, { force: true });
}
