import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createSecretResolver } from '../activities/secrets';
import { startDevServer } from '../infra/dev-server';
import { createSyncWorker } from '../worker';
import { scheduleKill, type KillReport } from './kill';
import type { SyncOptions, SyncSourceInput, SyncSourceOutput } from '../workflows/types';
import type { RunFigures } from './plain';

const TASK_QUEUE = 'rest-sync-bench';

export interface RestSyncHarness {
  client: Client;
  /** runs one `syncSource` to its end through the in-process worker (or the worker processes) */
  sync(input: SyncSourceInput): Promise<RunFigures & { workflowId: string; kill?: KillReport }>;
  close(): Promise<void>;
}

/**
 * `count` worker processes (`rest-sync worker`) on the bench's task queue: parallel windows spread
 * over them as they would over a deployment's workers.
 */
function startWorkerProcesses(count: number, address: string, pgUrl: string): ChildProcess[] {
  return Array.from({ length: count }, () => startWorkerProcess(address, pgUrl));
}

function startWorkerProcess(address: string, pgUrl: string): ChildProcess {
  const dist = path.join(__dirname, '..');
  return spawn(process.execPath, [path.join(dist, 'cli.js'), 'worker'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: TASK_QUEUE,
        DATABASE_URL: pgUrl,
      REST_SYNC_WORKFLOW_BUNDLE: path.join(dist, 'workflow-bundle.js'),
    },
  });
}

/** The resource workflows of a sync (`sync:<dataset>:<resource>`), from the config's resource names. */
function resourceWorkflows(input: SyncSourceInput): string[] {
  const resources = (input.source as { resources?: { name?: string }[] }).resources ?? [];
  return resources.flatMap((r) => (r.name ? [`sync:${input.dataset}:${r.name}`] : []));
}

/**
 * A dev server (eager activities on) and an in-process worker on a task queue of the bench's own;
 * with `workers` > 0, that many worker processes instead of the in-process worker. With
 * `killAfter`, each sync SIGKILLs one worker process that many seconds in (the one running the
 * most windows); the others finish the sync, and a new process takes its place after it.
 */
export async function startRestSync(pgUrl: string, workers = 0, killAfter?: number): Promise<RestSyncHarness> {
  const env = await startDevServer();
  const processes = workers > 0 ? startWorkerProcesses(workers, env.address, pgUrl) : [];
  const { worker, close } = await createSyncWorker({
    connection: env.nativeConnection,
    databaseUrl: pgUrl,
    taskQueue: workers > 0 ? `${TASK_QUEUE}-idle` : TASK_QUEUE,
    secrets: createSecretResolver({ env: {}, secretsFile: '/nonexistent' }),
  });
  const running = worker.run();
  const stopped = running.then(() => {
    throw new Error('the worker stopped during a sync');
  });
  stopped.catch(() => undefined);
  return {
    client: env.client,
    async sync(input) {
      const workflowId = `sync:${input.dataset}`;
      const started = performance.now();
      const run = env.client.workflow.execute('syncSource', { taskQueue: TASK_QUEUE, workflowId, args: [input] });
      const kill = killAfter !== undefined ? scheduleKill(env.client, processes, { workflowId, resources: resourceWorkflows(input) }, killAfter) : undefined;
      const out = (await Promise.race([run, stopped]).finally(() => kill?.cancel())) as SyncSourceOutput;
      const seconds = (performance.now() - started) / 1000;
      const r = Object.values(out.resources).reduce((a, b) => ({ rows: a.rows + b.rows, pages: a.pages + b.pages }), { rows: 0, pages: 0 });
      const killed = await kill?.report();
      if (killed) processes[killed.worker - 1] = startWorkerProcess(env.address, pgUrl);
      return { ...r, seconds, workflowId, ...(killed ? { kill: killed } : {}) };
    },
    async close() {
      for (const p of processes) p.kill('SIGTERM');
      await Promise.all(processes.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)))));
      worker.shutdown();
      await running.catch(() => undefined);
      await close();
      await env.teardown();
    },
  };
}

export interface HistoryFigures {
  workflows: number;
  runs: number;
  events: number;
  /** encoded history size as the server reports it (DescribeWorkflowExecution historySizeBytes) */
  bytes: number;
}

/**
 * The histories of the given workflow ids, every run of each: the chain is walked back from the
 * latest run through `continuedExecutionRunId` of each run's first event.
 */
export async function historyFigures(client: Client, workflowIds: string[]): Promise<HistoryFigures> {
  const total: HistoryFigures = { workflows: workflowIds.length, runs: 0, events: 0, bytes: 0 };
  for (const id of workflowIds) {
    let runId: string | undefined = (await client.workflow.getHandle(id).describe()).runId;
    while (runId) {
      const handle: WorkflowHandle = client.workflow.getHandle(id, runId);
      const desc = await handle.describe();
      const events = (await handle.fetchHistory()).events ?? [];
      // BENCH_HISTORY_DIR=<folder>: each run's events as JSON, to date a run's activities and workflow tasks
      const dir = process.env.BENCH_HISTORY_DIR;
      if (dir) fs.writeFileSync(path.join(dir, `${id.replace(/[^a-z0-9]/gi, '_')}-${runId}.json`), JSON.stringify(events));
      if (desc.historySize === undefined) throw new Error(`${id}: the server reports no history size`);
      total.runs += 1;
      total.events += events.length;
      total.bytes += desc.historySize;
      const previous: string | null | undefined = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
      runId = previous || undefined;
    }
  }
  return total;
}

/** The options the bench passes to `syncSource`: only those given on the command line. */
export function syncOptions(o: {
  windowPages?: string;
  windowSeconds?: string;
  windowsPerRun?: string;
  parallelWindows?: string;
  heartbeatSeconds?: string;
}): SyncOptions | undefined {
  const out: SyncOptions = {};
  if (o.heartbeatSeconds) out.heartbeatSeconds = Number(o.heartbeatSeconds);
  if (o.parallelWindows) out.parallelWindows = Number(o.parallelWindows);
  if (o.windowPages) out.windowPages = Number(o.windowPages);
  if (o.windowSeconds) out.windowSeconds = Number(o.windowSeconds);
  if (o.windowsPerRun) out.windowsPerRun = Number(o.windowsPerRun);
  return Object.keys(out).length ? out : undefined;
}
