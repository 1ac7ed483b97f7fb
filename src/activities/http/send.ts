import type { AxiosInstance, AxiosResponse } from 'axios';
import { HttpFatalError, HttpRetriableError } from '../../errors';
import type { Json } from '../../plan/types';
import { holdsSecret } from '../secrets';
import { originOf, publicUrl } from './urls';

/** Largest decompressed answer when the config sets none (`client.max_response_bytes`). */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  data?: Json;
  /** a raw body that goes without a content type, as requests sends a string (axios would add one) */
  untyped?: boolean;
}

export interface SendOptions {
  /** secrets go to this URL's origin only */
  baseUrl: string;
  /** bounds the whole exchange, redirects and a slow body included */
  timeoutMs: number;
  /** bounds the decompressed body */
  maxResponseBytes: number;
  signal?: AbortSignal;
  /** every secret value handed out: headers and params holding one are secret */
  secrets: string[];
  where: string;
  log?: (message: string) => void;
}

/**
 * Sends one request and follows up to 5 redirects itself, so that it decides what each hop
 * carries: a hop to an origin other than `base_url`'s gets no header and no query param that
 * holds a secret (auth, api_key, a header from `$secret`), and never again later in the chain,
 * as curl and browsers do; the worker's log says so. One deadline covers the whole exchange
 * (axios' own timeout only bounds idle time, so an API dripping a byte a second would never
 * time out), and the decompressed body may not exceed `maxResponseBytes` (a gzip bomb stops
 * there, before memory grows).
 */
export async function send(client: AxiosInstance, first: Exchange, o: SendOptions): Promise<{ res: AxiosResponse<string>; url: string }> {
  const home = originOf(o.baseUrl);
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
  let hop = { ...first };
  for (let n = 0; ; n += 1) {
    if (originOf(hop.url) !== home) hop = foreign(hop, o);
    let res: AxiosResponse<string>;
    try {
      const headers = hop.untyped && hop.data !== undefined ? { ...hop.headers, 'content-type': false } : hop.headers;
      res = await client.request({ method: hop.method, url: hop.url, headers, data: hop.data, signal, maxRedirects: 0, maxContentLength: o.maxResponseBytes });
    } catch (err) {
      throw failure(err, hop.url, deadline.aborted, o);
    }
    const location = res.headers.location;
    if (!REDIRECT.has(res.status) || typeof location !== 'string') return { res, url: hop.url };
    if (n >= MAX_REDIRECTS) throw new HttpFatalError(`${o.where}: more than ${MAX_REDIRECTS} redirects, the last from ${hop.url}`, res.status);
    const toGet = res.status === 303 ? hop.method !== 'HEAD' : res.status <= 302 && hop.method === 'POST';
    hop = { ...hop, url: new URL(location, hop.url).toString(), ...(toGet ? { method: 'GET', data: undefined } : {}) };
  }
}

/** The exchange as sent to a foreign origin: no secret header, no secret param, said in the log. */
function foreign(hop: Exchange, o: SendOptions): Exchange {
  const headers = Object.fromEntries(Object.entries(hop.headers).filter(([, v]) => !holdsSecret(v, o.secrets)));
  const dropped = Object.keys(hop.headers).filter((k) => !(k in headers));
  const url = publicUrl(hop.url, [], o.secrets);
  if (dropped.length || url !== hop.url) {
    const what = [...dropped.map((h) => `header ${h.toLowerCase()}`), ...(url !== hop.url ? ['the query params holding secrets'] : [])].join(', ');
    o.log?.(`${o.where}: ${originOf(hop.url) ?? hop.url} is not the origin of base_url (${originOf(o.baseUrl)}): ${what} not sent there`);
  }
  return { ...hop, headers, url };
}

function failure(err: unknown, url: string, timedOut: boolean, o: SendOptions): Error {
  const e = err as { code?: string; message?: string };
  if (timedOut) return new HttpRetriableError(`${o.where}: request to ${url} got no complete answer within ${o.timeoutMs} ms (client.timeout)`);
  if (/maxContentLength/.test(e.message ?? '')) {
    return new HttpFatalError(`${o.where}: the response from ${url} is larger than ${o.maxResponseBytes} bytes (client.max_response_bytes), decompressed`);
  }
  return new HttpRetriableError(`${o.where}: request to ${url} failed: ${e.code ?? ''} ${e.message ?? err}`.trim());
}
