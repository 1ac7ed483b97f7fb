import { CancelledFailure, Context } from '@temporalio/activity';
import { HttpRetriableError, NON_RETRYABLE_CODES, PaginationLoopError, RestSyncError } from '../errors';
import type { Json, ResourcePlan } from '../plan/types';
import type { ActivityDeps } from './deps';
import type { FetchPagesInput, FetchPagesOutput } from './types';
import { fetchRaw } from './http/client';
import { applyAuth, publicToken } from './http/auth';
import { DEFAULT_MAX_RESPONSE_BYTES } from './http/send';
import { createPaginator, describeToken, stridedPaginator } from './paginators';
import { canStride } from '../plan/paginator';
import type { Paginator, RequestSpec } from './paginators/types';
import { selectRecords } from './select';
import { redact, resolveDeep } from './secrets';
import { claimState, readState, markDone, startIncremental, startedWindows, stateKey, windowKey, type StateRow } from './store/state';
import { keepLease, leaseLost } from './store/lease';
import { applyIncremental, filterIncremental, type IncrementalWindow } from './incremental';
import { logStart } from './store/run-log';
import { commitPage } from './store/commit';
import { evolveTable, readShape, type TableShape } from './store/tables';
import { prepareRows } from './store/rows';
import { datasetSchema, forDestination, stagingTable, resetStaging } from './store/dataset';
import { applyParent, exportPartitions, nextPartition, parentColumns, type PartitionKey } from './partitions';

/** A child resource's token: which parent record it is on, and the page token within it. */
interface ChildToken {
  p: PartitionKey | null;
  t: Json;
}

/** Where the next page is: the page token, and for a child the parent record it belongs to. */
interface Position {
  token: Json;
  partition?: { key: PartitionKey; vals: Record<string, Json> };
}

interface Fetched {
  records: unknown[];
  next: Json | null;
  /** incremental: the largest cursor value among the records kept */
  max?: Json;
}

/**
 * The fetch-page activity: pulls a window of consecutive pages of one resource, committing each
 * page together with the next paginator token, and returns only counts. It always starts from the
 * committed state, so an attempt after a crash or a retry resumes at the first uncommitted page.
 * The next page is fetched while the current one is written.
 */
export async function fetchPages(deps: ActivityDeps, given: FetchPagesInput): Promise<FetchPagesOutput> {
  const input = { ...given, resource: forDestination(given.resource) };
  const { resource, syncId } = input;
  const schema = datasetSchema(input.dataset);
  const spec = resource.paginator;
  const paginator = input.window && canStride(spec) ? stridedPaginator(spec, input.window.index, input.window.count, input.window.from) : createPaginator(spec);
  const target = resource.writeDisposition === 'replace' ? stagingTable(resource.table) : resource.table;
  const initial: Json = resource.parent ? ({ p: null, t: null } as unknown as Json) : paginator.initialToken();
  const key = keyOf(input);
  // records of the last page this call committed (the workflow decides on parallel windows by it)
  let committedRecords = 0;
  let state = await claimState(deps.db, schema, key, syncId, initial, async (trx) => {
    // the resource's first claim starts its staging table; its lanes and windows share it
    if (resource.writeDisposition === 'replace' && !input.window && !input.lane) await resetStaging(trx, schema, resource.table);
    if (resource.incremental) await startIncremental(trx, schema, resource.name, resource.incremental.initialValue ?? null, key);
    await logStart(trx, schema, syncId, resource.name);
  });
  const lease = await keepLease(deps.db, schema, input.lease);
  if (!state.done && !input.window && !input.lane && !resource.parent) {
    // a sync taken over: this resource's parallel windows had started, so they resume as they were
    const count = await startedWindows(deps.db, schema, resource.name, syncId);
    if (count > 0) {
      lease.stop();
      return { done: false, pages: state.pages, rows: state.rows, pagesNow: 0, striped: { from: state.token, count } };
    }
  }
  const incr = resource.incremental ? { start: state.startValue, end: resource.incremental.endValue ?? null } : undefined;
  const ctx = Context.current();
  const started = Date.now();
  let pagesNow = 0;
  let shape: TableShape | undefined = await readShape(deps.db, schema, target);
  // heartbeat details: the committed totals of this window's lane, for live status
  const lane = (input.window ?? input.lane)?.index ?? 0;
  const beat = setInterval(() => ctx.heartbeat({ lane, pages: state.pages, rows: state.rows }), 1000);
  const within = () => pagesNow < input.maxPages && Date.now() - started < input.maxSeconds * 1000;
  // `ahead`: 1 for the page prefetched while the current one is still being committed
  const where = (pos?: Position, ahead = 0) =>
    `resource "${resource.name}" page ${state.pages + 1 + ahead}` +
    (pos?.partition ? ` (parent ${resource.parent!.resource} ${JSON.stringify(pos.partition.vals)})` : '');
  const fetched = new Set<string>();
  try {
    let pos = state.done ? undefined : await locate(deps, schema, input, state);
    let pending = pos ? fetchAt(deps, input, paginator, pos, where(pos), ctx.cancellationSignal, incr) : undefined;
    while (pos && pending) {
      const page = await pending;
      const here = pos;
      fetched.add(positionKey(here));
      const nextPos = nextInSameStream(here, page.next);
      // Overlap: start the following page's request before writing this one.
      if (nextPos) refuseCycle(fetched, nextPos, where(here));
      pending = nextPos && within() && pagesNow + 1 < input.maxPages ? fetchAt(deps, input, paginator, nextPos, where(nextPos, 1), ctx.cancellationSignal, incr) : undefined;
      pending?.catch(() => undefined);
      if (lease.lost()) throw leaseLost(schema);
      const committed = await commit(deps, input, schema, target, shape, state, here, page, (s) => (shape = s));
      if (!committed) break; // another attempt moved the state: stop, the workflow asks again
      state = committed;
      committedRecords = page.records.length;
      pagesNow += 1;
      ctx.heartbeat({ lane, pages: state.pages, rows: state.rows });
      if (state.done || !within() || ctx.cancellationSignal.aborted) break;
      if (!nextPos) {
        pos = await locate(deps, schema, input, state);
        pending = pos ? fetchAt(deps, input, paginator, pos, where(pos), ctx.cancellationSignal, incr) : undefined;
      } else {
        pos = nextPos;
        pending ??= fetchAt(deps, input, paginator, pos, where(pos), ctx.cancellationSignal, incr);
      }
    }
  } catch (err) {
    // a cancelled sync: the activity reports cancellation, not a fault (its committed pages stay)
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`resource "${resource.name}": cancelled`, undefined, err as Error);
    // Each page has its own retry budget: after progress, a fault that a retry may fix ends the
    // window at its last committed page, and the workflow continues with a fresh activity (after
    // the server's Retry-After, as a durable timer). Only a page that fails every attempt of one
    // activity fails the resource.
    if (pagesNow > 0 && mayRetry(err)) {
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
        lastPage: { records: committedRecords, token: now.token },
      };
    }
    throw err;
  } finally {
    clearInterval(beat);
    lease.stop();
  }
  const now = (await readState(deps.db, schema, key))!;
  return { done: now.done, pages: now.pages, rows: now.rows, pagesNow, lastPage: { records: committedRecords, token: now.token } };
}

/** Could another attempt get past this error? Everything but the fatal codes (config, 4xx, data, loops). */
function mayRetry(err: unknown): boolean {
  return !(err instanceof RestSyncError && NON_RETRYABLE_CODES.includes(err.code));
}

/** The state row this call works on: the resource's, or one of its lanes' or parallel windows'. */
function keyOf(input: FetchPagesInput): string {
  return input.window ? windowKey(input.resource.name, input.window.index) : stateKey(input.resource.name, input.lane);
}

/** Where parallel windows' and lanes' pages file their parent records: after the sequential ones. */
const STRIPED_PAGES = 2 ** 40;

/**
 * The ordinal of a page among all pages of the resource in this sync, unique across its windows
 * or lanes (window w's j-th page is the (j·count + w)-th striped page), so child resources find
 * every parent record exactly once, in the order the API gave them.
 */
function partitionPage(input: FetchPagesInput, pages: number): number {
  const stripe = input.window ?? input.lane;
  return stripe ? STRIPED_PAGES + pages * stripe.count + stripe.index : pages;
}

/** A position as text: the parent record (children) and the page token. */
function positionKey(pos: Position): string {
  return JSON.stringify([pos.partition?.key ?? null, pos.token]);
}

/**
 * An API whose tokens cycle (A → B → A) never repeats the current token, so the paginators'
 * loop guard misses it: the window refuses a next position it has fetched already. Windows are
 * hundreds of pages by default; a cycle longer than one window is not detected.
 */
function refuseCycle(fetched: Set<string>, next: Position, where: string): void {
  if (fetched.has(positionKey(next))) {
    throw new PaginationLoopError(`${where}: pagination cycles: ${describeToken(next.token)} was fetched before in this window`);
  }
}

/** The position the committed state points at; for a child, the parent record it is on. Marks done when none is left. */
async function locate(deps: ActivityDeps, schema: string, input: FetchPagesInput, state: StateRow): Promise<Position | undefined> {
  const { resource } = input;
  if (!resource.parent) return { token: state.token };
  const tok = state.token as unknown as ChildToken;
  const inclusive = tok.t !== null && tok.p !== null;
  const after = tok.p && inclusive ? { page: tok.p.page, idx: tok.p.idx - 1 } : tok.p;
  const part = await nextPartition(deps.db, schema, input.syncId, resource.parent.resource, after, input.lane);
  if (!part) {
    await markDone(deps.db, schema, keyOf(input), input.syncId, state.pages);
    return undefined;
  }
  const token = inclusive ? tok.t : createPaginator(resource.paginator).initialToken();
  return { token, partition: part };
}

/** The next position inside the same parent record (or root resource); undefined when the paginator ended. */
function nextInSameStream(pos: Position, next: Json | null): Position | undefined {
  if (next === null) return undefined;
  return { token: next, partition: pos.partition };
}

function baseRequest(resource: ResourcePlan, deps: ActivityDeps): RequestSpec {
  const headers = resolveDeep(resource.headers as Json, deps.secrets) as Record<string, string>;
  return { method: resource.method, url: resource.path, params: { ...resource.params }, headers, json: resource.json };
}

async function fetchAt(
  deps: ActivityDeps,
  input: FetchPagesInput,
  paginator: Paginator,
  pos: Position,
  where: string,
  signal: AbortSignal,
  incr?: IncrementalWindow,
): Promise<Fetched> {
  const { resource, client } = input;
  try {
    let req = baseRequest(resource, deps);
    req.headers = { ...(resolveDeep(client.headers as Json, deps.secrets) as Record<string, string>), ...req.headers };
    if (pos.partition) req = applyParent(req, resource.parent!, pos.partition.vals);
    if (resource.incremental && incr) req = applyIncremental(req, resource.incremental, incr);
    req = paginator.applyToken(req, pos.token);
    req = await applyAuth(req, client.auth, deps.secrets);
    const limiter = deps.limits?.get(input.dataset, client, resource);
    const call = () => fetchRaw(deps.http, req, {
      baseUrl: client.baseUrl,
      timeoutMs: client.timeoutMs,
      maxResponseBytes: client.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      secrets: deps.secrets.known(),
      log: (m) => deps.log?.warn(m),
      signal,
      retryOnStatusCodes: resource.retry.retryOnStatusCodes,
      responseActions: resource.responseActions,
      where,
      onResponse: limiter ? (status, headers) => limiter.observe(status, headers) : undefined,
    });
    const raw = limiter ? await limiter.schedule(call) : await call();
    if (raw === 'ignored') return { records: [], next: null };
    const records = selectRecords(raw.body, resource.dataSelector, where);
    // the token is committed and returned: the auth is applied to each request, never stored
    const next = publicToken(paginator.nextToken({ ...raw, records }, pos.token), client.auth, deps.secrets.known());
    if (!resource.incremental || !incr) return { records, next };
    return { ...filterIncremental(records, resource.incremental, incr), next };
  } catch (err) {
    if (err instanceof RestSyncError && !err.message.includes(where)) err.message = `${where}: ${err.message}`;
    throw err;
  }
}

async function commit(
  deps: ActivityDeps,
  input: FetchPagesInput,
  schema: string,
  target: string,
  shape: TableShape | undefined,
  state: StateRow,
  pos: Position,
  page: Fetched,
  setShape: (s: TableShape) => void,
): Promise<StateRow | undefined> {
  const { resource } = input;
  const where = `resource "${resource.name}" page ${state.pages + 1}`;
  const prepared = prepareRows(page.records, {
    primaryKey: resource.primaryKey,
    dedupe: resource.writeDisposition !== 'append',
    where,
    extra: pos.partition ? parentColumns(resource, pos.partition.vals) : undefined,
    owners: shape?.owners,
    warn: (m) => deps.log?.warn(m),
  });
  if (prepared.rows.length > 0 || !shape) {
    const evolved = await evolveTable(deps.db, shape, {
      schema,
      table: target,
      pageTypes: prepared.types,
      primaryKey: resource.writeDisposition === 'append' ? [] : resource.primaryKey,
      hints: resource.columns,
      keys: prepared.keys,
    });
    for (const w of evolved.widened) deps.log?.warn(`${where}: column "${w.column}" widened from ${w.from} to ${w.to} to keep a value`);
    shape = evolved.shape;
    setShape(shape);
  }
  const columns = new Map([...prepared.types.keys()].map((c) => [c, shape!.columns.get(c) ?? 'text']));
  const root = !resource.parent;
  const nextToken: Json = root ? page.next : ({ p: pos.partition!.key, t: page.next } as unknown as Json);
  const committed = await commitPage(deps.db, {
    schema,
    table: target,
    columns,
    rows: prepared.rows,
    primaryKey: resource.primaryKey,
    disposition: resource.writeDisposition,
    resource: keyOf(input),
    syncId: input.syncId,
    expectedPages: state.pages,
    nextToken,
    done: root && page.next === null,
    partitions: exportPartitions(page.records, resource.exportFields),
    partitionOf: { resource: resource.name, page: partitionPage(input, state.pages) },
    maxValue: page.max,
  });
  return committed ? { ...state, token: nextToken, pages: committed.pages, rows: committed.rows, done: root && page.next === null } : undefined;
}
