import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../worker';
import { connectTemporal, type TemporalHandle } from './temporal';
import { describeTarget, resolveTarget } from './target';
import { claimRunServer, publishRunServer, releaseRunServer } from './run-claim';

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
  for (let tries = 1; ; tries++) {
    const claim = await claimRunServer(lockFile, dataset);
    if (claim.kind === 'join') {
      const joined = await joinServer(claim.address).catch(() => undefined);
      if (joined) {
        log(`Temporal: the dev server of the running \`run\` of ${dataset} (pid ${claim.pid}) at ${claim.address}`);
        return joined;
      }
      // its server is going away (the claim goes with it) or not answering: claim again, for a while
      if (tries >= 150) throw new Error(`the dev server of the running \`run\` of ${dataset} (pid ${claim.pid}) at ${claim.address} does not answer; stop that run or remove ${lockFile}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    return ownServer(dataset, lockFile, log);
  }
}

/** Starts this run's own dev server on the dataset's workflow file and publishes its address. */
async function ownServer(dataset: string, lockFile: string, log: (l: string) => void): Promise<TemporalHandle> {
  let temporal: TemporalHandle;
  try {
    temporal = await connectTemporal({ dbFilename: path.resolve(RUN_SERVER_DIR, `${dataset}.db`) });
  } catch (err) {
    releaseRunServer(lockFile);
    throw err;
  }
  log(`Temporal: a dev server of this run at ${temporal.address} (TEMPORAL_ADDRESS unset, no \`rest-sync dev\` here); workflows kept in ${RUN_SERVER_DIR}/${dataset}.db`);
  publishRunServer(lockFile, temporal.address!);
  return {
    ...temporal,
    close: async () => {
      releaseRunServer(lockFile);
      await temporal.close();
    },
  };
}
