import { CancelledFailure, Context } from '@temporalio/activity';
import { HttpRetriableError, NON_RETRYABLE_CODES, PaginationLoopError, RestSyncError } from '../../errors';
import type { ActivityDeps } from '../deps';
import type { OAuthTokens } from '../http/auth';
import type { NameCache } from '../store/names';
import type { FetchPagesInput, FetchPagesOutput } from '../types';
import { describeToken } from '../paginators';
import { redact } from '../secrets';
import { claimState, readState, startedWindows, type StateRow } from '../store/state';
import { startIncremental } from '../store/incremental-state';
import { keepLease, leaseLost } from '../store/lease';
import { logStart } from '../store/run-log';
import { datasetSchema, forDestination, stagingTable, resetStaging } from '../store/dataset';
import { syncLoadId } from '../store/loads';
import { locate } from './locate';
import { advance, CHILD_START, positionText, stripeKey, stripeOf, windowKeyPrefix, type Position, type Stripe } from './position';
import { createPageSink } from './sink';
import { createPageSource, stripePaginator } from './source';

/** What the fetch path closes over: the worker's dependencies, its OAuth2 tokens and normalized names (see createActivities). */
export type FetchDeps = ActivityDeps & { tokens: OAuthTokens; names: NameCache };

/**
 * The fetch-page activity: pulls a window of consecutive pages of one resource's stripe,
 * committing each page together with the next position, and returns only counts. It always
 * starts from the committed state, so an attempt after a crash or a retry resumes at the first
 * uncommitted page. The next page is fetched while the current one is written.
 */
export async function fetchPages(deps: FetchDeps, given: FetchPagesInput): Promise<FetchPagesOutput> {
  const input = { ...given, resource: forDestination(given.resource) };
  const { resource } = input;
  const schema = datasetSchema(input.dataset);
  const stripe = stripeOf(input);
  const key = stripeKey(resource.name, stripe);
  const ctx = Context.current();
  const table = resource.writeDisposition === 'replace' ? stagingTable(resource.table) : resource.table;
  let state = await claim(deps, input, schema, stripe, resource.parent ? CHILD_START : stripePaginator(resource.paginator, stripe).initialToken());
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
  // heartbeat details: the committed totals of this stripe, for live status
  const lane = stripe.kind === 'whole' ? 0 : stripe.index;
  const beat = () => ctx.heartbeat({ lane, pages: state.pages, rows: state.rows });
  const beating = setInterval(beat, 1000);
  const within = (ahead = 0) => pagesNow + ahead < input.maxPages && Date.now() - started < input.maxSeconds * 1000;
  // `ahead`: 1 for the page prefetched while the current one is still being committed
  const where = (pos: Position, ahead = 0) =>
    `resource "${resource.name}" page ${state.pages + 1 + ahead}` +
    (pos.parent ? ` (parent ${resource.parent!.resource} ${JSON.stringify(pos.parent.vals)})` : '');
  const fetch = (pos: Position, ahead = 0) => {
    const pending = source.fetch(pos, where(pos, ahead));
    pending.catch(() => undefined); // awaited below, or dropped when the window ends first
    return pending;
  };
  const fetched = new Set<string>();
  const walk = { deps, schema, input, stripe };
  try {
    let pos = state.done ? undefined : await locate(walk, state, source.initialToken);
    let pending = pos && fetch(pos);
    while (pos && pending) {
      const page = await pending;
      fetched.add(positionText(pos));
      const next = advance(pos, page.next);
      if (next) refuseCycle(fetched, next, where(pos));
      // overlap: the following page's request starts before this one is written
      pending = next && within(1) ? fetch(next, 1) : undefined;
      if (lease.lost()) throw leaseLost(schema);
      const committed = await sink.commit(state, pos, page);
      if (!committed) break; // another attempt moved the state: stop, the workflow asks again
      [state, lastRecords, pagesNow] = [committed, page.records.length, pagesNow + 1];
      beat();
      if (state.done || !within() || ctx.cancellationSignal.aborted) break;
      pos = next ?? (await locate(walk, state, source.initialToken));
      pending ??= pos && fetch(pos);
    }
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`resource "${resource.name}": cancelled`, undefined, err as Error);
    return interrupted(deps, schema, key, err, { pagesNow, lastRecords });
  } finally {
    clearInterval(beating);
    lease.stop();
  }
  const now = (await readState(deps.db, schema, key))!;
  return { done: now.done, pages: now.pages, rows: now.rows, pagesNow, lastPage: { records: lastRecords, token: now.token } };
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
 * An API whose tokens cycle (A → B → A) never repeats the current token, so the paginators'
 * loop guard misses it: the window refuses a next position it has fetched already. Windows are
 * hundreds of pages by default; a cycle longer than one window is not detected.
 */
function refuseCycle(fetched: Set<string>, next: Position, where: string): void {
  if (fetched.has(positionText(next))) {
    throw new PaginationLoopError(`${where}: pagination cycles: ${describeToken(next.token)} was fetched before in this window`);
  }
}
