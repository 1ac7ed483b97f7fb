import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { RestSyncError } from '../errors';
import type { SourcePlan } from '../plan/types';
import type { SyncSourceInput } from '../workflows/types';
import { syncStartOptions } from './start-options';
import { datasetSearchAttributes } from './search-attribute';

/** A sync of the dataset runs already, served by workers this `run` is not (another folder or tenant). */
export class SyncElsewhere extends RestSyncError {
  constructor(message: string) {
    super('SYNC_ELSEWHERE', message);
  }
}

/**
 * Starts `sync:<dataset>`, or attaches to it when it is running already (a rerun after a crash,
 * or a second `run`): the caller then waits for its result with its worker serving it. A running
 * sync on another task queue belongs to other workers (their database, their secrets): refused.
 */
export async function startOrAttach(
  client: Client,
  input: SyncSourceInput,
  taskQueue: string,
  log: (l: string) => void,
  namespace = 'default',
  plan?: SourcePlan,
): Promise<{ handle: WorkflowHandle; runId: string }> {
  const options = syncStartOptions(input, taskQueue, await datasetSearchAttributes(client, namespace, input.dataset), plan);
  try {
    const handle = await client.workflow.start('syncSource', options);
    log(`started ${options.workflowId} (run ${handle.firstExecutionRunId})`);
    return { handle, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const handle = client.workflow.getHandle(options.workflowId);
  const desc = await handle.describe();
  if (desc.taskQueue !== taskQueue) {
    throw new SyncElsewhere(
      `${options.workflowId} is already running on task queue ${desc.taskQueue} (started ${desc.startTime.toISOString()}), ` +
        `not on this run's ${taskQueue}: it belongs to another project folder or tenant. Wait for it, cancel it ` +
        `(temporal workflow cancel -w ${options.workflowId}), or use another --dataset or Temporal namespace.`,
    );
  }
  log(
    `attaching to running sync ${options.workflowId} (started ${desc.startTime.toISOString()}); this run waits for its result. ` +
      `Follow it elsewhere with \`rest-sync status ${options.workflowId}\``,
  );
  return { handle: client.workflow.getHandle(options.workflowId, desc.runId), runId: desc.runId };
}
