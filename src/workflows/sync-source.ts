import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  defineQuery,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { planSource } from '../plan/plan-source';
import type { ResourcePlan, SourcePlan } from '../plan/types';
import { syncResource } from './sync-resource';
import { DEFAULT_OPTIONS, type ResourceProgress, type SyncSourceInput, type SyncSourceOutput } from './types';

export const sourceProgressQuery = defineQuery<Record<string, ResourceProgress>>('progress');

const { prepareSync, finishSync } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, backoffCoefficient: 2 },
});

/** The root of the innermost failure: what a person needs to read. */
function rootMessage(err: unknown): string {
  let cur = err as { cause?: unknown; message?: string } | undefined;
  while (cur?.cause) cur = cur.cause as typeof cur;
  return cur?.message ?? String(err);
}

function plan(input: SyncSourceInput): SourcePlan {
  try {
    return planSource(input.source, input.params ?? {});
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'CONFIG_ERROR');
  }
}

/**
 * One sync of one source (`sync:<dataset>`): plans the config, then runs every resource as a child
 * workflow, parents before their children and independent resources side by side. A failing
 * resource does not stop the others; the sync fails at the end naming every failed resource.
 */
export async function syncSource(input: SyncSourceInput): Promise<SyncSourceOutput> {
  const source = plan(input);
  const syncId = workflowInfo().runId;
  const options = { ...DEFAULT_OPTIONS, ...(input.options ?? {}) };
  const progress: Record<string, ResourceProgress> = {};
  setHandler(sourceProgressQuery, () => progress);
  await prepareSync({ dataset: input.dataset, syncId });

  const results: SyncSourceOutput['resources'] = {};
  const failures: Record<string, string> = {};
  const childrenOf = (r: ResourcePlan) => source.resources.filter((c) => c.parent?.resource === r.name);
  const wanted = (r: ResourcePlan): boolean => r.selected || childrenOf(r).some(wanted);
  const run = async (r: ResourcePlan): Promise<void> => {
    const workflowId = `sync:${input.dataset}:${r.name}`;
    progress[r.name] = { resource: r.name, pages: 0, rows: 0, done: false, workflowId };
    try {
      results[r.name] = await executeChild(syncResource, {
        workflowId,
        args: [{ dataset: input.dataset, syncId, client: source.client, resource: r, options }],
        staticSummary: `${r.name} → ${input.dataset}.${r.table} (${r.writeDisposition})`,
      });
      progress[r.name] = { resource: r.name, ...results[r.name], done: true, workflowId };
    } catch (err) {
      failures[r.name] = rootMessage(err);
      return; // its children have nothing to fan out over
    }
    await Promise.all(childrenOf(r).filter(wanted).map(run));
  };
  await Promise.all(source.resources.filter((r) => !r.parent && wanted(r)).map(run));
  if (CancellationScope.current().consideredCancelled && patched('cancelled-run-log')) {
    // the run log says `cancelled`, not `running` forever: written even though the sync is cancelled
    await CancellationScope.nonCancellable(() => finishSync({ dataset: input.dataset, syncId, failures: {}, cancelled: true }));
    throw new CancelledFailure('sync cancelled');
  }
  const failed = Object.entries(failures);
  if (patched('run-log')) {
    upsertMemo({ rows: Object.values(results).reduce((a, r) => a + r.rows, 0), resources: Object.keys(results).length, failed: failed.length });
    if (failed.length) await finishSync({ dataset: input.dataset, syncId, failures });
  }
  if (failed.length) {
    throw ApplicationFailure.nonRetryable(
      `sync of ${input.dataset} failed for ${failed.length} resource(s):\n${failed.map(([r, m]) => `${r}: ${m}`).join('\n')}`,
      'SYNC_FAILED',
      { resources: results },
    );
  }
  return { syncId, resources: results };
}
