import { HttpFatalError, placed, RestSyncError } from '../../errors';
import { canStride } from '../../plan/paginator';
import type { Json, PaginatorSpec } from '../../plan/types';
import type { ActivityDeps } from '../deps';
import type { FetchPagesInput } from '../types';
import { fetchRaw, type FetchOptions } from '../http/client';
import { applyAuth, isTokenAuth, publicToken, type AuthContext, type OAuthTokens } from '../http/auth';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../http/send';
import { createPaginator, stridedPaginator, type AutoLog, type Paginator, type RequestSpec } from '../paginators';
import { selectRecords } from '../select';
import { resolveDeep } from '../secrets';
import { applyIncremental, filterIncremental, type IncrementalWindow } from '../incremental';
import { applyParent, expandRequest, parentColumns } from '../partitions';
import { compileSteps } from '../steps';
import { readParentIncremental } from '../store/incremental-state';
import { datasetSchema } from '../store/dataset';
import type { Position, Stripe } from './position';
import { parentKeyOf, parentWindow } from './parent-incremental';

/** One page as fetched: its records (incremental: those inside the window) and the paginator's next token. */
export interface Fetched {
  records: unknown[];
  next: Json | null;
  /** incremental: the best cursor value among the records kept, and the dedup hashes of those at it */
  max?: Json;
  hashes?: string[];
  /** per_parent incremental: the parent record's key and the window the page used */
  parentIncremental?: { key: Json; window: IncrementalWindow };
}

/** Where pages come from: the resource's request, auth, limiter, HTTP client, selector and paginator, for one activity call. */
export interface PageSource {
  /** the first token of the stripe (a child's first token within each parent record) */
  initialToken(): Json;
  /** the page at `pos`; `where` names it in errors */
  fetch(pos: Position, where: string): Promise<Fetched>;
  /** the position of the page after `pos` unless that one is the last (a parallel window's pages; see Paginator.predictNext) */
  predict?(pos: Position): Position;
}

/** The paginator of a stripe: a parallel window steps over the other windows' pages. */
export function stripePaginator(spec: PaginatorSpec, stripe: Stripe, log?: AutoLog): Paginator {
  return stripe.kind === 'window' && canStride(spec) ? stridedPaginator(spec, stripe.index, stripe.count, stripe.from) : createPaginator(spec, log);
}

/**
 * Builds the page source of one activity call: everything that does not change from page to page
 * (the paginator, the base request with its headers resolved, the limiter, the HTTP options) is
 * set up once; auth is applied to each request and never stored.
 */
export function createPageSource(deps: ActivityDeps & { tokens: OAuthTokens }, input: FetchPagesInput, stripe: Stripe, signal: AbortSignal, incr?: IncrementalWindow): PageSource {
  const { resource, client } = input;
  const paginator = stripePaginator(resource.paginator, stripe, (level, m) => deps.log?.[level](`resource "${resource.name}": ${m}`));
  const resolved = (h: unknown) => resolveDeep(h as Json, deps.secrets) as Record<string, string>;
  const headers = { ...resolved(client.headers), ...resolved(resource.headers) };
  // the resource's plain headers are templates (dlt formats them); client headers and secrets are not
  const templateHeaders = Object.keys(resource.headers).filter((k) => typeof resource.headers[k] === 'string');
  const base: RequestSpec = { method: resource.method, url: resource.path, params: { ...resource.params }, headers, json: resource.json, ...(resource.data !== undefined ? { data: resource.data } : {}) };
  const limiter = deps.limits?.get(input.dataset, client, resource);
  // dlt: the endpoint's own auth replaces the client's
  const auth = resource.auth ?? client.auth;
  const options: Omit<FetchOptions, 'where' | 'secrets'> = {
    baseUrl: client.baseUrl,
    timeoutMs: client.timeoutMs,
    maxResponseBytes: client.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    log: (m) => deps.log?.warn(m),
    signal,
    retryOnStatusCodes: resource.retry.retryOnStatusCodes,
    responseActions: resource.responseActions,
    onResponse: limiter ? (status, h) => limiter.observe(status, h) : undefined,
  };

  /** The request for the page at `pos` in incremental window `w`, without auth. */
  const requestAt = (pos: Position, w: IncrementalWindow | undefined): RequestSpec => {
    let req = pos.parent ? applyParent(base, resource.parent!, pos.parent.vals) : base;
    if (resource.incremental && w) req = applyIncremental(req, resource.incremental, w);
    return paginator.applyToken(expandRequest(req, templateHeaders), pos.token);
  };

  const steps = compileSteps(resource.processingSteps);
  const authCtx: AuthContext = { ...deps, limiter, signal, timeoutMs: client.timeoutMs, baseUrl: client.baseUrl };

  /** One exchange of `unsigned`; a token the API refuses (401) is dropped and the request sent once more with a fresh one. */
  const exchange = async (unsigned: RequestSpec, where: string, again = isTokenAuth(auth)): Promise<Awaited<ReturnType<typeof fetchRaw>>> => {
    const req = await applyAuth(unsigned, auth, authCtx);
    const call = () => fetchRaw(deps.http, req, { ...options, secrets: deps.secrets.known(), where });
    try {
      return limiter ? await limiter.schedule(call) : await call();
    } catch (err) {
      if (!again || !(err instanceof HttpFatalError) || err.status !== 401) throw err;
      deps.log?.warn(`${where}: HTTP 401 with a token obtained at run time: a new token is requested and the request sent once more`);
      deps.tokens.invalidate(auth, authCtx);
      return exchange(unsigned, where, false);
    }
  };
  /** dlt's processing_steps on the records kept (after selection and the incremental window) */
  const processed = async (records: unknown[]) => (steps ? steps(records) : records);

  /** per_parent: the parent record's own window, from its row (read again for each page: the row moves with each commit). */
  const parentIncremental = async (pos: Position): Promise<Fetched['parentIncremental']> => {
    if (!resource.incremental?.perParent || !pos.parent) return undefined;
    const key = parentKeyOf(resource, pos.parent.vals);
    const row = await readParentIncremental(deps.db, datasetSchema(input.dataset), resource.name, key);
    return { key, window: parentWindow(resource.incremental, row, input.syncId) };
  };

  const fetchAt = async (pos: Position, where: string): Promise<Fetched> => {
    const perParent = await parentIncremental(pos);
    const w = perParent?.window ?? incr;
    const raw = await exchange(requestAt(pos, w), where);
    if (raw === 'ignored') return { records: [], next: null };
    const records = selectRecords(raw.body, resource.dataSelector, where);
    // the token is committed and returned: the auth is applied to each request, never stored
    const next = publicToken(paginator.nextToken({ ...raw, records }, pos.token), auth, deps.secrets.known());
    if (!resource.incremental || !w) return { records: await processed(records), next };
    const fromParent = pos.parent ? parentColumns(resource, pos.parent.vals, true) : undefined;
    const kept = filterIncremental(records, resource.incremental, w, where, resource.primaryKey, fromParent);
    // row_order: dlt closes a root resource's pages once the records left the range (never a child's)
    const stop = kept.stop && !resource.parent;
    if (stop && next !== null) deps.log?.info?.(`${where}: row_order ${resource.incremental.rowOrder}: records past the incremental range, no further page is fetched`);
    return { records: await processed(kept.records), max: kept.max, hashes: kept.hashes, next: stop ? null : next, ...(perParent ? { parentIncremental: perParent } : {}) };
  };

  const predictNext = paginator.predictNext;
  return {
    initialToken: () => paginator.initialToken(),
    ...(predictNext && !resource.parent ? { predict: (pos: Position) => ({ token: predictNext(pos.token) }) } : {}),
    async fetch(pos, where) {
      try {
        return await fetchAt(pos, where);
      } catch (err) {
        throw err instanceof RestSyncError ? placed(err, where) : err;
      }
    },
  };
}
