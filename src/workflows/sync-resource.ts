import {
  ActivityCancellationType,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
  Trigger,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FetchPagesCall, FetchPagesInput, FetchPagesOutput, PlanRef } from '../activities/types';
import { NON_RETRYABLE_CODES } from '../errors';
import { WINDOW_IN_FLIGHT, canStride } from '../plan/paginator';
import type { RetrySpec } from '../plan/types';
import { patches } from './patches';

type Patches = ReturnType<typeof patches>;
import { DEFAULT_OPTIONS, type ResourceProgress, type ResourceResult, type SyncOptions, type SyncResourceInput } from './types';

export const resourceProgressQuery = defineQuery<ResourceProgress>('progress');

/** Activity options of one resource: its retry policy (error_handler) and timeouts that fit a window. */
function activityOptions(retry: RetrySpec, options: Required<SyncOptions>) {
  return {
    startToCloseTimeout: `${Math.max(options.windowSeconds * 3, 300)} seconds`,
    // activities heartbeat every second, so a crashed worker's window is retried within seconds
    heartbeatTimeout: `${options.heartbeatSeconds} seconds`,
    // a cancelled sync ends only once its windows have stopped writing
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
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
 * dlt's `parallelized` child: its parent's records are walked in lanes at once, as many as the
 * resource's (or the source's) `max_concurrency`, 4 by default. A replace child keeps one lane:
 * its staging table is started by its first page.
 */
function laneCount(input: SyncResourceInput): number {
  const r = input.resource;
  if (!r.parent || !r.parallelized || r.writeDisposition === 'replace') return 1;
  return Math.max(1, Math.min(r.maxConcurrency ?? input.client.maxConcurrency ?? 4, 16));
}

/**
 * Parallel windows for a resource whose page positions are known in advance (offset, page
 * number): as many as `parallelWindows`, capped by `max_concurrency` (16 without it). 1 for
 * everything else. With a `rate_limit` and no `parallelWindows` given, once the probe measured
 * the API's page time (`msPerPage`): enough windows to keep the limit busy, each with
 * WINDOW_IN_FLIGHT requests out, and half as many again, so the limit stays busy while a
 * third of them wait for a dead worker's take-over.
 */
function windowCount(input: SyncResourceInput, options: Required<SyncOptions>, msPerPage?: number): number {
  const r = input.resource;
  if (r.parent || !canStride(r.paginator)) return 1;
  let wanted = options.parallelWindows;
  const rates = [r.rateLimit, input.client.rateLimit].flatMap((l) => (l ? [l.requestsPerSecond] : []));
  if (input.windowsByRate && rates.length > 0 && msPerPage) {
    wanted = Math.max(wanted, Math.ceil((1.5 * Math.min(...rates) * msPerPage) / 1000 / WINDOW_IN_FLIGHT));
  }
  return Math.max(1, Math.min(wanted, r.maxConcurrency ?? input.client.maxConcurrency ?? 16));
}

/**
 * A window that stopped early on a fault after committing pages is followed at once by a fresh
 * activity with a fresh retry budget for the page that failed; first it waits, as a durable
 * timer, for the server's Retry-After or else the retry policy's first interval.
 */
async function pauseAfter(out: FetchPagesOutput, retry: RetrySpec, has: Patches): Promise<void> {
  if (out.interrupted === undefined || out.done || !has('page-retry-pause')) return;
  await sleep(Math.max(1, out.retryAfterMs ?? retry.initialIntervalMs));
}

/**
 * A child that caught up with its running parent waits on a durable timer before asking again:
 * 250 ms (a parent whose first activity has not started yet), doubling while the parent makes no
 * progress, up to 16 s. Its activity already waited a few seconds for the parent's next page, so
 * these are the parent's pauses (between windows, or for a worker slot) and cost a handful of
 * history events each.
 */
function followDelayMs(idleWindows: number): number {
  return Math.min(16_000, 250 * 2 ** Math.min(idleWindows, 6));
}

/** Pages fetched one after the other before windows go parallel: small resources never pay for empty pages of idle windows. */
const PROBE_PAGES = 10;
/**
 * ...or, past PROBE_MIN_PAGES, those that arrive within this time. Ten pages one after the other
 * from an API answering in 200 ms would hold the windows back for 2 s; a second measures the page
 * time, and a resource that turns out small costs each idle window one empty page, requested in
 * parallel. The first pages are fetched whatever the time, so a worker slowed by many syncs at once
 * does not open windows for a resource of two or three pages.
 */
const PROBE_SECONDS = 1;
const PROBE_MIN_PAGES = 3;

/** Did the probe's page show that page positions can be computed (a full offset page, any numbered page)? */
function strideable(input: SyncResourceInput, records: number | undefined): boolean {
  const p = input.resource.paginator;
  if (records === undefined || records === 0) return false;
  return p.type === 'page_number' || (p.type === 'offset' && records >= p.limit);
}

/**
 * How the resource's activities get its plan. Syncs started before the `plan-refs` patch carry it
 * in every activity. Since then the first activities carry it with a key (the workflow's first
 * run id), under which the activity keeps it in Postgres; once one of them has returned, the
 * others (and every activity of the runs it continues as) name it by that key: a window's
 * scheduled event is then a few hundred bytes, not the whole plan.
 */
function planCarrier(input: SyncResourceInput, has: Patches) {
  const refs = has('plan-refs');
  const key = workflowInfo().firstExecutionRunId;
  let kept = refs && input.planKept === true;
  const ref: PlanRef = { resource: input.resource.name, key };
  return {
    carried: (): { client: FetchPagesInput['client']; resource: FetchPagesInput['resource']; planKey?: string } | { planRef: PlanRef } =>
      kept ? { planRef: ref } : { client: input.client, resource: input.resource, ...(refs ? { planKey: key } : {}) },
    /** a fetchPages call returned: the plan it carried (or one before it) is kept */
    ran: (out: FetchPagesOutput): FetchPagesOutput => {
      kept = refs;
      return out;
    },
    forFinish: (): { resource: FetchPagesInput['resource']; planKey?: string } | { planRef: PlanRef } =>
      kept ? { planRef: ref } : { resource: input.resource, ...(refs ? { planKey: key } : {}) },
    forNextRun: () => (kept ? { planKept: true } : {}),
  };
}

/**
 * One resource, as its own workflow (`sync:<dataset>:<resource>` in the Web UI): calls the
 * fetch-page activity window after window until the resource is done, continuing-as-new every
 * `windowsPerRun` windows (or when Temporal suggests it) so the history stays small. Only counts
 * come back from activities; rows and tokens live in Postgres.
 *
 * Offset and page-number resources fetch their first pages in order; when the last was full (the API
 * serves the page size asked for), the rest is fetched by parallel windows, each taking every
 * n-th page. A parallelized child walks its parent's records in lanes. Each window and lane has
 * its own state row, so a crash or retry resumes each of them from its committed page.
 */
export async function syncResource(input: SyncResourceInput): Promise<ResourceResult> {
  const has = patches();
  const { resource } = input;
  // options added after a workflow started come from the defaults (running workflows stay valid)
  const options: Required<SyncOptions> = { ...DEFAULT_OPTIONS, ...input.options };
  let progress: ResourceProgress = { resource: resource.name, pages: 0, rows: 0, done: false };
  setHandler(resourceProgressQuery, () => progress);
  const opts = activityOptions(resource.retry, options);
  const acts = proxyActivities<Activities>(opts);
  const plan = planCarrier(input, has);
  const base = (): FetchPagesCall => ({
    dataset: input.dataset,
    syncId: input.syncId,
    ...plan.carried(),
    maxPages: options.windowPages,
    maxSeconds: options.windowSeconds,
    ...(input.lease ? { lease: input.lease } : {}),
  });
  let windows = 0;
  let windowsFrom = input.windowsFrom;
  let done = false;
  let wanted = input.windowsCount ?? windowCount(input, options);
  if (windowsFrom === undefined && wanted > 1 && has('parallel-windows')) {
    const probeLimit = Math.min(PROBE_PAGES, options.windowPages);
    let probe = plan.ran(await acts.fetchPages.executeWithOptions({ ...opts, summary: `${resource.name}: first pages` }, [{ ...base(), maxPages: probeLimit, maxSeconds: PROBE_SECONDS, minPages: PROBE_MIN_PAGES }]));
    await pauseAfter(probe, resource.retry, has);
    // a probe cut short by a fault goes on to its full length: a small resource stays sequential
    while (probe.interrupted !== undefined && !probe.done && probe.pages < probeLimit && has('probe-after-fault')) {
      probe = plan.ran(await acts.fetchPages.executeWithOptions({ ...opts, summary: `${resource.name}: first pages` }, [{ ...base(), maxPages: probeLimit - probe.pages, maxSeconds: PROBE_SECONDS, minPages: Math.max(0, PROBE_MIN_PAGES - probe.pages) }]));
      await pauseAfter(probe, resource.retry, has);
    }
    progress = { resource: resource.name, pages: probe.pages, rows: probe.rows, done: probe.done };
    done = probe.done;
    if (probe.striped) [windowsFrom, wanted] = [probe.striped.from, probe.striped.count];
    else if (!done && strideable(input, probe.lastPage?.records)) {
      windowsFrom = probe.lastPage!.token;
      if (has('rate-windows')) wanted = windowCount(input, options, probe.msPerPage);
    }
  }
  const parallel = windowsFrom !== undefined ? wanted : 1;
  const lanes = parallel > 1 ? 1 : laneCount(input);
  const count = Math.max(parallel, lanes);
  const done0 = { pages: progress.pages, rows: progress.rows };
  const perLane = Array.from({ length: count }, () => ({ pages: 0, rows: 0, done: false }));
  // per lane: windows in a row that found the parent idle (a following child, see followDelayMs)
  const idle = perLane.map(() => 0);
  // parallel windows finished by another window's call (its worker died): not waited for any longer
  const takeOver = parallel > 1 && has('window-take-over');
  const finishedElsewhere = perLane.map(() => new Trigger<FetchPagesOutput>());
  /** One lane's windows until it is done (true) or the run should continue-as-new (false). */
  const walk = async (lane: number): Promise<boolean> => {
    for (;;) {
      const at = perLane[lane];
      const summary = `${resource.name}: window from page ${at.pages + 1}${count > 1 ? ` (${parallel > 1 ? 'window' : 'lane'} ${lane + 1}/${count})` : ''}`;
      const which =
        parallel > 1 ? { window: { index: lane, count: parallel, from: windowsFrom! } } : lanes > 1 ? { lane: { index: lane, count: lanes } } : {};
      const act = acts.fetchPages.executeWithOptions({ ...opts, summary }, [{ ...base(), ...which }]).then(plan.ran);
      let out: FetchPagesOutput;
      if (takeOver) {
        act.catch(() => undefined); // a window finished elsewhere leaves its activity behind, whatever becomes of it
        out = await Promise.race([act, finishedElsewhere[lane]]);
        for (const t of out.tookOver ?? []) finishedElsewhere[t.window]?.resolve({ done: true, pages: t.pages, rows: t.rows, pagesNow: 0 });
      } else out = await act;
      perLane[lane] = { pages: out.pages, rows: out.rows, done: out.done };
      const sum = (k: 'pages' | 'rows') => perLane.reduce((a, l) => a + l[k], parallel > 1 ? done0[k] : 0);
      progress = {
        resource: resource.name,
        pages: sum('pages'),
        rows: sum('rows'),
        done: perLane.every((l) => l.done),
        lanes: perLane.map((l) => ({ pages: l.pages, rows: l.rows })),
      };
      if (out.done) return true;
      await pauseAfter(out, resource.retry, has);
      idle[lane] = out.caughtUp && out.pagesNow === 0 ? idle[lane] + 1 : 0;
      if (out.caughtUp) await sleep(followDelayMs(Math.max(0, idle[lane] - 1)));
      windows += 1;
      if (windows >= options.windowsPerRun || workflowInfo().continueAsNewSuggested) return false;
    }
  };
  if (!done) {
    const finished = await Promise.all(perLane.map((_, i) => walk(i)));
    if (!finished.every(Boolean)) {
      // every lane stopped at a committed page; the next run resumes each from its state row
      // the windows' count goes along: sized by the probe's page time, it cannot be worked out again
      const striped = windowsFrom !== undefined ? { windowsFrom, windowsCount: parallel } : {};
      await continueAsNew<typeof syncResource>({ ...input, windowsDone: (input.windowsDone ?? 0) + windows, ...striped, ...plan.forNextRun() });
    }
  }
  const result = await acts.finishResource({
    dataset: input.dataset,
    syncId: input.syncId,
    ...plan.forFinish(),
    ...(lanes > 1 ? { lanes } : {}),
    ...(parallel > 1 ? { windows: parallel } : {}),
  });
  if (has('run-log')) upsertMemo({ rows: result.rows, pages: result.pages, table: `${input.dataset}.${resource.table}` });
  return result;
}
