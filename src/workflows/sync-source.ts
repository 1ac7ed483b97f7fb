import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  defineQuery,
  executeChild,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { innermostMessage } from '../errors';
import type { SourceConfig } from '../config/schema';
import { buildPlan } from '../plan/build';
import type { ResourcePlan, SourcePlan } from '../plan/types';
import { syncResource } from './sync-resource';
import { patches } from './patches';

type Patches = ReturnType<typeof patches>;
import { DEFAULT_OPTIONS, HEARTBEAT_SECONDS_BEFORE, type ResourceProgress, type SyncOptions, type SyncSourceInput, type SyncSourceOutput } from './types';

export const sourceProgressQuery = defineQuery<Record<string, ResourceProgress>>('progress');

const { prepareSync, finishSync, releaseDataset } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, backoffCoefficient: 2 },
});

const { planSync } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, backoffCoefficient: 2 },
});

/**
 * The plan: validated and built by a local activity, outside the sandbox. Syncs started before
 * that planned here; their configs were validated then, so replaying them builds the same plan
 * without the validator.
 */
async function plan(input: SyncSourceInput, has: Patches): Promise<SourcePlan> {
  try {
    if (has('plan-outside-sandbox')) return select(await planSync({ source: input.source, params: input.params ?? {} }), input.resources);
    return buildPlan(input.source as SourceConfig, input.params ?? {});
  } catch (err) {
    throw ApplicationFailure.nonRetryable(innermostMessage(err), 'CONFIG_ERROR');
  }
}

/**
 * `run --resources a,b`: only the named resources are selected; their parents still run (to fan
 * out over) as dlt's `selected: false` ones do. Syncs started without the list plan as before.
 */
function select(source: SourcePlan, names: string[] | undefined): SourcePlan {
  if (!names) return source;
  const unknown = names.filter((n) => !source.resources.some((r) => r.name === n));
  if (unknown.length) throw new Error(`resources ${JSON.stringify(unknown)} are not in the config`);
  return { ...source, resources: source.resources.map((r) => ({ ...r, selected: names.includes(r.name) })) };
}

/** The Web UI's "Current Details" of a running sync: a line per resource (in-memory, no history event). */
function showDetails(dataset: string, progress: Record<string, ResourceProgress>): void {
  const lines = Object.values(progress).map((p) => `| ${p.resource} | ${p.done ? 'done' : 'running'} | ${p.rows} | ${p.pages} |`);
  setCurrentDetails(`**sync ${dataset}**\n\n| resource | state | rows | pages |\n|---|---|---|---|\n${lines.join('\n')}`);
}

/**
 * One sync of one source (`sync:<dataset>`): plans the config, then runs every resource as a child
 * workflow, parents before their children and independent resources side by side. A failing
 * resource does not stop the others; the sync fails at the end naming every failed resource.
 */
export async function syncSource(input: SyncSourceInput): Promise<SyncSourceOutput> {
  const has = patches();
  const source = await plan(input, has);
  const { runId, workflowId } = workflowInfo();
  // a killed worker's windows are retried elsewhere after 5 s without a heartbeat; syncs started before, after 15 s
  const heartbeat = has('short-heartbeat') ? {} : { heartbeatSeconds: HEARTBEAT_SECONDS_BEFORE };
  const options = { ...DEFAULT_OPTIONS, ...heartbeat, ...(input.options ?? {}) };
  const progress: Record<string, ResourceProgress> = {};
  setHandler(sourceProgressQuery, () => progress);
  // one sync of a dataset at a time: the lease in Postgres is this run's, or the sync is refused
  const leased = has('dataset-lease');
  const prepared = await prepareSync({ dataset: input.dataset, syncId: runId, ...(leased ? { lease: { owner: runId, workflowId } } : {}) }).catch(
    (err) => {
      // a dataset held by another live sync: the sync fails with the message that names it
      if ((err as { cause?: { type?: string } }).cause?.type === 'DATASET_BUSY') throw ApplicationFailure.nonRetryable(innermostMessage(err), 'DATASET_BUSY');
      throw err;
    },
  );
  if (!leased) return runResources(input, source, runId, options, progress, has);
  try {
    return await runResources(input, source, prepared.syncId ?? runId, options, progress, has, runId);
  } finally {
    await CancellationScope.nonCancellable(() => releaseDataset({ dataset: input.dataset, owner: runId }));
  }
}

/** Every resource as a child workflow, parents before their children; fails at the end naming each failed resource. */
async function runResources(
  input: SyncSourceInput,
  source: SourcePlan,
  syncId: string,
  options: Required<SyncOptions>,
  progress: Record<string, ResourceProgress>,
  has: Patches,
  lease?: string,
): Promise<SyncSourceOutput> {
  const results: SyncSourceOutput['resources'] = {};
  const failures: Record<string, string> = {};
  const childrenOf = (r: ResourcePlan) => source.resources.filter((c) => c.parent?.resource === r.name);
  const wanted = (r: ResourcePlan): boolean => r.selected || childrenOf(r).some(wanted);
  // children start with their parent and follow its committed pages (their activities wait for them)
  const pipelined = options.pipelineChildren && has('children-pipelined');
  const byRate = input.options?.parallelWindows === undefined;
  /** Every wanted descendant of `r`, for the failures of a parent that stopped them. */
  const descendants = (r: ResourcePlan): ResourcePlan[] => childrenOf(r).filter(wanted).flatMap((c) => [c, ...descendants(c)]);
  // resources stopped because their parent failed: the reason each is reported with
  const orphaned = new Map<string, string>();
  const run = async (r: ResourcePlan): Promise<void> => {
    const workflowId = `sync:${input.dataset}:${r.name}`;
    progress[r.name] = { resource: r.name, pages: 0, rows: 0, done: false, workflowId };
    showDetails(input.dataset, progress);
    const scope = new CancellationScope();
    const children = pipelined ? scope.run(() => Promise.all(childrenOf(r).filter(wanted).map(run))) : undefined;
    try {
      results[r.name] = await executeChild(syncResource, {
        workflowId,
        args: [{ dataset: input.dataset, syncId, client: source.client, resource: r, options, ...(byRate ? { windowsByRate: true } : {}), ...(lease ? { lease } : {}) }],
        staticSummary: `${r.name} → ${input.dataset}.${r.table} (${r.writeDisposition})`,
      });
      progress[r.name] = { resource: r.name, ...results[r.name], done: true, workflowId };
      showDetails(input.dataset, progress);
    } catch (err) {
      failures[r.name] = orphaned.get(r.name) ?? innermostMessage(err);
      if (!children) return; // its children have nothing to fan out over
      // its running children stop where they are: what they committed stays, they are reported failed
      for (const d of descendants(r)) if (!orphaned.has(d.name)) orphaned.set(d.name, `not finished: resource "${r.name}" it fans out over failed`);
      scope.cancel();
      await children;
      return;
    }
    await (children ?? Promise.all(childrenOf(r).filter(wanted).map(run)));
  };
  await Promise.all(source.resources.filter((r) => !r.parent && wanted(r)).map(run));
  if (CancellationScope.current().consideredCancelled && has('cancelled-run-log')) {
    // the run log says `cancelled`, not `running` forever: written even though the sync is cancelled
    await CancellationScope.nonCancellable(() => finishSync({ dataset: input.dataset, syncId, failures: {}, cancelled: true }));
    throw new CancelledFailure('sync cancelled');
  }
  const failed = Object.entries(failures);
  if (has('run-log')) {
    const memo = { rows: Object.values(results).reduce((a, r) => a + r.rows, 0), resources: Object.keys(results).length, failed: failed.length };
    // per-resource counts in the memo, for the Web UI and `temporal workflow describe`
    upsertMemo(has('memo-resource-counts') ? { ...memo, counts: results } : memo);
    if (failed.length) await finishSync({ dataset: input.dataset, syncId, failures });
    // a complete load is recorded in `_dlt_loads`, as dlt does (new behaviour: behind its patch)
    else if (has('dlt-loads')) await finishSync({ dataset: input.dataset, syncId, failures: {}, completed: true });
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
