/**
 * `incremental.per_parent` (dlt#2429): a child resource keeps a last value per parent record
 * instead of one for the whole resource, so `/posts/{id}/comments?since=…` asks each post for
 * what is new on that post. The key of a parent record is the parent fields the child uses. A
 * parent record's window is fixed for a sync (read before its first page, kept in its row with
 * that page); its last value moves only with the page that ends its pagination, so a sync that
 * stops inside a parent record's pages re-reads them from the old value next time.
 */
import type { IncrementalSpec, Json, ResourcePlan } from '../../plan/types';
import { deduplicates, isBackfill, mergeBest, startOf, type IncrementalWindow } from '../incremental';
import type { ParentIncrementalRow } from '../store/incremental-state';

/** The parent record's key: the fields of it the child's request uses, by field name. */
export function parentKeyOf(resource: ResourcePlan, vals: Record<string, Json>): Json {
  const fields = [...new Set((resource.parent?.fields ?? []).map((f) => f.field))].sort();
  return Object.fromEntries(fields.map((f) => [f, vals[f] ?? null]));
}

/** The window of a parent record's pages in sync `syncId`: the one its row froze, or one from its last value. */
export function parentWindow(spec: IncrementalSpec, row: ParentIncrementalRow | undefined, syncId: string): IncrementalWindow {
  const end = spec.endValue ?? null;
  if (row && row.syncId === syncId) return { start: row.startValue, end, startHashes: row.startHashes };
  if (isBackfill(spec) || !row) return { start: spec.initialValue ?? null, end, startHashes: [] };
  return { start: startOf(spec, row.lastValue), end, startHashes: deduplicates(spec) ? row.uniqueHashes : [] };
}

/**
 * The parent record's row after a page: its run's best value and hashes merged with the page's;
 * when `ended` (the page was the parent record's last) they become its last value (never moving
 * backwards; a backfill keeps none).
 */
export function nextParentRow(
  spec: IncrementalSpec,
  row: ParentIncrementalRow | undefined,
  syncId: string,
  window: IncrementalWindow,
  page: { max?: Json; hashes?: string[] },
  ended: boolean,
): ParentIncrementalRow {
  const sameSync = row?.syncId === syncId;
  const run = mergeBest(spec, sameSync ? row!.runValue : null, sameSync ? row!.runHashes : [], page.max ?? null, page.hashes ?? []);
  let last = { value: row?.lastValue ?? null, hashes: row?.uniqueHashes ?? [] };
  if (ended && !isBackfill(spec)) {
    last = mergeBest(spec, last.value, last.hashes, run.value, run.hashes);
    if (!deduplicates(spec)) last.hashes = [];
  }
  return {
    lastValue: last.value,
    uniqueHashes: last.hashes,
    syncId,
    startValue: window.start,
    startHashes: window.startHashes ?? [],
    runValue: run.value,
    runHashes: run.hashes,
  };
}
