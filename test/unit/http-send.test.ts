import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createHttp, fetchRaw, type FetchOptions } from '../../src/activities/http/client';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../src/activities/http/send';
import { parseSourceConfig } from '../../src/config/validate';
import { HttpFatalError, HttpRetriableError } from '../../src/errors';
import { buildPlan } from '../../src/plan/build';

/** A local server; `seen` collects each request's URL and headers. */
async function serve(handler: http.RequestListener): Promise<{ url: string; seen: http.IncomingMessage[]; close(): Promise<void> }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const SECRETS = ['b3arer"T0k\\en-abcdef', 'hdr-S3cret-123456', 'qry-K3y-7890abc'];
const client = createHttp();
const opts = (baseUrl: string, more: Partial<FetchOptions> = {}): FetchOptions => ({
  baseUrl,
  timeoutMs: 5000,
  maxResponseBytes: 1024 * 1024,
  secrets: SECRETS,
  responseActions: [],
  where: 'resource "r" page 3',
  ...more,
});
const secretRequest = (url: string) => ({
  method: 'GET',
  url,
  params: { api_key: SECRETS[2], page: 2 },
  headers: { authorization: `Bearer ${SECRETS[0]}`, 'x-custom': SECRETS[1], 'x-plain': 'visible' },
});

/** `client.timeout` bounds the whole answer; `client.max_response_bytes` the decompressed body. */
describe('response bounds', () => {
  test('an API dripping a byte every 50 ms fails at the timeout, naming resource, page and client.timeout', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(t));
    });
    const started = Date.now();
    const err = await fetchRaw(client, { method: 'GET', url: 'items', params: {}, headers: {} }, opts(api.url, { timeoutMs: 400 })).catch((e) => e);
    await api.close();
    expect(err).toBeInstanceOf(HttpRetriableError);
    expect(err.message).toMatch(/^resource "r" page 3: request to http:\/\/127\.0\.0\.1:\d+\/items got no complete answer within 400 ms \(client\.timeout\)$/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('a 1 MB gzip bomb (1 GB inflated) fails at client.max_response_bytes, memory bounded', async () => {
    const member = gzipSync(Buffer.alloc(1024 * 1024)); // 1 MiB of zeros: ~1 KiB; gzip members concatenate
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const rss = process.memoryUsage().rss;
    const started = Date.now();
    const err = await fetchRaw(client, { method: 'GET', url: 'bomb', params: {}, headers: {} }, opts(api.url, { maxResponseBytes: 4 * 1024 * 1024 })).catch((e) => e);
    await api.close();
    expect(err).toBeInstanceOf(HttpFatalError);
    expect(err.message).toMatch(/^resource "r" page 3: the response from http:\/\/127\.0\.0\.1:\d+\/bomb is larger than 4194304 bytes \(client\.max_response_bytes\), decompressed$/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

/** Secrets go to the origin of base_url only; a redirect elsewhere drops them and says so. */
describe('redirects', () => {
  test('a 302 to another origin: no auth header, secret header or api_key there; the log says so', async () => {
    const other = await serve((_req, res) => res.end(JSON.stringify({ data: [1] })));
    const api = await serve((req, res) => {
      res.writeHead(302, { location: `${other.url}/moved${req.url!.slice(req.url!.indexOf('?'))}` });
      res.end();
    });
    const logged: string[] = [];
    const page = await fetchRaw(client, secretRequest('items'), opts(api.url, { log: (m) => logged.push(m) }));
    await Promise.all([api.close(), other.close()]);
    expect(page).toMatchObject({ status: 200, body: { data: [1] }, url: `${other.url}/moved?page=2` });
    expect(api.seen[0].headers.authorization).toBe(`Bearer ${SECRETS[0]}`);
    const there = other.seen.map((r) => `${r.url} ${JSON.stringify(r.headers)}`).join('\n');
    expect(other.seen).toHaveLength(1);
    expect(other.seen[0].headers['x-plain']).toBe('visible');
    for (const s of SECRETS) expect(there).not.toContain(s.slice(0, 8));
    expect(logged).toEqual([
      `resource "r" page 3: ${other.url} is not the origin of base_url (${api.url}): header authorization, header x-custom, the query params holding secrets not sent there`,
    ]);
  });

  test('a redirect within the origin keeps the credentials; a 303 turns a POST into a GET', async () => {
    const api = await serve((req, res) => {
      if (req.url!.startsWith('/items')) res.writeHead(303, { location: '/moved' }).end();
      else res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization }));
    });
    const page = await fetchRaw(client, { ...secretRequest('items'), method: 'POST' }, opts(api.url));
    await api.close();
    expect(page).toMatchObject({ body: { method: 'GET', auth: `Bearer ${SECRETS[0]}` } });
  });

  test('a redirect loop fails after 5 hops, the key scrubbed from the message', async () => {
    const api = await serve((req, res) => res.writeHead(302, { location: req.url! }).end());
    const err = await fetchRaw(client, secretRequest('items'), opts(api.url)).catch((e) => e);
    await api.close();
    expect(err).toBeInstanceOf(HttpFatalError);
    expect(err.message).toMatch(/^resource "r" page 3: more than 5 redirects, the last from http:\/\/127\.0\.0\.1:\d+\/items\?api_key=\*\*\*&page=2$/);
    expect(api.seen).toHaveLength(6);
  });

  test('an error body echoing a secret is scrubbed before it is cut to 200 characters', async () => {
    const api = await serve((_req, res) => res.writeHead(403).end(`${'x'.repeat(160)}${SECRETS[1]} and "${JSON.stringify(SECRETS[0]).slice(1, -1)}"`));
    const err = await fetchRaw(client, secretRequest('items'), opts(api.url)).catch((e) => e);
    await api.close();
    expect(err.message).toMatch(/returned HTTP 403: x{160}\*\*\* and "\*\*\*"$/);
  });
});

/** `client.max_response_bytes`: a positive integer, planned as `maxResponseBytes`; unset leaves the 256 MB default. */
describe('client.max_response_bytes', () => {
  const config = (value: unknown) => ({ client: { base_url: 'https://api.test', max_response_bytes: value }, resources: ['items'] });
  test.each([0, -1, 1.5, '1000'])('%p is refused, naming the key', (value) => {
    expect(() => parseSourceConfig(config(value))).toThrow(/client\.max_response_bytes/);
  });

  test('a positive integer is planned; unset, the activity uses 256 MB', () => {
    expect(buildPlan(parseSourceConfig(config(4096)), {}).client.maxResponseBytes).toBe(4096);
    expect(buildPlan(parseSourceConfig({ client: { base_url: 'https://api.test' }, resources: ['items'] }), {}).client.maxResponseBytes).toBeUndefined();
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(256 * 1024 * 1024);
  });
});
