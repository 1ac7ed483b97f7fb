import type { ClientPlan, Json, ResourcePlan } from '../plan/types';

/** Tuning of the durable loop; every field has a default. */
export interface SyncOptions {
  /** pages one fetch-page activity call may run (a window) */
  windowPages?: number;
  /** seconds one window may run */
  windowSeconds?: number;
  /** windows before a resource workflow continues-as-new */
  windowsPerRun?: number;
  /**
   * a window whose worker stops heartbeating for this long is retried elsewhere: what a killed
   * worker costs its windows. Activities heartbeat every second
   */
  heartbeatSeconds?: number;
  /** windows fetching an offset/page-number resource at once (1: one after the other) */
  parallelWindows?: number;
  /** children start with their parent and follow its committed pages (false: after the parent has finished) */
  pipelineChildren?: boolean;
}

/**
 * The input of `syncSource`, documented plain JSON: the dlt rest_api config (secrets as
 * `{"$secret": "name"}` references), the dataset (Postgres schema) and source params.
 */
export interface SyncSourceInput {
  source: unknown;
  dataset: string;
  params?: Record<string, string>;
  options?: SyncOptions;
  /** only these resources are loaded (`run --resources`); their parents run as needed. Absent: the config's `selected` */
  resources?: string[];
}

export interface ResourceResult {
  rows: number;
  pages: number;
}

export interface SyncSourceOutput {
  syncId: string;
  resources: Record<string, ResourceResult>;
}

export interface SyncResourceInput {
  dataset: string;
  syncId: string;
  client: ClientPlan;
  resource: ResourcePlan;
  options: Required<SyncOptions>;
  /** `parallelWindows` was not given: a resource with a rate limit sizes its windows by it and the probe's page time */
  windowsByRate?: boolean;
  /** the source workflow's run holding the dataset's lease (absent for syncs started before leases) */
  lease?: string;
  /** windows run by earlier runs of this workflow (continue-as-new) */
  windowsDone?: number;
  /** parallel windows in progress: the committed token they started after, and how many there are (absent: as options say) */
  windowsFrom?: Json;
  windowsCount?: number;
  /** an activity of an earlier run kept the plan in Postgres under the first run's id: activities name it (plan-refs) */
  planKept?: boolean;
}

export interface ResourceProgress {
  resource: string;
  pages: number;
  rows: number;
  done: boolean;
  /** the resource's own workflow, whose `progress` query has its live counts */
  workflowId?: string;
  /** per lane or parallel window, as of its last finished window */
  lanes?: { pages: number; rows: number }[];
}

/** `heartbeatSeconds` of syncs started before the `short-heartbeat` patch. */
export const HEARTBEAT_SECONDS_BEFORE = 15;

export const DEFAULT_OPTIONS: Required<SyncOptions> = {
  windowPages: 5000,
  windowSeconds: 30,
  windowsPerRun: 100,
  heartbeatSeconds: 5,
  parallelWindows: 4,
  pipelineChildren: true,
};
