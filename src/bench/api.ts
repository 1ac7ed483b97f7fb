import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MannersGate, type ApiManners, type MannerStats } from './manners';

/**
 * How the bulk API pages: `?offset=&limit=` (no total), or `?cursor=` from `next_cursor`; or
 * `children`: the records come as a child resource, 100 per parent, the parents `PARENT_PAGE` a
 * cursor page (run only when asked for: `--variant children`).
 */
export type Variant = 'offset' | 'cursor' | 'children';
export const VARIANTS: Variant[] = ['offset', 'cursor'];
export const ALL_VARIANTS: Variant[] = [...VARIANTS, 'children'];
export const PAGE_SIZE = 100;
/** parents per page of the `children` variant: its parent pages take about as long as its children */
export const PARENT_PAGE = 5;

const EPOCH = Date.UTC(2024, 0, 1);
const CATEGORIES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

/**
 * Record `i` (0-based) as JSON text, 8 fields, built from `i` alone: the same N always gives the
 * same records. `amount` is never integral, so it is typed as a float from the first page on.
 */
export function recordJson(i: number): string {
  const id = i + 1;
  const created = new Date(EPOCH + id * 1000).toISOString();
  return (
    `{"id":${id},"name":"name ${id}","email":"user${id}@example.com","amount":${(id * 7919) % 100000}.5,` +
    `"active":${id % 3 !== 0},"created_at":"${created}","category":"${CATEGORIES[id % 5]}","score":${(id * 31) % 1000}}`
  );
}

function records(n: number, from: number, count: number): string {
  const parts: string[] = [];
  for (let i = from; i < Math.min(n, from + count); i++) parts.push(recordJson(i));
  return parts.join(',');
}

const encodeCursor = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
function decodeCursor(c: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(c, 'base64url').toString());
  if (!m) throw new Error(`bad cursor ${c}`);
  return Number(m[1]);
}

/** A page of the `children` variant's parents: ids 1..ceil(n / PAGE_SIZE), `PARENT_PAGE` a page. */
function parentsPage(n: number, cursor: string | null): string {
  const parents = Math.ceil(n / PAGE_SIZE);
  const from = cursor ? decodeCursor(cursor) : 0;
  const ids = Array.from({ length: Math.max(0, Math.min(PARENT_PAGE, parents - from)) }, (_, i) => from + i + 1);
  const next = from + PARENT_PAGE < parents ? `"${encodeCursor(from + PARENT_PAGE)}"` : 'null';
  return `{"data":[${ids.map((id) => `{"id":${id},"name":"parent ${id}"}`).join(',')}],"next_cursor":${next}}`;
}

/** The body of one request, or undefined for an unknown path. Pages are built on demand. */
export function pageBody(n: number, path: string, q: URLSearchParams): string | undefined {
  if (path === '/offset/items') {
    const offset = Number(q.get('offset') ?? 0);
    const limit = Math.min(PAGE_SIZE, Number(q.get('limit') ?? PAGE_SIZE));
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1) throw new Error('bad offset or limit');
    return `{"data":[${records(n, offset, limit)}]}`;
  }
  const child = /^\/parents\/(\d+)\/items$/.exec(path);
  if (child) return `{"data":[${records(n, (Number(child[1]) - 1) * PAGE_SIZE, PAGE_SIZE)}]}`;
  if (path === '/parents') return parentsPage(n, q.get('cursor'));
  if (path === '/cursor/items') {
    const c = q.get('cursor');
    const offset = c ? decodeCursor(c) : 0;
    const next = offset + PAGE_SIZE < n ? `"${encodeCursor(offset + PAGE_SIZE)}"` : 'null';
    return `{"data":[${records(n, offset, PAGE_SIZE)}],"next_cursor":${next}}`;
  }
  return undefined;
}

/** The bulk API in this process: node http with keep-alive, with the latency and rate limit asked for. */
export async function serveBulkApi(
  n: number,
  manners: ApiManners = {},
): Promise<{ url: string; requests(): number; gate: MannersGate; close(): Promise<void> }> {
  let requests = 0;
  const gate = new MannersGate(manners);
  // BENCH_API_TRACE=<file>: each request's arrival (ms since the epoch) and URL, to see where a run's time goes
  const trace = process.env.BENCH_API_TRACE ? fs.openSync(process.env.BENCH_API_TRACE, 'a') : undefined;
  const server = http.createServer((req, res) => {
    requests += 1;
    if (trace !== undefined) fs.writeSync(trace, `${Date.now()} ${req.url}\n`);
    if (!gate.admit()) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end('{"error":"rate limit exceeded"}');
      return;
    }
    gate.delay(() => answer(req, res));
  });
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    let status = 200;
    let body: string;
    try {
      body = pageBody(n, u.pathname, u.searchParams) ?? ((status = 404), '{"error":"not found"}');
    } catch (err) {
      status = 400;
      body = JSON.stringify({ error: String(err) });
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    gate,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

export interface ApiProcess {
  url: string;
  pid: number;
  /** requests served so far */
  requests(): Promise<number>;
  /** refusals and peak requests per second since the last `resetStats` */
  stats(): Promise<MannerStats>;
  resetStats(): void;
  close(): void;
}

/** The bulk API in a child process of its own, so its CPU neither shares the bench's event loop nor hides in its figures. */
export function startApiProcess(n: number, manners: ApiManners = {}): Promise<ApiProcess> {
  const child = fork(__filename, ['--serve', String(n), JSON.stringify(manners)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: ((m: { requests: number } & MannerStats) => void)[] = [];
  const ask = () => new Promise<{ requests: number } & MannerStats>((r) => (waiters.push(r), child.send('stats')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bulk API exited with code ${code}`)));
    child.on('message', (m: { url?: string; requests?: number } & MannerStats) => {
      if (m.requests !== undefined) waiters.shift()?.(m as { requests: number } & MannerStats);
      if (!m.url) return;
      resolve({
        url: m.url,
        pid: child.pid!,
        requests: async () => (await ask()).requests,
        stats: async () => {
          const { refused, peak } = await ask();
          return { refused, peak };
        },
        resetStats: () => void child.send('reset'),
        close: () => void child.kill(),
      });
    });
  });
}

/** The dlt rest_api source config of the bulk API: one resource, merged on `id`; `rate_limit` when the API has one. */
export function restApiConfig(url: string, variant: Variant, rateLimit?: number): Record<string, unknown> {
  if (variant === 'children') return childrenConfig(url, rateLimit);
  const paginator =
    variant === 'offset'
      ? { type: 'offset', limit: PAGE_SIZE, offset_param: 'offset', limit_param: 'limit', total_path: null, stop_after_empty_page: true }
      : { type: 'cursor', cursor_path: 'next_cursor', cursor_param: 'cursor' };
  return {
    client: { base_url: url, ...(rateLimit ? { rate_limit: rateLimit } : {}) },
    resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
    resources: [{ name: 'items', endpoint: { path: `/${variant}/items`, data_selector: 'data', paginator } }],
  };
}

if (require.main === module && process.argv[2] === '--serve') {
  void serveBulkApi(Number(process.argv[3]), JSON.parse(process.argv[4] ?? '{}') as ApiManners).then((api) => {
    process.on('message', (m) => (m === 'reset' ? api.gate.reset() : process.send!({ requests: api.requests(), ...api.gate.stats() })));
    process.on('disconnect', () => process.exit(0));
    process.send!({ url: api.url });
  });
}

/** The `children` variant's config: `parents` (cursor pages) and `items`, a parallelized child per parent, both merged on `id`. */
function childrenConfig(url: string, rateLimit?: number): Record<string, unknown> {
  return {
    client: { base_url: url, ...(rateLimit ? { rate_limit: rateLimit } : {}) },
    resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
    resources: [
      { name: 'parents', endpoint: { path: '/parents', data_selector: 'data', paginator: { type: 'cursor', cursor_path: 'next_cursor', cursor_param: 'cursor' } } },
      { name: 'items', parallelized: true, endpoint: { path: '/parents/{resources.parents.id}/items', data_selector: 'data', paginator: 'single_page' } },
    ],
  };
}
