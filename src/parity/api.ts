import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The API the parity check runs dlt and rest-sync against: the shapes dlt's own rest_api test
 * suite mocks (posts paged by number with a `next_page` link, by offset, by cursor, by a Link
 * header; comments per post; post details; posts with nested reactions and authors), served
 * over HTTP so both tools make real requests. Every answer is a pure function of the request.
 */
export const POSTS = 25;
export const PAGE_SIZE = 5;
export const COMMENTS_PER_POST = 50;

type Query = URLSearchParams;
type Answer = { status?: number; body: unknown; headers?: Record<string, string> };

const posts = (n = POSTS) => Array.from({ length: n }, (_, i) => ({ id: i, title: `Post ${i}` }));
const comments = (postId: number) =>
  Array.from({ length: COMMENTS_PER_POST }, (_, i) => ({ id: i, post_id: postId, body: `Comment ${i} for post ${postId}` }));
const nestedPosts = () =>
  posts().map((p) => ({
    ...p,
    author: { name: `Author ${p.id % 3}`, address: { city: `City ${p.id % 2}` } },
    reactions: Array.from({ length: 3 }, (_, j) => ({ id: j, kind: `r${j}`, users: [`u${j}`, `u${j + 1}`] })),
    tags: p.id % 2 ? ['odd', 'post'] : [],
  }));

/**
 * Records for the column-type case: values for each dlt data type a hint declares (as strings or
 * numbers, which both loaders coerce) beside inferred ones (text, double, bool, ISO timestamp,
 * nested object, list of integers).
 */
const typedRecords = () =>
  Array.from({ length: 3 }, (_, i) => ({
    id: i,
    title: `Typed ${i}`,
    score: i + 0.5,
    flag: i % 2 === 0,
    seen_at: `2024-01-0${i + 1}T03:04:05Z`,
    meta: { source: 'api', rank: i },
    codes: [i, i + 1],
    t: `text ${i}`,
    v5: `ab${i}`,
    d: '2.5',
    b: 'true',
    ts: '2024-01-02T03:04:05+02:00',
    ts3: '2024-01-02T03:04:05.123456Z',
    naive: '2024-01-02T03:04:05+02:00',
    naive3: '2024-01-02T03:04:05.123456Z',
    day: '2024-01-02',
    tm: '10:20:30',
    tm3: '10:20:30.123456',
    small: 300 + i,
    int: 70000 + i,
    big: 9007199254740991,
    bin: 'aGVsbG8=',
    j: { a: i },
    dec: '1.5',
    money: 12.34,
    w: '12345',
  }));

/** `?page=N` paging as dlt's mock does: `total_pages`, and a `next_page` URL carrying only the page. */
function byPageNumber(url: URL, records: unknown[], key: string | null = 'data', base = 1): unknown {
  const page = Number(url.searchParams.get('page') ?? base);
  const total = Math.ceil(records.length / PAGE_SIZE);
  const slice = records.slice((page - base) * PAGE_SIZE, (page - base + 1) * PAGE_SIZE);
  if (key === null) return slice;
  const out: Record<string, unknown> = { [key]: slice, page, total_pages: total };
  if (page + 1 < total + base) out.next_page = `${url.origin}${url.pathname}?page=${page + 1}`;
  return out;
}

function headerLink(url: URL): Answer {
  const page = Number(url.searchParams.get('page') ?? 1);
  const total = Math.ceil(POSTS / PAGE_SIZE);
  const headers: Record<string, string> = {};
  if (page < total) headers.Link = `<${url.origin}${url.pathname}?page=${page + 1}>; rel="next"`;
  return { body: posts().slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE), headers };
}

/** The next page number in a `cursor` header, as dlt's header-cursor mock sends it. */
function headerCursor(url: URL): Answer {
  const page = Number(url.searchParams.get('page') ?? 1);
  const headers: Record<string, string> = page < Math.ceil(POSTS / PAGE_SIZE) ? { cursor: String(page + 1) } : {};
  return { body: posts().slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE), headers };
}

function offsetLimit(q: Query): unknown {
  const offset = Number(q.get('offset') ?? 0);
  const limit = Number(q.get('limit') ?? 10);
  return { data: posts().slice(offset, offset + limit), total_records: POSTS, offset, limit };
}

function cursor(q: Query): unknown {
  const at = Number(q.get('cursor') ?? 0);
  const next = at + PAGE_SIZE < POSTS ? at + PAGE_SIZE : null;
  return { data: posts().slice(at, at + PAGE_SIZE), next_cursor: next };
}

/** The answer to one request, or undefined for a path the API does not have (404). */
function route(url: URL): Answer | undefined {
  const p = url.pathname;
  const q = url.searchParams;
  const missing = /^\/posts\/(\d+)\/some_details_404$/.exec(p);
  if (missing) return Number(missing[1]) < 1 ? { body: { id: Number(missing[1]), body: 'details' } } : { status: 404, body: { error: 'not found' } };
  const m = /^\/posts\/(\d+)(\/comments)?$/.exec(p);
  if (m) return { body: m[2] ? byPageNumber(url, comments(Number(m[1]))) : { id: Number(m[1]), body: `Post body ${m[1]}` } };
  switch (p) {
    case '/posts':
      return { body: byPageNumber(url, posts()) };
    case '/posts_no_key':
      return { body: byPageNumber(url, posts(), null) };
    case '/posts_zero_based':
      return { body: byPageNumber(url, posts(), 'data', 0) };
    case '/posts_under_a_different_key':
      return { body: byPageNumber(url, posts(), 'many-results') };
    case '/posts_header_link':
      return headerLink(url);
    case '/posts_header_cursor':
      return headerCursor(url);
    case '/posts_offset_limit':
      return { body: offsetLimit(q) };
    case '/posts_cursor':
      return { body: cursor(q) };
    case '/typed':
      return { body: byPageNumber(url, typedRecords()) };
    case '/posts_nested':
      return { body: byPageNumber(url, nestedPosts()) };
    case '/post_comments':
      return { body: byPageNumber(url, comments(Number(q.get('post_id') ?? 0))) };
    case '/post_detail':
      return { body: { id: Number(q.get('post_id') ?? 0), body: `Post body ${q.get('post_id') ?? 0}` } };
    default:
      return undefined;
  }
}

export interface ParityApi {
  url: string;
  close(): Promise<void>;
}

export async function startParityApi(): Promise<ParityApi> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const answer = route(url) ?? { status: 404, body: { error: `no route ${url.pathname}` } };
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
