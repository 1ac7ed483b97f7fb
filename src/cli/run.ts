import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { loadSourceFile } from '../config/load';
import { planSource } from '../plan/plan-source';
import { connectOrStartPostgres } from '../infra/postgres';
import { createSyncWorker } from '../worker';
import { normalizeIdentifier } from '../activities/store/names';
import { createSecretResolver, secretNames } from '../activities';
import type { SyncSourceInput, SyncSourceOutput } from '../workflows/types';
import { connectRunTemporal, runTaskQueue } from './run-server';
import { startOrAttach } from './attach';
import { onStopSignal, RunInterrupted } from './interrupt';
import { describeError } from './errors';
import { watchProgress } from './progress';
import { createDb } from '../infra/db';
import { datasetSchema, forDestination } from '../activities/store/dataset';
import { UsageError } from './exit';
import { fullRefresh, loadedResources, parseResources, runResources } from './run-select';
import { lastRowCounts } from '../activities/store/admin';

export interface RunOptions {
  dataset?: string;
  param: string[];
  json?: boolean;
  worker: boolean;
  /** the live progress display on stderr (on unless --no-progress) */
  progress?: boolean;
  /** `--resources a,b`: only these are loaded */
  resources?: string;
  /** `--full-refresh`: drop the loaded resources' tables and state first */
  fullRefresh?: boolean;
}

/** What `run` returns (and `--json` prints). */
export interface RunResult extends SyncSourceOutput {
  workflowId: string;
  /** the Postgres schema loaded into */
  dataset: string;
  elapsedMs: number;
  /** resource → table, in plan order */
  tables: Record<string, string>;
}

/** The folder where `run` keeps its embedded Postgres cluster, kept across runs. */
export const EMBEDDED_PG_DIR = path.join('.rest-sync', 'postgres');

/** `--param key=value` flags to an object. */
export function parseParams(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(f)}: expected key=value`);
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

/** The dataset a config lands in by default: its file's base name, snake_case. */
export function defaultDataset(configPath: string): string {
  return normalizeIdentifier(path.basename(configPath).replace(/\.[^.]*$/, ''));
}

/**
 * `rest-sync run`: validate locally, then sync through Temporal (TEMPORAL_ADDRESS, else a dev
 * server of its own whose workflows are kept under .rest-sync/run) with an in-process worker on a
 * task queue of its own, into DATABASE_URL or the embedded server. A running sync of the dataset is
 * attached to and resumed. Ctrl-C / SIGTERM cancel the sync, drain the worker, then stop the servers.
 */
export async function runCommand(configPath: string, opts: RunOptions, log: (l: string) => void): Promise<RunResult> {
  const started = Date.now();
  const source = loadSourceFile(configPath);
  const params = parseParams(opts.param);
  const plan = planSource(source, params); // fail fast on a bad config, before any server starts
  const resources = parseResources(opts.resources, plan);
  if (opts.worker) {
    // the in-process worker resolves secrets here: a missing one fails now, not at the first page
    const secrets = createSecretResolver();
    for (const name of secretNames(source)) secrets.resolve(name);
  }
  const dataset = opts.dataset ?? defaultDataset(configPath);
  const pg = await connectOrStartPostgres(EMBEDDED_PG_DIR);
  const db = createDb(pg.url, 1);
  if (!process.env.DATABASE_URL) log(`embedded Postgres: data in ${pg.dataDir}`);
  const schema = datasetSchema(dataset);
  const temporal = await (opts.fullRefresh ? fullRefresh(db, schema, plan, resources, log) : Promise.resolve())
    .then(() => connectRunTemporal(dataset, log))
    .catch(async (e) => {
      await db.destroy();
      await pg.stop();
      throw e;
    });
  const taskQueue = runTaskQueue(dataset);
  const workflowId = `sync:${dataset}`;
  const input: SyncSourceInput = { source, dataset, params, ...(resources ? { resources } : {}) };
  let worker: Awaited<ReturnType<typeof createSyncWorker>> | undefined;
  let stopped: NodeJS.Signals | undefined;
  let unhook = () => undefined as void;
  /** start or attach, then the result; a stop signal cancels the sync and waits for it to end */
  const sync = async (): Promise<SyncSourceOutput> => {
    const { handle, runId } = await startOrAttach(temporal.client, input, taskQueue, log, temporal.namespace, plan);
    unhook = onStopSignal((signal) => {
      stopped = signal;
      handle.cancel().catch(() => undefined);
    });
    const expected = opts.progress === false ? undefined : await lastRowCounts(db, schema).catch(() => undefined);
    const progress = opts.progress === false ? undefined : watchProgress(db, schema, runId, runResources(plan, resources), process.stderr, expected);
    try {
      return (await handle.result()) as SyncSourceOutput;
    } finally {
      await progress?.stop();
    }
  };
  try {
    if (opts.worker) worker = await createSyncWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, databaseUrl: pg.url, taskQueue });
    const result = await (worker ? worker.worker.runUntil(sync) : sync()).catch((err) => {
      if (!stopped) throw err;
      const what = err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure ? 'cancelled' : `ended: ${describeError(err)}`;
      throw new RunInterrupted(stopped, `${stopped === 'SIGINT' ? 'interrupted' : 'terminated'} (${stopped}): ${workflowId} ${what}; its committed pages stay`);
    });
    const tables = Object.fromEntries(loadedResources(plan, resources).map((r) => [r.name, forDestination(r).table]));
    return { workflowId, dataset: schema, elapsedMs: Date.now() - started, tables, ...result };
  } finally {
    await db.destroy();
    await worker?.close();
    await temporal.close();
    await pg.stop();
    unhook();
  }
}

export { formatResults } from './results';
