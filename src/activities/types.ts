/**
 * Inputs and outputs of every activity: plain JSON, never records and never secret values.
 * Workflows import these types only.
 */
import type { ClientPlan, Json, ResourcePlan } from '../plan/types';

export interface PlanSyncInput {
  /** the dlt rest_api config as given in the workflow input (secrets as references) */
  source: unknown;
  params: Record<string, string>;
}

export interface PrepareSyncInput {
  dataset: string;
  syncId: string;
  /** claims the dataset's lease for this sync (absent for syncs started before leases existed) */
  lease?: { owner: string; workflowId: string };
}
export interface PrepareSyncOutput {
  schema: string;
  /** the sync id to use: `syncId`, or that of a silent sync taken over (resumed, not restarted) */
  syncId?: string;
}

export interface ReleaseDatasetInput {
  dataset: string;
  owner: string;
}

export interface FetchPagesInput {
  dataset: string;
  syncId: string;
  client: ClientPlan;
  resource: ResourcePlan;
  /** the source workflow's run holding the dataset's lease: renewed while pages are fetched */
  lease?: string;
  /** the window: stop after this many pages or seconds, whichever comes first */
  maxPages: number;
  maxSeconds: number;
  /** pages fetched whatever the time (a probe: a worker busy with many syncs must not cut it short) */
  minPages?: number;
  /** a parallelized child: which share of the parent's records this call walks */
  lane?: { index: number; count: number };
  /** parallel windows of an offset/page-number resource: every `count`-th page from `from` + index pages */
  window?: { index: number; count: number; from: Json };
}
/**
 * A resource workflow's plan named by key: kept in the dataset's `_rest_sync_plans` by the first
 * activity of the workflow that carried it (with `planKey`), read back by the ones after it.
 */
export interface PlanRef {
  /** the resource's name */
  resource: string;
  key: string;
}

/** How an activity gets its plan: carried (and, with `planKey`, kept for later calls), or named by a {@link PlanRef}. */
export type PlanCarried<P> = P & { planKey?: string };
export type PlanNamed<P> = Omit<P, 'client' | 'resource'> & { planRef: PlanRef };

/** What the workflow sends `fetchPages`: its input, with the plan carried or named. */
export type FetchPagesCall = PlanCarried<FetchPagesInput> | PlanNamed<FetchPagesInput>;

export interface FetchPagesOutput {
  done: boolean;
  /** totals committed for this resource in this sync, read from the state row */
  pages: number;
  rows: number;
  /** pages committed by this call */
  pagesNow: number;
  /** set when the window stopped early on a retriable fault after making progress */
  interrupted?: string;
  /** the server's Retry-After for that fault: the workflow waits this long before the next window */
  retryAfterMs?: number;
  /** set by a first call that finds the resource's parallel windows already started in this sync (a sync taken over) */
  striped?: { from: Json; count: number };
  /** a child that has walked every committed record of its parent, which still runs: ask again later */
  caughtUp?: boolean;
  /** the last page of this call: its record count and the committed token after it */
  lastPage?: { records: number; token: Json };
  /** a root resource's whole stripe: milliseconds per page committed by this call (the probe's page time sizes the windows) */
  msPerPage?: number;
  /** sibling windows this call took over and finished (their own activities may still be pending) */
  tookOver?: WindowTakenOver[];
}

/** A parallel window finished by another window's call: its index, committed totals, and when the take-over began (ms since the epoch). */
export interface WindowTakenOver {
  window: number;
  pages: number;
  rows: number;
  at: number;
}

export interface FinishResourceInput {
  dataset: string;
  syncId: string;
  resource: ResourcePlan;
  /** lanes a parallelized child ran in */
  lanes?: number;
  /** parallel windows the resource ran in */
  windows?: number;
}
/** What the workflow sends `finishResource`: its input, with the resource carried or named. */
export type FinishResourceCall = PlanCarried<FinishResourceInput> | PlanNamed<FinishResourceInput>;

export interface FinishResourceOutput {
  pages: number;
  rows: number;
}

export interface FinishSyncInput {
  dataset: string;
  syncId: string;
  /** resource → the reason it failed */
  failures: Record<string, string>;
  /** the sync was cancelled: resources still running end `cancelled` in the run log */
  cancelled?: boolean;
  /** every resource succeeded: the load is recorded in `_dlt_loads` (status 0) */
  completed?: boolean;
}
export interface FinishSyncOutput {
  failed: number;
}
