import { WINDOW_IN_FLIGHT } from '../../plan/paginator';
import type { FetchPagesInput } from '../types';
import type { StateRow } from '../store/state';
import type { FetchDeps } from './fetch-pages';
import { CAUGHT_UP, locate } from './locate';
import type { Position, Stripe } from './position';
import { createPageSink, type PageSink } from './sink';
import { createPageSource, type Fetched } from './source';
import { PageQueue } from './page-queue';
import { sharesRoots, type PreparedPage } from './batch';

/**
 * Pages requested ahead of the commits, at most: while one commit runs, the next pages arrive,
 * and a resource whose pages may commit together (see batches) commits those that have arrived
 * in one statement. Resources that commit page by page fetch one page ahead.
 */
export const AHEAD_PAGES = 8;

export { WINDOW_IN_FLIGHT };

/** One stripe's walk in an activity call: where it stands, updated as pages commit (read after a fault). */
export interface StripeProgress {
  state: StateRow;
  /** pages this walk committed */
  pagesNow: number;
  /** records of the last page this walk committed (the workflow decides on parallel windows by it) */
  lastRecords: number;
  /** a child that walked every committed record of its running parent: the workflow waits, then asks again */
  caughtUp: boolean;
}

/** What a stripe's walk needs from its activity call. */
export interface StripeCall {
  deps: FetchDeps;
  input: FetchPagesInput;
  schema: string;
  /** the table pages go to (a replace's staging table), and the load id of its rows */
  table: string;
  loadId: string;
  /** when the call's time is up (ms since the epoch), and whether a page `ahead` of `pagesNow` is still within it */
  deadline: number;
  within(pagesNow: number, ahead: number): boolean;
  signal: AbortSignal;
  /** throws when the call may no longer write (the dataset lease was lost) */
  check(): void;
  /** false when the stripe was taken over by another call (a parallel window's holder): stop at once */
  owns(): boolean;
}

/**
 * Walks one stripe from its committed state until it is done, the call's window is over, or
 * another attempt moved its state; the pages are requested ahead of the commits (PageQueue) and
 * those that arrived meanwhile are committed together (commitBatch). A fault is thrown, with
 * `progress` telling what was committed before it.
 */
export async function walkStripe(call: StripeCall, stripe: Stripe, progress: StripeProgress): Promise<void> {
  const { deps, input, schema } = call;
  const { resource } = input;
  const state = progress.state;
  const incr = resource.incremental ? { start: state.startValue, end: resource.incremental.endValue ?? null, startHashes: state.startHashes } : undefined;
  const source = createPageSource(deps, input, stripe, call.signal, incr);
  const sink = await createPageSink(deps, input, stripe, schema, call.table, call.loadId);
  const within = (ahead = 0) => call.within(progress.pagesNow, ahead);
  // `ahead`: pages requested while the ones before them are not yet committed
  const where = (pos: Position, ahead = 0) =>
    `resource "${resource.name}" page ${progress.state.pages + 1 + ahead}` +
    (pos.parent ? ` (parent ${resource.parent!.resource} ${JSON.stringify(pos.parent.vals)})` : '');
  const predict = source.predict;
  const queue = new PageQueue(
    { fetch: (pos, named) => source.fetch(pos, named), within, where, ...(predict ? { predict } : {}) },
    sink.batches ? AHEAD_PAGES : 2,
    predict ? WINDOW_IN_FLIGHT : 1,
  );
  const walk = { deps, schema, input, stripe, deadline: call.deadline, signal: call.signal };
  const find = async () => {
    const found = await locate(walk, progress.state, source.initialToken);
    progress.caughtUp = found === CAUGHT_UP;
    return found === CAUGHT_UP ? undefined : found;
  };
  /** Commits prepared pages; false when another attempt moved the state (nothing was written). */
  const commit = async (pages: PreparedPage[]): Promise<boolean> => {
    call.check();
    if (!call.owns()) return false;
    const committed = await sink.commitPrepared(progress.state, pages);
    if (!committed) return false;
    progress.state = committed;
    progress.lastRecords = pages[pages.length - 1].records;
    progress.pagesNow += pages.length;
    queue.committed(pages.length);
    return true;
  };
  const first = progress.state.done ? undefined : await find();
  if (first) queue.start(first);
  for (;;) {
    const head = await queue.next();
    if (!head) {
      // the window is over, or the chain ended: a child goes on with its next parent record
      if (!queue.ended || progress.state.done || !within() || call.signal.aborted) break;
      const pos = await find();
      if (!pos) break;
      queue.start(pos);
      continue;
    }
    const ok = await commitBatch(sink, queue, () => progress.state, head, commit);
    if (!ok || progress.state.done || call.signal.aborted) break; // not ok: another attempt moved the state, the workflow asks again
  }
}

/**
 * Commits the queue's next page together with the pages after it that have arrived already (if
 * the resource batches). A page that would widen a column the pages before it were fitted to,
 * shares root rows with them (sharesRoots), or fails to prepare, is left for after those pages
 * are committed.
 */
async function commitBatch(sink: PageSink, queue: PageQueue, state: () => StateRow, head: { pos: Position; page: Fetched }, commit: (pages: PreparedPage[]) => Promise<boolean>): Promise<boolean> {
  const prepared: PreparedPage[] = [(await sink.prepare(state(), 0, head.pos, head.page))!];
  for (let more = sink.batches ? queue.ready() : undefined; more; more = queue.ready()) {
    let page: PreparedPage | undefined;
    try {
      page = await sink.prepare(state(), prepared.length, more.pos, more.page, true);
    } catch (err) {
      // the pages before it are loaded first; the failure is then the window's
      if (!(await commit(prepared))) return false;
      throw err;
    }
    if (page && !sharesRoots(prepared, page)) {
      prepared.push(page);
      continue;
    }
    if (!(await commit(prepared))) return false;
    // a page that shares root rows is ready as it is: it becomes the first of the next statement
    prepared.splice(0, prepared.length, page ?? (await sink.prepare(state(), 0, more.pos, more.page))!);
  }
  return commit(prepared);
}
