import { CancelledFailure, Context } from '@temporalio/activity';
import { HttpRetriableError, NON_RETRYABLE_CODES, RestSyncError } from '../../errors';
import type { ActivityDeps } from '../deps';
import type { OAuthTokens } from '../http/auth';
import type { NameCache } from '../store/names';
import type { FetchPagesInput, FetchPagesOutput, WindowTakenOver } from '../types';
import { redact } from '../secrets';
import { claimStates, readState, readStates, startedWindows, type StateRow } from '../store/state';
import { startIncremental } from '../store/incremental-state';
import { keepLease, leaseLost } from '../store/lease';
import { logStart } from '../store/run-log';
import { datasetSchema, forDestination, stagingTable, resetStaging } from '../store/dataset';
import { syncLoadId } from '../store/loads';
import { WindowHolds } from '../store/window-holds';
import { CHILD_START, siblingStripes, stripeKey, stripeOf, windowKeyPrefix, type Stripe } from './position';
import { stripePaginator } from './source';
import { walkStripe, type StripeCall, type StripeProgress } from './walk-stripe';
import { holdWindow, watchSiblings } from './take-over';

export { AHEAD_PAGES } from './walk-stripe';

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
  const state = await claimStripes(deps, input, schema, stripe, initial);
  const lease = await keepLease(deps.db, schema, input.lease);
  if (!state.done && stripe.kind === 'whole' && !resource.parent) {
    // a sync taken over: this resource's parallel windows had started, so they resume as they were
    const count = await startedWindows(deps.db, schema, windowKeyPrefix(resource.name), input.syncId);
    if (count > 0) {
      lease.stop();
      return { done: false, pages: state.pages, rows: state.rows, pagesNow: 0, striped: { from: state.token, count } };
    }
  }
  const started = Date.now();
  const deadline = started + input.maxSeconds * 1000;
  const holds = stripe.kind === 'window' ? new WindowHolds(deps.db, schema, input.syncId) : undefined;
  const loadId = await syncLoadId(deps.db, schema, input.syncId);
  const call = (held: string): StripeCall => ({
    deps,
    input,
    schema,
    table,
    loadId,
    deadline,
    within: (pagesNow, ahead) => pagesNow + ahead < input.maxPages && (pagesNow + ahead < (input.minPages ?? 0) || Date.now() < deadline),
    signal: ctx.cancellationSignal,
    check: () => {
      if (lease.lost()) throw leaseLost(schema);
    },
    owns: () => !holds?.lost(held),
  });
  const own: StripeProgress = { state, pagesNow: 0, lastRecords: 0, caughtUp: false };
  // heartbeat details: the committed totals of this stripe, for live status (each second: a
  // heartbeat per commit cost a call into the SDK's core per page for nothing the status shows)
  const lane = stripe.kind === 'whole' ? 0 : stripe.index;
  const beating = setInterval(() => ctx.heartbeat({ lane, pages: own.state.pages, rows: own.state.rows }), 1000);
  const watch = holds && stripe.kind === 'window' ? { deps, schema, name: resource.name, stripe, holds, call, deadline, signal: ctx.cancellationSignal } : undefined;
  let tookOver: WindowTakenOver[] = [];
  // the windows' watcher, from the start of this call's own walk (take-over.ts)
  let watching: Promise<WindowTakenOver[]> | undefined;
  try {
    if (!watch || (await holdWindow(watch, key))) {
      if (watch) own.state = (await readState(deps.db, schema, key))!;
      const walk = walkStripe(call(key), stripe, own);
      if (watch) watching = watchSiblings(watch, walk.then(async () => (await readState(deps.db, schema, key))!.done).catch(() => false));
      await walk;
    }
    if (watch) {
      await watch.holds.release(key);
      if (watching) tookOver = await watching;
      else if ((await readState(deps.db, schema, key))!.done) tookOver = await watchSiblings(watch);
    }
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`resource "${resource.name}": cancelled`, undefined, err as Error);
    // awaited here: the finally below awaits too, and a rejection left pending meanwhile would count as unhandled
    return await interrupted(deps, schema, key, err, own);
  } finally {
    // windows taken over while this one was walked end before the call does
    await watching?.catch(() => undefined);
    clearInterval(beating);
    lease.stop();
    if (holds) await holds.release(key);
  }
  const now = (await readState(deps.db, schema, key))!;
  return {
    done: now.done,
    pages: now.pages,
    rows: now.rows,
    pagesNow: own.pagesNow,
    ...(own.caughtUp && !now.done ? { caughtUp: true } : {}),
    lastPage: { records: own.lastRecords, token: now.token },
    ...(tookOver.length > 0 ? { tookOver } : {}),
    ...(stripe.kind === 'whole' && !resource.parent && own.pagesNow > 0 ? { msPerPage: Math.round((Date.now() - started) / own.pagesNow) } : {}),
  };
}

/**
 * The stripe's state for this sync, with its siblings': the lanes or windows of a resource exist
 * together before any commits (a child following it counts them). Rows this sync has claimed
 * already are only read; the others are claimed in one upsert (8 windows starting at once, each
 * claiming its siblings row by row, took up to 0.6 s). A row started afresh starts, in the same
 * transaction, the resource's staging table (its lanes and windows share it), its incremental start
 * value and its run-log line.
 */
async function claimStripes(deps: ActivityDeps, input: FetchPagesInput, schema: string, stripe: Stripe, initial: (s: Stripe) => StateRow['token']): Promise<StateRow> {
  const { resource, syncId } = input;
  const stripes = [stripe, ...siblingStripes(stripe)];
  const keyOf = (s: Stripe) => stripeKey(resource.name, s);
  const own = keyOf(stripe);
  const known = await readStates(deps.db, schema, stripes.map(keyOf));
  const missing = stripes.filter((s) => known.get(keyOf(s))?.syncId !== syncId);
  if (missing.length === 0) return known.get(own)!;
  const claimed = await claimStates(deps.db, schema, missing.map((s) => ({ resource: keyOf(s), initialToken: initial(s) })), syncId, async (trx, key) => {
    if (resource.writeDisposition === 'replace' && stripe.kind === 'whole') await resetStaging(trx, schema, resource.table);
    if (resource.incremental) await startIncremental(trx, schema, resource.name, resource.incremental, key);
    await logStart(trx, schema, syncId, resource.name);
  });
  return claimed.get(own) ?? known.get(own)!;
}

/**
 * How a window that failed ends. Each page has its own retry budget: after progress, a fault
 * that a retry may fix ends the window at its last committed page, and the workflow continues
 * with a fresh activity (after the server's Retry-After, as a durable timer). Only a page that
 * fails every attempt of one activity fails the resource.
 */
async function interrupted(deps: ActivityDeps, schema: string, key: string, err: unknown, done: StripeProgress): Promise<FetchPagesOutput> {
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
