import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../worker';
import { connectTemporal, type TemporalHandle } from './temporal';
import { alive, describeTarget, resolveTarget } from './target';

/** Where `run` keeps its dev servers' workflows (one sqlite file per dataset) when TEMPORAL_ADDRESS is unset. */
export const RUN_SERVER_DIR = path.join('.rest-sync', 'run');

/**
 * The task queue of `run`'s in-process worker: TEMPORAL_TASK_QUEUE, else one of its own, named
 * after the dataset and the project folder, so it never runs another process's syncs (their
 * DATABASE_URL and secrets are not its own) and a rerun after a crash still serves its sync.
 * `rest-sync worker` serves the shared queue (DEFAULT_TASK_QUEUE).
 */
export function runTaskQueue(dataset: string, folder = process.cwd()): string {
  if (process.env.TEMPORAL_TASK_QUEUE) return process.env.TEMPORAL_TASK_QUEUE;
  const hash = createHash('sha256').update(`${dataset}\0${path.resolve(folder)}`).digest('hex').slice(0, 12);
  return `${DEFAULT_TASK_QUEUE}-run-${hash}`;
}

/** What a `run` that owns a dev server writes next to its workflow file, for a second `run` of the dataset. */
interface ServerLock {
  pid: number;
  address: string;
}

function readLock(file: string): ServerLock | undefined {
  try {
    const lock = JSON.parse(readFileSync(file, 'utf8')) as ServerLock;
    return alive(lock.pid) ? lock : undefined;
  } catch {
    return undefined;
  }
}

/** A plain connection to the dev server another live `run` of this dataset owns. */
async function joinServer(address: string): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection }),
    nativeConnection,
    namespace: 'default',
    close: async () => {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/**
 * The Temporal server of a `run`: TEMPORAL_ADDRESS; else a dev server whose workflows are kept in
 * `.rest-sync/run/<dataset>.db`, so a rerun after the process died finds its sync again and
 * resumes it. Only one server opens that file: while another `run` of the dataset is alive, this
 * one joins that run's server (and attaches to its sync).
 */
export async function connectRunTemporal(dataset: string, log: (l: string) => void): Promise<TemporalHandle> {
  const target = resolveTarget();
  if (target) {
    log(describeTarget(target));
    return connectTemporal({ target });
  }
  mkdirSync(RUN_SERVER_DIR, { recursive: true });
  const lockFile = path.resolve(RUN_SERVER_DIR, `${dataset}.json`);
  const owner = readLock(lockFile);
  if (owner) {
    const joined = await joinServer(owner.address).catch(() => undefined);
    if (joined) {
      log(`Temporal: the dev server of the running \`run\` of ${dataset} (pid ${owner.pid}) at ${owner.address}`);
      return joined;
    }
  }
  const temporal = await connectTemporal({ dbFilename: path.resolve(RUN_SERVER_DIR, `${dataset}.db`) });
  log(`Temporal: a dev server of this run at ${temporal.address} (TEMPORAL_ADDRESS unset, no \`rest-sync dev\` here); workflows kept in ${RUN_SERVER_DIR}/${dataset}.db`);
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid, address: temporal.address! } satisfies ServerLock));
  return {
    ...temporal,
    close: async () => {
      if (readLock(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
      await temporal.close();
    },
  };
}
