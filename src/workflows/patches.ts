import { patched } from '@temporalio/workflow';

/**
 * The patches this version's workflows check, each guarding a change made while syncs ran. A
 * workflow started by this version records one marker for all of them ({@link ALL_OF_THEM});
 * one started before replays with the markers it recorded, patch by patch, as before.
 */
export type PatchId =
  | 'plan-outside-sandbox'
  | 'short-heartbeat'
  | 'dataset-lease'
  | 'children-pipelined'
  | 'cancelled-run-log'
  | 'run-log'
  | 'memo-resource-counts'
  | 'dlt-loads'
  | 'page-retry-pause'
  | 'plan-refs'
  | 'parallel-windows'
  | 'probe-after-fault'
  | 'rate-windows'
  | 'window-take-over';

/**
 * The marker that stands for every {@link PatchId}. Each patch marker costs a history event and a
 * `TemporalChangeVersion` search attribute upsert listing every patch so far (about 300 bytes
 * together): seven of them made up a tenth of a sync's history.
 *
 * A patch added later is checked with `patched()` itself, never through {@link patches}: a
 * workflow that recorded this marker ran without it.
 */
export const ALL_OF_THEM = 'patches-2026-12';

/**
 * The patch check of one workflow run: called first thing in the workflow, before any command, so
 * its marker (or its absence, in a history recorded before it) is met at the same point on replay.
 */
export function patches(): (id: PatchId) => boolean {
  const all = patched(ALL_OF_THEM);
  return (id) => all || patched(id);
}
