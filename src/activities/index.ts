import type { ActivityDeps } from './deps';
import type {
  FetchPagesCall,
  FetchPagesOutput,
  FinishResourceCall,
  FinishResourceOutput,
  PrepareSyncInput,
  PrepareSyncOutput,
  FinishSyncInput,
  FinishSyncOutput,
  ReleaseDatasetInput,
  PlanSyncInput,
} from './types';
import { planSource } from '../plan/plan-source';
import type { SourcePlan } from '../plan/types';
import { claimDataset, releaseDataset } from './store/lease';
import { ensureRunLog, logCancelled, logEnd } from './store/run-log';
import { redact } from './secrets';
import { atBoundary } from './boundary';
import { DB_OUTAGE_BUDGET_MS, whileDbDown } from './db-outage';
import { fetchPages } from './fetch/fetch-pages';
import { stripeKeys } from './fetch/position';
import { OAuthTokens } from './http/auth';
import { NameCache } from './store/names';
import { datasetSchema, ensureTable, forDestination, keyColumns, swapStaging } from './store/dataset';
import { completeLoad, ensureLoadTables, finishScd2, syncLoadId } from './store/loads';
import { sweepNewNested } from './store/nested-tables';
import { ensureStateTables, readState, readTotals } from './store/state';
import { saveLastValue } from './store/incremental-state';
import { DUPLICATE_CURSOR_WARNING, duplicateCursorWarning } from './incremental';
import { PlanStore } from './store/plans';
import { fetchInput, finishInput } from './plan-refs';

export type { ActivityDeps } from './deps';
/** What the CLI needs of the worker's secrets: the resolver it hands its worker, and the names a config refers to (checked before a sync starts). */
export { createSecretResolver, secretNames } from './secrets';

/**
 * The activities, closed over one worker's dependencies (as in Temporal's dependency-injection
 * sample). Each takes one input object and returns one output object of plain JSON.
 */
export function createActivities(deps: ActivityDeps) {
  // the worker's OAuth2 tokens and normalized names: state of this set of activities, not of a module
  const fetchDeps = { ...deps, tokens: new OAuthTokens(), names: new NameCache() };
  // resource workflows' plans, kept by their first activity and named by the others (plan-refs.ts)
  const plans = new PlanStore();
  // a Postgres outage is waited out inside the attempt; everything else becomes a Temporal failure
  const guard = <T>(body: () => Promise<T>) =>
    atBoundary(() => deps.secrets.known(), () => whileDbDown(body, DB_OUTAGE_BUDGET_MS, (m) => deps.log?.warn(m)));
  return {
    /**
     * Validates and plans the config, as a local activity: the planner (and zod) stay out of the
     * workflow sandbox, so a planner change is no replay risk, and the plan is recorded once.
     */
    async planSync(input: PlanSyncInput): Promise<SourcePlan> {
      return atBoundary(
        () => [],
        async () => planSource(input.source, input.params),
      );
    },

    /** Claims the dataset for this sync (or refuses it), then creates its schema and bookkeeping tables. */
    async prepareSync(input: PrepareSyncInput): Promise<PrepareSyncOutput> {
      return guard(async () => {
        const schema = datasetSchema(input.dataset);
        const claim = input.lease ? await claimDataset(deps.db, schema, input.lease, input.syncId) : undefined;
        if (claim?.takenOver) {
          const t = claim.takenOver;
          deps.log?.warn(`dataset "${schema}": taking over the sync of ${t.workflowId}, silent for ${t.silentSeconds} s; resuming from its committed pages`);
        }
        await ensureStateTables(deps.db, schema);
        await ensureRunLog(deps.db, schema);
        await ensureLoadTables(deps.db, schema);
        // the sync's load id, made now and kept by its retries, continue-as-new and takeovers
        await syncLoadId(deps.db, schema, claim?.syncId ?? input.syncId);
        return claim ? { schema, syncId: claim.syncId } : { schema };
      });
    },

    /** Ends this sync's hold on the dataset, whatever its outcome. */
    async releaseDataset(input: ReleaseDatasetInput): Promise<void> {
      return guard(() => releaseDataset(deps.db, datasetSchema(input.dataset), input.owner));
    },

    fetchPages(call: FetchPagesCall): Promise<FetchPagesOutput> {
      return guard(async () => fetchPages(fetchDeps, await fetchInput(plans, deps.db, call)));
    },

    /**
     * Makes a finished resource visible (replace swap, scd2's retirement of the rows its load did
     * not see; both idempotent) and reports its committed totals.
     */
    async finishResource(call: FinishResourceCall): Promise<FinishResourceOutput> {
      return guard(async () => {
        const { input, ref } = await finishInput(plans, deps.db, call);
        const schema = datasetSchema(input.dataset);
        const resource = forDestination(input.resource);
        // a resource fetched only for its children (or `skip`) has no table of its own
        const loaded = resource.selected && resource.writeDisposition !== 'skip';
        if (loaded && resource.writeDisposition === 'replace') await swapStaging(deps.db, schema, resource.table);
        if (loaded && resource.writeDisposition === 'merge' && resource.merge?.scd2) {
          const loadId = await syncLoadId(deps.db, schema, input.syncId);
          const retired = await finishScd2(deps.db, { schema, table: resource.table, merge: resource.merge, mergeKey: resource.mergeKey, loadId, seenKey: resource.table });
          if (retired > 0) deps.log?.info(`resource "${resource.name}": scd2 retired ${retired} row(s) absent from load ${loadId}`);
        }
        if (loaded) await ensureTable(deps.db, schema, resource.table, keyColumns(resource));
        // merge: nested rows a window could not clear (their table appeared during the sync)
        if (loaded && resource.writeDisposition === 'merge' && !resource.merge?.scd2) await sweepNewNested(deps.db, schema, resource.table, input.syncId);
        const { maxValue, maxHashes, ...totals } = await readTotals(deps.db, schema, stripeKeys(resource.name, input.lanes, input.windows), input.syncId, resource.incremental);
        // per_parent: each parent record's last value was kept with its last page
        if (resource.incremental && !resource.incremental.perParent) await saveLastValue(deps.db, schema, resource.name, resource.incremental, maxValue, maxHashes);
        if (maxHashes.length > DUPLICATE_CURSOR_WARNING) deps.log?.warn(duplicateCursorWarning(resource.name, resource.incremental!.cursorPath, maxHashes.length));
        await logEnd(deps.db, schema, { syncId: input.syncId, resource: resource.name, ...totals, outcome: 'succeeded' });
        if (ref) await plans.pruneOthers(deps.db, schema, ref.resource, ref.key);
        return totals;
      });
    },

    /** Records a completed sync's load in `_dlt_loads`, or the resources that failed in the run log, with their committed totals. */
    async finishSync(input: FinishSyncInput): Promise<FinishSyncOutput> {
      return guard(async () => {
        const schema = datasetSchema(input.dataset);
        if (input.completed) await completeLoad(deps.db, schema, input.syncId);
        if (input.cancelled) await logCancelled(deps.db, schema, input.syncId);
        for (const [resource, error] of Object.entries(input.failures)) {
          const state = await readState(deps.db, schema, resource);
          const mine = state?.syncId === input.syncId;
          await logEnd(deps.db, schema, {
            syncId: input.syncId,
            resource,
            pages: mine ? state!.pages : 0,
            rows: mine ? state!.rows : 0,
            outcome: 'failed',
            error: redact(error, deps.secrets.known()),
          });
        }
        return { failed: Object.keys(input.failures).length };
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
