import { ConfigError, DataError, PaginationLoopError } from '../../src/errors';
import type { Json, PaginatorSpec } from '../../src/plan/types';
import {
  createPaginator,
  detectMode,
  stridedPaginator,
  LoopGuard,
  parseLinkHeader,
  type PageResponse,
  type Paginator,
  type RequestSpec,
} from '../../src/activities/paginators';
import { applyRequestOption } from '../../src/activities/paginators/request-option';

const ENDPOINT = 'https://api.example.com/v1/items';

function baseRequest(over: Partial<RequestSpec> = {}): RequestSpec {
  return { method: 'GET', url: ENDPOINT, params: {}, headers: {}, ...over };
}

interface FakePage {
  body?: unknown;
  headers?: Record<string, string>;
  records?: unknown[];
}

function page(p: FakePage, url = ENDPOINT): PageResponse {
  const body = p.body ?? {};
  const records = p.records ?? (Array.isArray(body) ? body : []);
  return { status: 200, headers: p.headers ?? {}, body, url, records };
}

/** Runs a paginator over fake pages; returns the requests made and the tokens seen. */
function drive(paginator: Paginator, pages: FakePage[], req: RequestSpec = baseRequest()) {
  const requests: RequestSpec[] = [];
  const tokens: Json[] = [];
  let token: Json | null = paginator.initialToken();
  for (const p of pages) {
    if (token === null) break;
    tokens.push(token);
    const r = paginator.applyToken(req, token);
    requests.push(r);
    token = paginator.nextToken(page(p, r.url), token);
  }
  return { requests, tokens, last: token };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i }));

const offsetSpec = (over: Partial<Extract<PaginatorSpec, { type: 'offset' }>> = {}): PaginatorSpec => ({
  type: 'offset', limit: 10, offset: 0, offsetParam: 'offset', limitParam: 'limit',
  totalPathExplicit: false, stopAfterEmptyPage: true, ...over,
});
const pageSpec = (over: Partial<Extract<PaginatorSpec, { type: 'page_number' }>> = {}): PaginatorSpec => ({
  type: 'page_number', basePage: 0, pageParam: 'page', totalPathExplicit: false, stopAfterEmptyPage: true, ...over,
});
const cursorSpec = (over: Partial<Extract<PaginatorSpec, { type: 'cursor' }>> = {}): PaginatorSpec => ({
  type: 'cursor', cursorPath: 'next_cursor', limitParam: 'limit', stopAfterEmptyPage: false, ...over,
});

describe('single_page', () => {
  test('one request, no next token', () => {
    const p = createPaginator({ type: 'single_page' });
    expect(p.initialToken()).toEqual({});
    const run = drive(p, [{ body: rows(3) }, { body: rows(3) }]);
    expect(run.requests).toEqual([baseRequest()]);
    expect(run.last).toBeNull();
  });
});

describe('json_link', () => {
  test.each([
    ['next', { next: 'https://api.example.com/v1/items?page=2' }, 'https://api.example.com/v1/items?page=2'],
    // dlt's JSONLinkPaginator looks at `next` only (next_url_path defaults to it): a link elsewhere ends the pages
    ['links.next (not looked at)', { links: { next: 'https://x.test/a?p=2' } }, null],
    ['_links.next.href (not looked at)', { _links: { next: { href: 'https://x.test/a?p=3' } } }, null],
    ['paging.next (not looked at)', { paging: { next: 'https://x.test/b' } }, null],
    ['pagination.next (not looked at)', { pagination: { next: 'https://x.test/c' } }, null],
    ['nextUrl (not looked at)', { nextUrl: 'https://x.test/d' }, null],
    ['relative path', { next: '/v2/items?page=2' }, 'https://api.example.com/v2/items?page=2'],
    ['relative query', { next: '?page=2' }, 'https://api.example.com/v1/items?page=2'],
    ['next null', { next: null }, null],
    ['next empty', { next: '' }, null],
    ['no next', { data: [] }, null],
  ])('default next_url_path `next`: %s', (_name, body, url) => {
    const next = createPaginator({ type: 'json_link' }).nextToken(page({ body }), { url: null });
    expect(next).toEqual(url === null ? null : { url });
  });

  test.each([
    ['dot path', 'meta.next_link'],
    ['JSONPath', '$.meta.next_link'],
    ['recursive JSONPath', '$..next_link'],
  ])('explicit next_url_path as %s', (_name, nextUrlPath) => {
    const p = createPaginator({ type: 'json_link', nextUrlPath });
    const body = { next: 'https://wrong.test', meta: { next_link: 'https://x.test/p2' } };
    expect(p.nextToken(page({ body }), { url: null })).toEqual({ url: 'https://x.test/p2' });
  });

  test('explicit path holding a number is a DataError', () => {
    const p = createPaginator({ type: 'json_link', nextUrlPath: 'next' });
    expect(() => p.nextToken(page({ body: { next: 2 } }), { url: null })).toThrow(DataError);
  });

  test('walks pages; the next URL replaces the query, as dlt follows it', () => {
    const p = createPaginator({ type: 'json_link' });
    const run = drive(
      p,
      [
        { body: { next: 'https://api.example.com/v1/items?per_page=5&page=2' } },
        { body: { next: 'https://api.example.com/v1/items?per_page=5&page=3' } },
        { body: { next: null } },
        { body: { next: 'never fetched' } },
      ],
      baseRequest({ params: { per_page: 5, q: 'x' } }),
    );
    expect(run.tokens).toEqual([
      { url: null },
      { url: 'https://api.example.com/v1/items?per_page=5&page=2' },
      { url: 'https://api.example.com/v1/items?per_page=5&page=3' },
    ]);
    expect(run.requests[0].params).toEqual({ per_page: 5, q: 'x' });
    expect(run.requests[1].params).toEqual({});
    expect(run.requests[2].url).toBe('https://api.example.com/v1/items?per_page=5&page=3');
    expect(run.last).toBeNull();
  });

  test('a repeated next link is a loop', () => {
    const p = createPaginator({ type: 'json_link' });
    const token = { url: 'https://x.test/p2' };
    expect(() => p.nextToken(page({ body: { next: 'https://x.test/p2' } }), token)).toThrow(PaginationLoopError);
    expect(() => p.nextToken(page({ body: { next: 'https://x.test/p2' } }), token)).toThrow(/url "https:\/\/x.test\/p2" repeated/);
  });
});

describe('header_link', () => {
  test.each([
    ['github style', '<https://x.test/i?page=2>; rel="next", <https://x.test/i?page=9>; rel="last"', { next: 'https://x.test/i?page=2', last: 'https://x.test/i?page=9' }],
    ['unquoted rel', '<https://x.test/2>; rel=next', { next: 'https://x.test/2' }],
    ['several rels', '<https://x.test/9>; rel="next last"', { next: 'https://x.test/9', last: 'https://x.test/9' }],
    ['upper case, spaces', '<https://x.test/2> ;  REL = "Next"', { next: 'https://x.test/2' }],
    ['comma in quoted param', '<https://x.test/1>; title="a, b"; rel="prev", <https://x.test/3>; rel="next"', { prev: 'https://x.test/1', next: 'https://x.test/3' }],
    ['first link of a rel wins', '<https://x.test/a>; rel="next", <https://x.test/b>; rel="next"', { next: 'https://x.test/a' }],
    ['no rel', '<https://x.test/a>; type="text/html"', {}],
  ])('parseLinkHeader: %s', (_name, header, links) => {
    expect(parseLinkHeader(header)).toEqual(links);
  });

  test('walks pages until the header has no next link', () => {
    const run = drive(createPaginator({ type: 'header_link', linksNextKey: 'next' }), [
      { headers: { link: '<https://api.example.com/v1/items?page=2>; rel="next"' }, body: rows(2) },
      { headers: { Link: '</v1/items?page=3>; rel="next", </v1/items?page=1>; rel="prev"' }, body: rows(2) },
      { headers: { link: '</v1/items?page=2>; rel="prev"' }, body: rows(1) },
    ]);
    expect(run.requests.map((r) => r.url)).toEqual([
      ENDPOINT,
      'https://api.example.com/v1/items?page=2',
      'https://api.example.com/v1/items?page=3',
    ]);
    expect(run.last).toBeNull();
  });

  test('custom relation name', () => {
    const p = createPaginator({ type: 'header_link', linksNextKey: 'successor' });
    const header = { link: '<https://x.test/n>; rel="next", <https://x.test/s>; rel="successor"' };
    expect(p.nextToken(page({ headers: header }), { url: null })).toEqual({ url: 'https://x.test/s' });
    expect(p.nextToken(page({ headers: {} }), { url: null })).toBeNull();
  });

  test('a repeated link is a loop', () => {
    const p = createPaginator({ type: 'header_link', linksNextKey: 'next' });
    const pg = page({ headers: { link: '<https://x.test/2>; rel="next"' } });
    expect(() => p.nextToken(pg, { url: 'https://x.test/2' })).toThrow(PaginationLoopError);
  });
});

describe('offset', () => {
  test('sends offset and limit; stops when offset + limit >= total', () => {
    const run = drive(createPaginator(offsetSpec()), [
      { body: { total: 25 }, records: rows(10) },
      { body: { total: 25 }, records: rows(10) },
      { body: { total: 25 }, records: rows(5) },
      { body: { total: 25 }, records: rows(5) },
    ]);
    expect(run.tokens).toEqual([{ offset: 0 }, { offset: 10 }, { offset: 20 }]);
    expect(run.requests.map((r) => r.params)).toEqual([
      { offset: 0, limit: 10 }, { offset: 10, limit: 10 }, { offset: 20, limit: 10 },
    ]);
    expect(run.last).toBeNull();
  });

  test.each([
    ['short pages do not stop, the empty page does; the offset moves by what was received', [7, 7, 3, 0, 9], [0, 7, 14, 17]],
    ['full pages move the offset by the limit', [10, 10, 0], [0, 10, 20]],
    ['an empty first page stops', [0, 5], [0]],
  ])('%s', (_name, sizes, offsets) => {
    const run = drive(createPaginator(offsetSpec()), sizes.map((n) => ({ body: {}, records: rows(n) })));
    expect(run.tokens).toEqual(offsets.map((offset) => ({ offset })));
    expect(run.last).toBeNull();
  });

  test.each([
    ['explicit total path present', { totalPath: 'meta.count', totalPathExplicit: true }, { meta: { count: 10 } }, null],
    ['total as string', {}, { total: '10' }, null],
    ['below the total continues', {}, { total: 11 }, { offset: 10 }],
    ['maximum offset', { maximumOffset: 10 }, {}, null],
    ['has_more false', { hasMorePath: 'has_more' }, { has_more: false }, null],
    ['has_more "true"', { hasMorePath: 'has_more' }, { has_more: 'true' }, { offset: 10 }],
    ['implicit total missing is fine', {}, { count: 3 }, { offset: 10 }],
    ['total path null ignores total', { totalPath: null }, { total: 1 }, { offset: 10 }],
  ])('next token: %s', (_name, over, body, next) => {
    const p = createPaginator(offsetSpec(over));
    expect(p.nextToken(page({ body, records: rows(10) }), { offset: 0 })).toEqual(next);
  });

  test.each([
    ['explicit total path missing', { totalPath: 'meta.count', totalPathExplicit: true }, {}, /total_path "meta.count" not found/],
    ['explicit total not a number', { totalPath: 'total', totalPathExplicit: true }, { total: 'many' }, /not an integer/],
    ['has_more path missing', { hasMorePath: 'has_more' }, {}, /has_more_path "has_more" not found/],
    ['no stop condition left', { stopAfterEmptyPage: false }, {}, /no stop condition/],
  ])('DataError: %s', (_name, over, body, message) => {
    const p = createPaginator(offsetSpec(over));
    const next = () => p.nextToken(page({ body, records: rows(10) }), { offset: 0 });
    expect(next).toThrow(DataError);
    expect(next).toThrow(message);
  });

  test('stop_after_empty_page false keeps going past empty pages until the total', () => {
    const run = drive(createPaginator(offsetSpec({ stopAfterEmptyPage: false, limit: 5 })), [
      { body: { total: 15 }, records: [] },
      { body: { total: 15 }, records: [] },
      { body: { total: 15 }, records: rows(5) },
      { body: { total: 15 }, records: rows(5) },
    ]);
    expect(run.tokens).toEqual([{ offset: 0 }, { offset: 5 }, { offset: 10 }]);
    expect(run.last).toBeNull();
  });

  test('body paths put offset and limit in the JSON body', () => {
    const p = createPaginator(offsetSpec({ offset: 20, offsetBodyPath: 'paging.offset', limitBodyPath: 'paging.limit' }));
    const req = baseRequest({ method: 'POST', json: { query: 'x' } });
    const out = p.applyToken(req, p.initialToken());
    expect(out.json).toEqual({ query: 'x', paging: { offset: 20, limit: 10 } });
    expect(out.params).toEqual({});
    expect(req.json).toEqual({ query: 'x' });
  });
});

describe('page_number', () => {
  test.each([
    ['base 1, 3 pages', { basePage: 1, totalPath: 'total_pages', totalPathExplicit: true }, [1, 2, 3]],
    ['base 0, 2 pages', { basePage: 0, totalPath: 'total_pages', totalPathExplicit: true }, [0, 1]],
    ['start at page 2', { basePage: 1, page: 2, totalPath: 'total_pages', totalPathExplicit: true }, [2, 3]],
    ['maximum page', { basePage: 1, maximumPage: 3 }, [1, 2]],
  ])('%s', (_name, over, pages) => {
    const fake = { body: { total_pages: over.basePage === 1 ? 3 : 2 }, records: rows(4) };
    const run = drive(createPaginator(pageSpec(over)), Array(6).fill(fake));
    expect(run.tokens).toEqual(pages.map((p) => ({ page: p })));
    expect(run.requests.map((r) => r.params.page)).toEqual(pages);
    expect(run.last).toBeNull();
  });

  test('short pages continue, the empty page stops', () => {
    const run = drive(createPaginator(pageSpec({ basePage: 1 })), [3, 2, 0, 5].map((n) => ({ records: rows(n) })));
    expect(run.tokens).toEqual([{ page: 1 }, { page: 2 }, { page: 3 }]);
    expect(run.last).toBeNull();
  });

  test('explicit total path missing is a DataError naming the path', () => {
    const p = createPaginator(pageSpec({ totalPath: 'meta.pages', totalPathExplicit: true }));
    expect(() => p.nextToken(page({ body: {}, records: rows(1) }), { page: 0 })).toThrow(/total_path "meta.pages" not found/);
  });

  test('has_more false stops', () => {
    const p = createPaginator(pageSpec({ hasMorePath: 'meta.more' }));
    expect(p.nextToken(page({ body: { meta: { more: false } }, records: rows(1) }), { page: 0 })).toBeNull();
    expect(p.nextToken(page({ body: { meta: { more: true } }, records: rows(1) }), { page: 0 })).toEqual({ page: 1 });
  });

  test('page body path', () => {
    const p = createPaginator(pageSpec({ pageBodyPath: 'page.number' }));
    expect(p.applyToken(baseRequest(), { page: 4 }).json).toEqual({ page: { number: 4 } });
  });
});

describe('cursor', () => {
  test('first request has no cursor; limit goes with every request', () => {
    const run = drive(createPaginator(cursorSpec({ cursorParam: 'after', limit: 50 })), [
      { body: { next_cursor: 'abc' } },
      { body: { next_cursor: 'def' } },
      { body: { next_cursor: null } },
    ]);
    expect(run.requests.map((r) => r.params)).toEqual([{ limit: 50 }, { limit: 50, after: 'abc' }, { limit: 50, after: 'def' }]);
    expect(run.tokens).toEqual([{ cursor: null }, { cursor: 'abc' }, { cursor: 'def' }]);
    expect(run.last).toBeNull();
  });

  test.each([
    ['null', { next_cursor: null }],
    ['empty string', { next_cursor: '' }],
    ['missing', {}],
    ['zero', { next_cursor: 0 }],
  ])('cursor %s ends pagination', (_name, body) => {
    expect(createPaginator(cursorSpec()).nextToken(page({ body }), { cursor: 'x' })).toBeNull();
  });

  test.each([
    ['dot path', 'pagination.next'],
    ['JSONPath', '$.pagination.next'],
    ['JSONPath with brackets', "$['pagination']['next']"],
  ])('cursor path as %s', (_name, cursorPath) => {
    const p = createPaginator(cursorSpec({ cursorPath }));
    expect(p.nextToken(page({ body: { pagination: { next: 42 } } }), { cursor: null })).toEqual({ cursor: 42 });
  });

  test('cursor body path', () => {
    const p = createPaginator(cursorSpec({ cursorBodyPath: 'page.token' }));
    const req = baseRequest({ method: 'POST', json: { q: 1 } });
    expect(p.applyToken(req, { cursor: null }).json).toEqual({ q: 1 });
    expect(p.applyToken(req, { cursor: 't2' })).toMatchObject({ json: { q: 1, page: { token: 't2' } }, params: {} });
  });

  test('a repeated cursor is a loop', () => {
    const p = createPaginator(cursorSpec());
    expect(() => p.nextToken(page({ body: { next_cursor: 'abc' } }), { cursor: 'abc' })).toThrow(PaginationLoopError);
    expect(() => p.nextToken(page({ body: { next_cursor: 'abc' } }), { cursor: 'abc' })).toThrow('cursor "abc" repeated');
  });

  test('an object cursor is a DataError', () => {
    const p = createPaginator(cursorSpec());
    expect(() => p.nextToken(page({ body: { next_cursor: { a: 1 } } }), { cursor: null })).toThrow(DataError);
  });
});

describe('auto (dlt detector: rest_client/detector.py)', () => {
  test.each([
    ['next URL in body', { body: { results: [], next: 'https://x.test/p2' } }, 'json_link'],
    ['relative next path', { body: { next: '/items?page=2' } }, 'json_link'],
    ['_links.next.href', { body: { _links: { next: { href: 'https://x.test/p2' } } } }, 'json_link'],
    ['paging.next.url', { body: { paging: { next: { url: 'https://x.test/p2' } } } }, 'json_link'],
    ['link header', { body: [{ id: 1 }], headers: { link: '<https://x.test/p2>; rel="next"' } }, 'header_link'],
    ['link header without next', { body: [], headers: { link: '<https://x.test/p1>; rel="prev"' } }, 'single_page'],
    ['opaque next is a cursor', { body: { data: [], next: 'eyJpZCI6MTB9' } }, 'cursor'],
    ['next_cursor', { body: { data: [], next_cursor: 'c2' } }, 'cursor'],
    ['numeric next page is a cursor', { body: { data: [], next_page: 2 } }, 'cursor'],
    ['total_pages', { body: { data: [], total_pages: 5 } }, 'page_number'],
    ['nested pages as a string', { body: { data: [], meta: { pages: '3' } } }, 'page_number'],
    ['total_pages beats a null next', { body: { data: [], next: null, total_pages: 2 } }, 'page_number'],
    ['total_pages not an integer', { body: { data: [], total_pages: 'many' } }, 'single_page'],
    ['offset-like body (dlt does not guess offsets)', { body: { items: [], total: 100, offset: 0 } }, 'single_page'],
    ['plain array', { body: [{ id: 1 }] }, 'single_page'],
  ])('detects %s', (_name, fake, mode) => {
    expect(detectMode(page(fake))).toBe(mode);
  });

  const logged = () => {
    const lines: string[] = [];
    return { lines, log: (level: 'info' | 'warn', m: string) => lines.push(`${level}: ${m}`) };
  };

  test('json_link: mode and path are recorded in the token and used on later pages', () => {
    const { lines, log } = logged();
    const run = drive(createPaginator({ type: 'auto' }, log), [
      { body: { data: [], links: { next: 'https://api.example.com/v1/items?page=2' } } },
      { body: { data: [], links: { next: 'https://api.example.com/v1/items?page=3' } } },
      { body: { data: [], links: { next: null } } },
    ]);
    const path = "$['links']['next']";
    expect(run.tokens).toEqual([
      { mode: 'detect' },
      { mode: 'json_link', url: 'https://api.example.com/v1/items?page=2', path },
      { mode: 'json_link', url: 'https://api.example.com/v1/items?page=3', path },
    ]);
    expect(run.requests.map((r) => r.url)).toEqual([ENDPOINT, ...run.tokens.slice(1).map((t) => (t as { url: string }).url)]);
    expect(run.last).toBeNull();
    expect(lines).toEqual([`info: auto paginator: detected json_link at ${path}`]);
  });

  test('cursor: sent as ?cursor= until the cursor is null, with a warning that it is a guess', () => {
    const { lines, log } = logged();
    const run = drive(createPaginator({ type: 'auto' }, log), [
      { body: { items: rows(5), next_cursor: 'c2' }, records: rows(5) },
      { body: { items: rows(5), next_cursor: 'c3' }, records: rows(5) },
      { body: { items: rows(5), next_cursor: null }, records: rows(5) },
      { body: { items: rows(5) }, records: rows(5) },
    ]);
    expect(run.requests.map((r) => r.params)).toEqual([{}, { cursor: 'c2' }, { cursor: 'c3' }]);
    expect(run.tokens[1]).toEqual({ mode: 'cursor', cursor: 'c2', path: "$['next_cursor']" });
    expect(run.last).toBeNull();
    expect(lines).toEqual([expect.stringMatching(/^warn: auto paginator: guessed cursor at \$\['next_cursor'\]/)]);
  });

  test('page_number: as dlt, the unnumbered first request is page 0, then ?page=1.. below total_pages', () => {
    const { lines, log } = logged();
    const pages = Array.from({ length: 6 }, () => ({ body: { items: rows(5), total_pages: 5 }, records: rows(5) }));
    const run = drive(createPaginator({ type: 'auto' }, log), pages);
    expect(run.requests.map((r) => r.params)).toEqual([{}, { page: 1 }, { page: 2 }, { page: 3 }, { page: 4 }]);
    expect(run.last).toBeNull();
    expect(lines).toEqual([expect.stringMatching(/^warn: auto paginator: guessed page_number at \$\['total_pages'\]/)]);
  });

  test('header_link mode', () => {
    const run = drive(createPaginator({ type: 'auto' }), [
      { headers: { link: '<https://x.test/2>; rel="next"' } },
      { headers: {} },
    ]);
    expect(run.tokens).toEqual([{ mode: 'detect' }, { mode: 'header_link', url: 'https://x.test/2' }]);
    expect(run.last).toBeNull();
  });

  test.each([
    ['a list of records: one page, with a warning', { body: { items: rows(3) }, records: rows(3) }, /^warn: auto paginator: no pagination detected/],
    ['a single object: one page, noted', { body: { id: 1 } }, /^info: auto paginator: one page/],
  ])('single page when nothing is detected: %s', (_name, fake, line) => {
    const { lines, log } = logged();
    const p = page(fake);
    if (!('records' in fake)) p.records = [p.body];
    expect(createPaginator({ type: 'auto' }, log).nextToken(p, { mode: 'detect' })).toBeNull();
    expect(lines).toEqual([expect.stringMatching(line)]);
  });

  test('a json_link token stored before paths were recorded still finds the next link', () => {
    const p = createPaginator({ type: 'auto' });
    expect(p.nextToken(page({ body: { next: 'https://x.test/3' } }), { mode: 'json_link', url: 'https://x.test/2' })).toEqual({ mode: 'json_link', url: 'https://x.test/3' });
  });

  test('a repeated link in auto mode is a loop', () => {
    const p = createPaginator({ type: 'auto' });
    const token = { mode: 'json_link', url: 'https://x.test/2' };
    expect(() => p.nextToken(page({ body: { next: 'https://x.test/2' } }), token)).toThrow(PaginationLoopError);
  });

  test('an unknown token mode is a DataError', () => {
    expect(() => createPaginator({ type: 'auto' }).applyToken(baseRequest(), { mode: 'offset' })).toThrow(DataError);
  });
});

describe('header_cursor (dlt HeaderCursorPaginator)', () => {
  test.each<[string, Record<string, string>, { cursorKey: string; cursorParam: string }, Json | null, Record<string, Json>]>([
    ['default header next -> ?cursor=', { next: 'abc' }, { cursorKey: 'next', cursorParam: 'cursor' }, { cursor: 'abc' }, { cursor: 'abc' }],
    ['named header, any case', { nextpagetoken: '123456' }, { cursorKey: 'NextPageToken', cursorParam: 'page_token' }, { cursor: '123456' }, { page_token: '123456' }],
    ['no header: last page', {}, { cursorKey: 'next', cursorParam: 'cursor' }, null, {}],
    ['empty header: last page', { next: '' }, { cursorKey: 'next', cursorParam: 'cursor' }, null, {}],
  ])('%s', (_name, headers, opts, next, params) => {
    const p = createPaginator({ type: 'header_cursor', ...opts });
    const token = p.nextToken(page({ body: [{ id: 1 }], headers }), p.initialToken());
    expect(token).toEqual(next);
    expect(p.applyToken(baseRequest({ params: { q: 1 } }), token ?? p.initialToken()).params).toEqual({ q: 1, ...params });
  });
});

describe('cursor: has_more_path and stop_after_empty_page (dlt semantics)', () => {
  test.each<[string, Partial<Extract<PaginatorSpec, { type: 'cursor' }>>, unknown, unknown[], Json | null]>([
    ['has_more false stops despite a cursor', { hasMorePath: 'has_more' }, { next_cursor: 'a', has_more: false }, rows(1), null],
    ['has_more true goes on', { hasMorePath: 'has_more' }, { next_cursor: 'a', has_more: true }, rows(1), { cursor: 'a' }],
    ['has_more "True" goes on', { hasMorePath: '$.meta.has_more' }, { next_cursor: 'a', meta: { has_more: 'True' } }, rows(1), { cursor: 'a' }],
    ['has_more true without a cursor stops', { hasMorePath: 'has_more' }, { has_more: true }, rows(1), null],
    ['empty page stops when asked', { stopAfterEmptyPage: true }, { next_cursor: 'a' }, [], null],
    ['empty page goes on by default', {}, { next_cursor: 'a' }, [], { cursor: 'a' }],
  ])('%s', (_name, over, body, records, next) => {
    expect(createPaginator(cursorSpec(over)).nextToken(page({ body, records }), { cursor: null })).toEqual(next);
  });

  test.each([
    ['missing', { next_cursor: 'a' }],
    ['not a boolean', { next_cursor: 'a', has_more: 1 }],
  ])('has_more %s is a DataError naming the path', (_name, body) => {
    expect(() => createPaginator(cursorSpec({ hasMorePath: 'has_more' })).nextToken(page({ body, records: rows(1) }), { cursor: null })).toThrow(/has_more_path "has_more"/);
  });
});

describe('createPaginator', () => {
  test.each<PaginatorSpec>([
    { type: 'auto' }, { type: 'single_page' }, { type: 'json_link' }, { type: 'header_link', linksNextKey: 'next' },
    offsetSpec(), pageSpec(), cursorSpec(), { type: 'header_cursor', cursorKey: 'next', cursorParam: 'cursor' },
  ])('wraps $type with loop detection', (spec) => {
    expect(createPaginator(spec)).toBeInstanceOf(LoopGuard);
  });

  test('offset and page tokens are plain JSON', () => {
    const p = createPaginator(offsetSpec());
    const next = p.nextToken(page({ records: rows(10) }), p.initialToken());
    expect(JSON.parse(JSON.stringify(next))).toEqual(next);
  });
});

describe('stridedPaginator: window index of count over a range paginator', () => {
  type Range = Extract<PaginatorSpec, { type: 'offset' | 'page_number' }>;
  test.each<[string, Range, Json, Json[]]>([
    ['offset window 1 of 3 from offset 50', offsetSpec() as Range, { offset: 50 }, [{ offset: 60 }, { offset: 90 }, { offset: 120 }]],
    ['page window 2 of 3 from page 4', pageSpec() as Range, { page: 4 }, [{ page: 6 }, { page: 9 }, { page: 12 }]],
  ])('%s steps over the other windows', (_name, spec, from, tokens) => {
    const index = spec.type === 'offset' ? 1 : 2;
    const run = drive(stridedPaginator(spec, index, 3, from), [{ records: rows(10) }, { records: rows(10) }, { records: rows(10) }]);
    expect(run.tokens).toEqual(tokens);
  });

  test('the wrapped stop rule holds: an empty page, a total reached, the has-more flag', () => {
    expect(drive(stridedPaginator(offsetSpec() as Range, 0, 2, { offset: 0 }), [{ records: rows(10) }, { records: [] }, {}]).requests).toHaveLength(2);
    const total = drive(stridedPaginator(offsetSpec() as Range, 0, 2, { offset: 0 }), Array(5).fill({ body: { total: 35 }, records: rows(10) }));
    expect(total.tokens).toEqual([{ offset: 0 }, { offset: 20 }]);
    const more = drive(stridedPaginator(pageSpec({ hasMorePath: 'more' }) as Range, 0, 2, { page: 0 }), [{ body: { more: true }, records: rows(1) }, { body: { more: false }, records: rows(1) }, {}]);
    expect(more.tokens).toEqual([{ page: 0 }, { page: 2 }]);
    expect(more.last).toBeNull();
  });
});

describe('applyRequestOption', () => {
  const req = baseRequest({ url: 'https://x.test/users/{user}/items', params: { a: 1 }, json: { q: { x: 1 } } });
  test.each<[string, Parameters<typeof applyRequestOption>[1], Json, Partial<RequestSpec>]>([
    ['query', { in: 'query', name: 'page' }, 2, { params: { a: 1, page: 2 } }],
    ['header', { in: 'header', name: 'X-Page' }, 2, { headers: { 'X-Page': '2' } }],
    ['body', { in: 'body', name: 'q.page.n' }, 2, { json: { q: { x: 1, page: { n: 2 } } } }],
    ['path', { in: 'path', name: 'user' }, 'a b', { url: 'https://x.test/users/a%20b/items' }],
  ])('%s', (_name, opt, value, expected) => {
    const before = JSON.stringify(req);
    expect(applyRequestOption(req, opt, value)).toMatchObject(expected);
    expect(JSON.stringify(req)).toBe(before);
  });

  test('body path into a non-object body is a ConfigError', () => {
    expect(() => applyRequestOption(baseRequest({ json: [1] }), { in: 'body', name: 'a' }, 1)).toThrow(ConfigError);
  });
});
