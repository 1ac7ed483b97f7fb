import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a mock route sees of a request. */
export interface MockRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** path parameters matched by `:name` segments */
  params: Record<string, string>;
  /** the request body as text ('' without one) */
  body: string;
}

export interface MockResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** a raw body instead of JSON (HTML error pages, truncated JSON) */
  raw?: string;
}

export type MockHandler = (req: MockRequest) => MockResponse;

/** Runs before every route; returns an answer to refuse the request, or undefined to let it through. */
export type MockGuard = (req: MockRequest) => MockResponse | undefined;

export interface MockRoute {
  method?: string;
  /** `/v2/accounts/:account/runs/` */
  path: string;
  handler: MockHandler;
}

export interface MockServer {
  url: string;
  /** requests served, by route path pattern */
  hits: Map<string, number>;
  close(): Promise<void>;
}

function match(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.replace(/\/$/, '').split('/');
  const b = path.replace(/\/$/, '').split('/');
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return undefined;
  }
  return params;
}

/**
 * A local HTTP API for tests, the demo and the benchmark: routes by path pattern, JSON answers,
 * and a `guard` (auth) that runs before every route.
 */
export async function startMockServer(routes: MockRoute[], guard?: MockGuard, port = 0): Promise<MockServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const send = (r: MockResponse) => {
      const body = r.raw ?? JSON.stringify(r.body ?? null);
      res.writeHead(r.status ?? 200, { 'content-type': r.raw !== undefined ? 'text/html' : 'application/json', ...r.headers });
      res.end(body);
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, params: {}, body: Buffer.concat(chunks).toString() }, send));
  });
  /** Answers one request, its body read: the guard, then the first matching route. */
  function route(base: MockRequest, send: (r: MockResponse) => void): void {
    const denied = guard?.(base);
    if (denied) return send(denied);
    for (const r of routes) {
      const params = (r.method ?? 'GET') === base.method ? match(r.path, base.path) : undefined;
      if (!params) continue;
      hits.set(r.path, (hits.get(r.path) ?? 0) + 1);
      try {
        return send(r.handler({ ...base, params }));
      } catch (err) {
        return send({ status: 500, body: { error: String(err) } });
      }
    }
    send({ status: 404, body: { error: `no route for ${base.method} ${base.path}` } });
  }
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic records: the same seed always gives the same rows. */
export function makeRecords(n: number, make: (i: number) => Record<string, unknown>): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

/** Bearer auth as APIs do it: 401 without the right token. */
export function bearerGuard(token: string): MockGuard {
  return (req) => (req.headers.authorization === `Bearer ${token}` ? undefined : { status: 401, body: { error: 'unauthorized' } });
}
