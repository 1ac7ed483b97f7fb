import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { createHttp } from './activities/http/client';
import { createSecretResolver, type SecretResolver } from './activities/secrets';
import type { Logger } from './activities/deps';
import { createDb } from './infra/db';
import { Limits } from './activities/http/limits';

export const DEFAULT_TASK_QUEUE = 'rest-sync';

export interface SyncWorkerOptions {
  connection: NativeConnection;
  databaseUrl: string;
  namespace?: string;
  taskQueue?: string;
  /** activities running at once (windows of different resources) */
  maxConcurrentActivities?: number;
  /** a prebuilt workflow bundle; else the workflows are bundled at start */
  workflowBundle?: WorkerOptions['workflowBundle'];
  secrets?: SecretResolver;
  log?: Logger;
}

/** The worker's location of its workflow code, compiled (dist) or source (tests). */
export function workflowsPath(): string {
  return path.join(__dirname, 'workflows', 'index');
}

/** The bundle `npm run build` made (dist/workflow-bundle.js), when this is the compiled code. */
function prebuiltBundle(): WorkerOptions['workflowBundle'] | undefined {
  const codePath = path.join(__dirname, 'workflow-bundle.js');
  return existsSync(codePath) ? { codePath } : undefined;
}

/** The workflow code the worker runs: the bundle given, the prebuilt one, or bundled now (tests run the sources). */
async function workflowCode(given: WorkerOptions['workflowBundle'] | undefined): Promise<{ code: string }> {
  const bundle = given ?? prebuiltBundle();
  if (bundle && 'code' in bundle) return { code: bundle.code };
  if (bundle) return { code: readFileSync(bundle.codePath, 'utf8') };
  return bundleWorkflowCode({ workflowsPath: require.resolve(workflowsPath()), logger: Runtime.instance().logger });
}

/**
 * The worker's build id: which workflow code ran each task. Temporal writes it into every
 * workflow and activity task event; the SDK's default (its package name and the bundle's whole
 * sha256, 89 characters) made up a sixth of a sync's history. The same code gets the same id.
 */
export function buildIdOf(code: string): string {
  return `rest-sync+${createHash('sha256').update(code).digest('hex').slice(0, 12)}`;
}

/** A worker with its activities' dependencies; `close()` releases the pool after `run()` ends. */
export async function createSyncWorker(opts: SyncWorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const concurrency = opts.maxConcurrentActivities ?? 8;
  const db = createDb(opts.databaseUrl, concurrency);
  // widened columns and rate-limit pauses go to the worker's log (text or JSON, see cli/logging.ts)
  const log: Logger = opts.log ?? Runtime.instance().logger;
  const activities = createActivities({
    db,
    http: createHttp(),
    secrets: opts.secrets ?? createSecretResolver(),
    limits: new Limits(db, (m) => log.warn(`rate limit: ${m}`)),
    log,
  });
  const bundle = await workflowCode(opts.workflowBundle);
  const worker = await Worker.create({
    buildId: buildIdOf(bundle.code),
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    activities,
    maxConcurrentActivityTaskExecutions: concurrency,
    // heartbeats carry committed totals (live status) and tell the server the worker is alive:
    // sent every second, a 5 s heartbeat timeout leaves 4 s of slack before a window is retried elsewhere
    maxHeartbeatThrottleInterval: '1 second',
    // a workflow cached on a worker that was killed has its tasks sent to that worker's queue for
    // about 10 s more (until the server sees it gone): after 1 s there they go to any worker (a live
    // worker takes its sticky tasks within milliseconds; one that does not costs a replay elsewhere)
    stickyQueueScheduleToStartTimeout: '1 second',
    workflowBundle: bundle,
  });
  return { worker, close: () => db.destroy() };
}
