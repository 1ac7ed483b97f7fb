import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { HttpFatalError, HttpRetriableError, RestSyncError } from '../../errors';
import type { Json, ResponseAction } from '../../plan/types';
import type { RequestSpec } from '../paginators/types';
import { redact } from '../secrets';
import { requestBody } from './body';
import { parseJsonBody } from './json';
import { send } from './send';
import { publicUrl } from './urls';

/** An answer before records are selected. */
export interface RawPage {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  url: string;
}

export interface FetchOptions {
  baseUrl: string;
  /** bounds the whole exchange (client.timeout) */
  timeoutMs: number;
  /** bounds the decompressed body (client.max_response_bytes) */
  maxResponseBytes: number;
  /** the secret values handed out: scrubbed from messages, kept from other origins and from `url` */
  secrets: string[];
  /** the worker's log: secrets withheld from another origin */
  log?: (message: string) => void;
  signal?: AbortSignal;
  retryOnStatusCodes?: number[];
  responseActions: ResponseAction[];
  /** `resource "users" page 3`, for messages */
  where: string;
  /** sees every answer's status and headers (rate-limit hints) */
  onResponse?: (status: number, headers: Record<string, string>) => void;
}

/** Statuses that a later attempt may well get past. */
const RETRIABLE = new Set([408, 429, 500, 502, 503, 504]);

/** One keep-alive client per worker: sockets are reused across pages and activities. */
export function createHttp(): AxiosInstance {
  return axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
    responseType: 'text',
    transformResponse: [(d) => d],
    validateStatus: () => true,
    maxRedirects: 0, // redirects are followed by `send`, which keeps secrets from other origins
  });
}

/** dlt joins like urljoin with a trailing-slash base: the base URL's own path is kept. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`).toString();
}

function serializeParams(params: Record<string, Json>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  return q.toString();
}

/** Retry-After in ms: delta seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function matches(action: ResponseAction, status: number, text: string): boolean {
  if (action.statusCode !== undefined && action.statusCode !== status) return false;
  if (action.content !== undefined && !text.includes(action.content)) return false;
  return action.statusCode !== undefined || action.content !== undefined;
}

/**
 * The first `n` characters of a body, scrubbed before the cut: the scrubber sees 4 KiB more, so
 * a secret that starts inside the first `n` characters is replaced whole, not cut in half.
 */
function scrubbedHead(text: string, n: number, secrets: string[]): string {
  return redact(text.slice(0, n + 4096), secrets).slice(0, n);
}

/**
 * Fetches one page and sorts the outcome: a JSON body, an ignored answer (response_actions), a
 * fault worth retrying (network, 408/429/5xx, a body that is not JSON) or a fatal status. Every
 * message is scrubbed of secrets before it is cut or formatted; the page's `url` holds none.
 */
export async function fetchRaw(client: AxiosInstance, req: RequestSpec, o: FetchOptions): Promise<RawPage | 'ignored'> {
  try {
    return await classify(client, req, o);
  } catch (err) {
    if (err instanceof RestSyncError) err.message = redact(err.message, o.secrets);
    throw err;
  }
}

async function classify(client: AxiosInstance, req: RequestSpec, o: FetchOptions): Promise<RawPage | 'ignored'> {
  const base = joinUrl(o.baseUrl, req.url);
  const qs = serializeParams(req.params);
  const body = requestBody(req);
  const sent = await send(client, { method: req.method, url: qs ? `${base}${base.includes('?') ? '&' : '?'}${qs}` : base, headers: body.headers, data: body.data, untyped: body.untyped }, o);
  const res = sent.res;
  const url = publicUrl(sent.url, [], o.secrets);
  const text = typeof res.data === 'string' ? res.data : String(res.data ?? '');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = String(v);
  o.onResponse?.(res.status, headers);
  const action = o.responseActions.find((a) => matches(a, res.status, text));
  if (action?.action === 'ignore') return 'ignored';
  const status = res.status;
  if (status >= 400 || action?.action === 'retry') {
    const snippet = scrubbedHead(text, 200, o.secrets).replace(/\s+/g, ' ');
    const msg = `${o.where}: ${req.method} ${sent.url} returned HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
    if (RETRIABLE.has(status) || o.retryOnStatusCodes?.includes(status) || action?.action === 'retry') {
      throw new HttpRetriableError(msg, status, retryAfterMs(headers['retry-after']));
    }
    throw new HttpFatalError(msg, status);
  }
  if (status === 204 || text.trim() === '') return { status, headers, body: null, url };
  try {
    return { status, headers, body: parseJsonBody(text), url };
  } catch {
    const kind = headers['content-type'] ?? 'unknown content type';
    const start = JSON.stringify(scrubbedHead(text, 60, o.secrets));
    throw new HttpRetriableError(`${o.where}: ${url} returned HTTP ${status} with a body that is not JSON (${kind}; ${text.length} bytes, starts ${start})`, status);
  }
}
