import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A cursor API of ids 0..n-1, `pageSize` a page, each page answered after `delayMs` (without blocking the test). */
export interface SlowApi {
  url: string;
  close(): Promise<void>;
}

export function startSlowApi(opts: { n: number; pageSize: number; delayMs: number }): Promise<SlowApi> {
  const server = http.createServer((req, res) => {
    const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('after') ?? 0);
    const data = Array.from({ length: Math.max(0, Math.min(opts.pageSize, opts.n - after)) }, (_, i) => ({ id: after + i }));
    const next = after + opts.pageSize < opts.n ? String(after + opts.pageSize) : null;
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, next })), opts.delayMs);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** A source config of one append resource over the slow API. */
export function appendSource(url: string, resource = 'items') {
  return {
    client: { base_url: url },
    resources: [
      {
        name: resource,
        primary_key: 'id',
        write_disposition: 'append',
        endpoint: { path: '/items', data_selector: 'data', paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'after' } },
      },
    ],
  };
}
