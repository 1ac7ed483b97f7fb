import { continueAsNew, defineQuery, patched, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_CODES } from '../errors';
import type { RetrySpec } from '../plan/types';
import { DEFAULT_OPTIONS, type ResourceProgress, type ResourceResult, type SyncOptions, type SyncResourceInput } from './types';

export const resourceProgressQuery = defineQuery<ResourceProgress>('progress');

/** Activity options of one resource: its retry policy (error_handler) and timeouts that fit a window. */
function activityOptions(retry: RetrySpec, options: Required<SyncOptions>) {
  return {
    startToCloseTimeout: `${Math.max(options.windowSeconds * 3, 300)} seconds`,
    // activities heartbeat every second, so a crashed worker's window is retried within seconds
    heartbeatTimeout: `${options.heartbeatSeconds} seconds`,
    retry: {
      maximumAttempts: retry.maximumAttempts,
      backoffCoefficient: retry.backoffCoefficient,
      initialInterval: retry.initialIntervalMs,
      maximumInterval: '2 minutes',
      nonRetryableErrorTypes: NON_RETRYABLE_CODES,
    },
  } as const;
}

/**
 * One resource, as its own workflow (`sync:<dataset>:<resource>` in the Web UI): calls the
 * fetch-page activity window after window until the resource is done, continuing-as-new every
 * `windowsPerRun` windows (or when Temporal suggests it) so the history stays small. Only counts
 * come back from activities; rows and tokens live in Postgres.
 */
export async function syncResource(input: SyncResourceInput): Promise<ResourceResult> {
  const { resource } = input;
  // options added after a workflow started come from the defaults (running workflows stay valid)
  const options: Required<SyncOptions> = { ...DEFAULT_OPTIONS, ...input.options };
  let progress: ResourceProgress = { resource: resource.name, pages: 0, rows: 0, done: false };
  setHandler(resourceProgressQuery, () => progress);
  const opts = activityOptions(resource.retry, options);
  const acts = proxyActivities<Activities>(opts);
  let windows = 0;
  for (;;) {
    const out = await acts.fetchPages.executeWithOptions({ ...opts, summary: `${resource.name}: window from page ${progress.pages + 1}` }, [
      {
        dataset: input.dataset,
        syncId: input.syncId,
        client: input.client,
        resource,
        maxPages: options.windowPages,
        maxSeconds: options.windowSeconds,
      },
    ]);
    progress = { resource: resource.name, pages: out.pages, rows: out.rows, done: out.done };
    if (out.done) break;
    windows += 1;
    if (windows >= options.windowsPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof syncResource>({ ...input, windowsDone: (input.windowsDone ?? 0) + windows });
    }
  }
  const result = await acts.finishResource({ dataset: input.dataset, syncId: input.syncId, resource });
  if (patched('run-log')) upsertMemo({ rows: result.rows, pages: result.pages, table: `${input.dataset}.${resource.table}` });
  return result;
}
