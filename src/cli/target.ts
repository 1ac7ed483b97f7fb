import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../infra/tls';
import { UsageError } from './exit';

/** Where a running `rest-sync dev` records its address, for `run`, `status` and `schedule` in the same folder. */
export const DEV_RECORD = path.join('.rest-sync', 'dev.json');

/** How long a command waits for a Temporal server before saying it cannot reach it. */
export const CONNECT_TIMEOUT_MS = 3000;

interface DevRecord {
  pid: number;
  address: string;
  uiUrl?: string;
}

/** The Temporal server a command talks to, and why that one (said to the user on stderr). */
export interface TemporalTarget {
  options: TemporalConnectionOptions;
  /** `TEMPORAL_ADDRESS`, `rest-sync dev`, or undefined: `run` starts a dev server of its own */
  via: 'TEMPORAL_ADDRESS' | 'rest-sync dev';
  uiUrl?: string;
}

/** Whether a process of that id runs (one of another user counts). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `rest-sync dev` records itself while it runs; the record is removed when it stops. */
export function recordDev(address: string, uiUrl: string, file = DEV_RECORD): () => void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ pid: process.pid, address, uiUrl } satisfies DevRecord));
  return () => {
    if (readDev(file)?.pid === process.pid) rmSync(file, { force: true });
  };
}

/** The live `rest-sync dev` of this folder, if any (a record whose process is gone is ignored). */
export function readDev(file = DEV_RECORD): DevRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as DevRecord;
    return alive(rec.pid) ? rec : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one resolution of `run`, `status` and `schedule`: TEMPORAL_ADDRESS (with TLS / API key from
 * the environment), else the `rest-sync dev` running in this folder, else undefined (`run` then
 * starts a dev server of its own; the others say how to get a server).
 */
export function resolveTarget(env: NodeJS.ProcessEnv = process.env, devFile = DEV_RECORD): TemporalTarget | undefined {
  if (env.TEMPORAL_ADDRESS) return { options: temporalConnectionOptions(env), via: 'TEMPORAL_ADDRESS' };
  const dev = readDev(devFile);
  if (dev) return { options: temporalConnectionOptions({ ...env, TEMPORAL_ADDRESS: dev.address }), via: 'rest-sync dev', uiUrl: dev.uiUrl };
  return undefined;
}

/** The target, or a usage error saying how to name one (commands that cannot start a server). */
export function requireTarget(command: string): TemporalTarget {
  const t = resolveTarget();
  if (t) return t;
  throw new UsageError(`${command} needs a Temporal server: set TEMPORAL_ADDRESS, or start \`rest-sync dev\` in this folder`);
}

/** One line for stderr: which server, found how. */
export const describeTarget = (t: TemporalTarget): string => `Temporal at ${t.options.address} (${t.via})${t.uiUrl ? `, Web UI ${t.uiUrl}` : ''}`;

/** Connects within CONNECT_TIMEOUT_MS, or fails with a message naming the server and how it was chosen. */
export async function connectTarget(t: TemporalTarget): Promise<Connection> {
  const { address, tls, apiKey } = t.options;
  return Connection.connect({ address, tls, apiKey, connectTimeout: CONNECT_TIMEOUT_MS }).catch((e: Error) => {
    throw new UsageError(`cannot reach the Temporal server at ${address} (${t.via}) within ${CONNECT_TIMEOUT_MS / 1000} s: ${e.message}`);
  });
}
