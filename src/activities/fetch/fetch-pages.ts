import { CancelledFailure, Context } from '@temporalio/activity';
import { HttpRetriableError, NON_RETRYABLE_CODES, RestSyncError } from '../../errors';
import type { ActivityDeps } from '../deps';
import type { OAuthTokens } from '../http/auth';
import type { NameCache } from '../store/names';
import type { FetchPagesInput, FetchPagesOutput } from '../types';
import { redact } from '../secrets';
import { claimState, readState, startedWindows, type StateRow } from '../store/state';
import { startIncremental } from '../store/incremental-state';
import { keepLease, leaseLost } from '../store/lease';
import { logStart } from '../store/run-log';
import { datasetSchema, forDestination, stagingTable, resetStaging } from '../store/dataset';
import { syncLoadId } from '../store/loads';
import { CAUGHT_UP, locate } from './locate';
import { CHILD_START, siblingStripes, stripeKey, stripeOf, windowKeyPrefix, type Position, type Stripe } from './position';
import { createPageSink, type PageSink } from './sink';
import { createPageSource, stripePaginator, type Fetched } from './source';
import { PageQueue } from './page-queue';
import { sharesRoots, type PreparedPage } from './batch';

/** What the fetch path closes over: the worker's dependencies, its OAuth2 tokens and normalized names (see createActivities). */
export type FetchDeps = ActivityDeps & { tokens: OAuthTokens; names: NameCache };

/**
 * The fetch-page activity: pulls a window of consecutive pages of one resource's stripe,
 * committing each page together with the next position, and returns only counts. It always
 * starts from the committed state, so an attempt after a crash or a retry resumes at the first
 * uncommitted page. The next pages are fetched while the current ones are written (PageQueue),
 * and those that arrived meanwhile are committed together (commitBatch).
 */
export async function fetchPages(deps: FetchDeps, given: FetchPagesInput): Promise<FetchPagesOutput> {
  const input = { ...given, resource: forDestination(given.resource) };
  const { resource } = input;
  const schema = datasetSchema(input.dataset);
  const stripe = stripeOf(input);
  const key = stripeKey(resource.name, stripe);
  const ctx = Context.current();
  const table = resource.writeDisposition === 'replace' ? stagingTable(resource.table) : resource.table;
  const initial = (s: Stripe) => (resource.parent ? CHILD_START : stripePaginator(resource.paginator, s).initialToken());
  // the lanes or windows of a resource exist together before any commits: a child following it counts them
  for (const sibling of siblingStripes(stripe)) await claim(deps, input, schema, sibling, initial(sibling));
  let state = await claim(deps, input, schema, stripe, initial(stripe));
  const lease = await keepLease(deps.db, schema, input.lease);
  if (!state.done && stripe.kind === 'whole' && !resource.parent) {
    // a sync taken over: this resource's parallel windows had started, so they resume as they were
    const count = await startedWindows(deps.db, schema, windowKeyPrefix(resource.name), input.syncId);
    if (count > 0) {
      lease.stop();
      return { done: false, pages: state.pages, rows: state.rows, pagesNow: 0, striped: { from: state.token, count } };
    }
  }
  const incr = resource.incremental ? { start: state.startValue, end: resource.incremental.endValue ?? null, startHashes: state.startHashes } : undefined;
  const source = createPageSource(deps, input, stripe, ctx.cancellationSignal, incr);
  const sink = await createPageSink(deps, input, stripe, schema, table, await syncLoadId(deps.db, schema, input.syncId));
  const started = Date.now();
  let pagesNow = 0;
  // records of the last page this call committed (the workflow decides on parallel windows by it)
  let lastRecords = 0;
  // heartbeat details: the committed totals of this stripe, for live status (each second: a
  // heartbeat per commit cost a call into the SDK's core per page for nothing the status shows)
  const lane = stripe.kind === 'whole' ? 0 : stripe.index;
  const beat = () => ctx.heartbeat({ lane, pages: state.pages, rows: state.rows });
  const beating = setInterval(beat, 1000);
  const within = (ahead = 0) => pagesNow + ahead < input.maxPages && Date.now() - started < input.maxSeconds * 1000;
  // `ahead`: pages requested while the ones before them are not yet committed
  const where = (pos: Position, ahead = 0) =>
    `resource "${resource.name}" page ${state.pages + 1 + ahead}` +
    (pos.parent ? ` (parent ${resource.parent!.resource} ${JSON.stringify(pos.parent.vals)})` : '');
  const queue = new PageQueue({ fetch: (pos, named) => source.fetch(pos, named), within, where }, sink.batches ? AHEAD_PAGES : 2);
  const walk = { deps, schema, input, stripe, deadline: started + input.maxSeconds * 1000, signal: ctx.cancellationSignal };
  // a child that walked every committed record of its running parent: the workflow waits, then asks again
  let caughtUp = false;
  const find = async () => {
    const found = await locate(walk, state, source.initialToken);
    caughtUp = found === CAUGHT_UP;
    return found === CAUGHT_UP ? undefined : found;
  };
  /** Commits prepared pages; false when another attempt moved the state (nothing was written). */
  const commit = async (pages: PreparedPage[]): Promise<boolean> => {
    if (lease.lost()) throw leaseLost(schema);
    const committed = await sink.commitPrepared(state, pages);
    if (!committed) return false;
    [state, lastRecords, pagesNow] = [committed, pages[pages.length - 1].records, pagesNow + pages.length];
    queue.committed(pages.length);
    return true;
  };
  try {
    const first = state.done ? undefined : await find();
    if (first) queue.start(first);
    for (;;) {
      const head = await queue.next();
      if (!head) {
        // the window is over, or the chain ended: a child goes on with its next parent record
        if (!queue.ended || state.done || !within() || ctx.cancellationSignal.aborted) break;
        const pos = await find();
        if (!pos) break;
        queue.start(pos);
        continue;
      }
      const ok = await commitBatch(sink, queue, () => state, head, commit);
      if (!ok || state.done || ctx.cancellationSignal.aborted) break; // not ok: another attempt moved the state, the workflow asks again
    }
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`resource "${resource.name}": cancelled`, undefined, err as Error);
    return interrupted(deps, schema, key, err, { pagesNow, lastRecords });
  } finally {
    clearInterval(beating);
    lease.stop();
  }
  const now = (await readState(deps.db, schema, key))!;
  return {
    done: now.done,
    pages: now.pages,
    rows: now.rows,
    pagesNow,
    ...(caughtUp && !now.done ? { caughtUp: true } : {}),
    lastPage: { records: lastRecords, token: now.token },
  };
}

/**
 * The stripe's state for this sync, started at `initial` when the stored row belongs to an
 * earlier sync. The resource's first claim starts its staging table (its lanes and windows share
 * it), its incremental start value and its run-log line, in the same transaction.
 */
function claim(deps: ActivityDeps, input: FetchPagesInput, schema: string, stripe: Stripe, initial: StateRow['token']): Promise<StateRow> {
  const { resource, syncId } = input;
  const key = stripeKey(resource.name, stripe);
  return claimState(deps.db, schema, key, syncId, initial, async (trx) => {
    if (resource.writeDisposition === 'replace' && stripe.kind === 'whole') await resetStaging(trx, schema, resource.table);
    if (resource.incremental) await startIncremental(trx, schema, resource.name, resource.incremental, key);
    await logStart(trx, schema, syncId, resource.name);
  });
}

/**
 * How a window that failed ends. Each page has its own retry budget: after progress, a fault
 * that a retry may fix ends the window at its last committed page, and the workflow continues
 * with a fresh activity (after the server's Retry-After, as a durable timer). Only a page that
 * fails every attempt of one activity fails the resource.
 */
async function interrupted(deps: ActivityDeps, schema: string, key: string, err: unknown, done: { pagesNow: number; lastRecords: number }): Promise<FetchPagesOutput> {
  const { pagesNow, lastRecords } = done;
  if (pagesNow === 0 || (err instanceof RestSyncError && NON_RETRYABLE_CODES.includes(err.code))) throw err;
  const now = (await readState(deps.db, schema, key))!;
  const retryAfterMs = err instanceof HttpRetriableError ? err.retryAfterMs : undefined;
  // the output lands in workflow history: no secret may be in it
  return {
    done: now.done,
    pages: now.pages,
    rows: now.rows,
    pagesNow,
    interrupted: redact((err as Error).message ?? String(err), deps.secrets.known()),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    lastPage: { records: lastRecords, token: now.token },
  };
}

/**
 * Pages requested ahead of the commits, at most: while one commit runs, the next pages arrive,
 * and a resource whose pages may commit together (see batches) commits those that have arrived
 * in one statement. Resources that commit page by page fetch one page ahead.
 */
export const AHEAD_PAGES = 8;

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
