import { createSecretResolver } from '../../src/activities/secrets';
import { startMockServer, type MockResponse, type MockServer } from '../../src/demo/mocks/server';
import { connectTestTemporal, createTestDatabase, uniqueId, type TestTemporal } from '../helpers/env';
import { rootMessage } from '../helpers/seeds';

const DATASET = 'pages';
/** A key whose column comment needs quoting: a quote, a backslash and a `?` (a knex placeholder). */
const ODD = "q? it's \\";
const FFFD = '\uFFFD';

/** Number literals JSON.parse would round, written as the API sends them. */
const NUMBERS_PAGE = `{"data":[
  {"id":9007199254740993,"v":"2^53+1"},{"id":9007199254740992,"v":"2^53"},{"id":12345678901234567890,"v":"20 digits"},
  {"id":1,"n":5,"huge":1e400,"tiny":1e-400,"dec":0.10000000000000000001,"neg":-98765432109876543210,"plain":2.5}]}`;
/** Pages served per resource: run 1, then run 2 (names in another order: the mapping must hold). */
const PAGES: Record<string, (run: number) => unknown[][]> = {
  numbers: () => [[], [{ id: 2, n: 7 }, { id: 3, n: 9007199254740993n }]],
  names: (run) =>
    run === 1
      ? [[{ id: 1, 'a b': 'first', [ODD]: 'odd' }], [{ id: 2, a_b: 'second', 'a b': 'third' }, { id: 3, Name: 'N', name: 'n' }]]
      : [[{ id: 4, a_b: 'fourth' }, { id: 5, name: 'n2' }]],
  dirty: () => [[
    { id: 5, s: 'first' },
    { id: 6, s: 'a\u0000b', t: 'x\ud800y', nested: { 'k\u0000': 'v\udc00', list: ['\u0000\u0000', '🦄'] } },
    { id: '5', s: 'later' },
  ]],
  wide: () => [[{ id: 1, ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`field_${i}`, i])) }]],
  conflict: () => [[{ at: '2024-01-01T00:00:00Z', v: 1 }, { at: '2024-01-01T00:00:00+00:00', v: 2 }]],
  typed: () => [[{ id: 1, n: 'a' }, { id: 2, n: 'a' }]],
};
/** `{"data": [...], "next": ...}`; bigint literals are written as JSON numbers. */
function page(records: unknown[], next: string | null): MockResponse {
  return { raw: JSON.stringify({ data: records, next }, (_k, v) => (typeof v === 'bigint' ? `#${v}#` : v)).replace(/"#(\d+)#"/g, '$1') };
}
const DEEP = `{"data":[{"id":1,"tree":${'{"a":'.repeat(4500)}1${'}'.repeat(4500)}}]}`;

/**
 * Hostile values through a sync (numbers JSON.parse would round, keys that collide once
 * normalized, characters Postgres refuses, a key sent as 5 and "5", 2,000 fields, 4,500 levels):
 * each loads exactly or fails its page with a message naming resource, page and limit, never SQL.
 */
describe('hostile pages through a sync', () => {
  let temporal: TestTemporal;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: MockServer;
  const warnings: string[][] = [[], []];
  const messages: Record<string, string> = {};
  let run = 1;

  beforeAll(async () => {
    [temporal, database] = await Promise.all([connectTestTemporal(), createTestDatabase()]);
    api = await startMockServer([
      { path: '/deep', handler: () => ({ raw: DEEP }) },
      {
        path: '/r/:name',
        handler: (req) => {
          const pages = PAGES[req.params.name](run);
          const p = Number(req.query.get('p') ?? 0);
          if (req.params.name === 'numbers' && p === 0) return { raw: NUMBERS_PAGE.replace('}]}', `}],"next":"/r/numbers?p=1"}`) };
          return page(pages[p], p + 1 < pages.length ? `/r/${req.params.name}?p=${p + 1}` : null);
        },
      },
    ]);
    const resource = (name: string, primary_key = 'id', path = `/r/${name}`) => ({
      name,
      write_disposition: 'merge',
      primary_key,
      endpoint: { path, data_selector: 'data', paginator: { type: 'json_link', next_url_path: 'next' }, error_handler: { max_retries: 1, initial_interval: 0.05 } },
    });
    const all = [resource('numbers'), resource('names'), resource('dirty'), resource('wide'), resource('conflict', 'at'), resource('deep', 'id', '/deep'), { ...resource('typed'), columns: { n: { unique: true } } }];
    for (const [i, resources] of [all, [resource('names')]].entries()) {
      run = i + 1;
      const log = { info: () => undefined, warn: (m: string) => warnings[i].push(m) };
      const { worker, close } = await temporal.startWorker({ databaseUrl: database.url, secrets: createSecretResolver({ env: {} }), log });
      const source = { client: { base_url: api.url }, resources };
      try {
        const args = [{ source, dataset: DATASET }];
        await worker.runUntil(temporal.client.workflow.execute('syncSource', { taskQueue: temporal.taskQueue, workflowId: uniqueId('sync:pages'), args }));
      } catch {
        // the failing resources' own messages are read below
      } finally {
        await close();
      }
    }
    for (const name of ['wide', 'deep', 'typed']) {
      messages[name] = await temporal.client.workflow.getHandle(`sync:${DATASET}:${name}`).result().then(() => '', rootMessage);
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await temporal?.close();
  });

  const q = async (sql: string) => (await database.db.raw(sql)).rows;
  const types = async (table: string) =>
    Object.fromEntries(
      (await q(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '${DATASET}' AND table_name = '${table}'`)).map(
        (r: { column_name: string; data_type: string }) => [r.column_name, r.data_type],
      ),
    );

  test('integers beyond 2^53 and 20 digits stay exact and distinct keys; 1e400 and long decimals are kept as numeric, never NULL', async () => {
    const rows = await q(`SELECT id::text, v, huge = 1e400 AS huge, tiny = 1e-400 AS tiny, dec::text, neg::text, plain::text, n::text FROM ${DATASET}.numbers AS t ORDER BY t.id`);
    expect(rows.map((r: { id: string }) => r.id)).toEqual(['1', '2', '3', '9007199254740992', '9007199254740993', '12345678901234567890']);
    expect(rows[0]).toMatchObject({ huge: true, tiny: true, dec: '0.10000000000000000001', neg: '-98765432109876543210', plain: '2.5' });
    expect(rows.slice(3).map((r: { v: string }) => r.v)).toEqual(['2^53', '2^53+1', '20 digits']);
    // page 2: 2^53+1 fits the bigint column exactly; the key column meeting 20 digits widens to numeric (a key never goes to a variant)
    expect(rows[2].n).toBe('9007199254740993');
    expect(await types('numbers')).toMatchObject({ id: 'numeric', huge: 'numeric', tiny: 'numeric', dec: 'numeric', n: 'bigint' });
  });

  test('keys that collide once normalized keep both values, in suffixed columns stable across pages and runs, with a warning naming both', async () => {
    const rows = await q(`SELECT id::int, a_b, a_b_1, name, name_1 FROM ${DATASET}.names ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, a_b: 'first', a_b_1: null, name: null, name_1: null },
      { id: 2, a_b: 'third', a_b_1: 'second', name: null, name_1: null },
      { id: 3, a_b: null, a_b_1: null, name: 'N', name_1: 'n' },
      { id: 4, a_b: null, a_b_1: 'fourth', name: null, name_1: null },
      { id: 5, a_b: null, a_b_1: null, name: null, name_1: 'n2' },
    ]);
    expect(warnings[0]).toContain('resource "names" page 2: key "a_b" goes to column "a_b_1": its name is taken by key "a b"');
    expect(warnings[0]).toContain('resource "names" page 2: key "name" goes to column "name_1": its name is taken by key "Name"');
    expect(warnings[1].filter((w) => w.includes('goes to column'))).toEqual([]);
    const [odd] = await q(`SELECT q_it_sx, col_description('${DATASET}.names'::regclass, 3) AS comment FROM ${DATASET}.names WHERE id = 1`);
    expect(odd).toEqual({ q_it_sx: 'odd', comment: `rest-sync key: ${JSON.stringify(ODD).replace('?', '\\u003f')}` });
  });

  test('NUL bytes and lone surrogates become U+FFFD, one warning per page naming the columns; 5 and "5" are one key', async () => {
    // `nested` unnested as dlt does: `{"k\u0000": ...}` → column nested__kx, its list → table dirty__nested__list
    const rows = await q(`SELECT id, s, t, nested__kx FROM ${DATASET}.dirty ORDER BY id`);
    expect(rows).toEqual([
      { id: 5, s: 'later', t: null, nested__kx: null },
      { id: 6, s: `a${FFFD}b`, t: `x${FFFD}y`, nested__kx: `v${FFFD}` },
    ]);
    const list = await q(`SELECT value FROM ${DATASET}.dirty__nested__list ORDER BY _dlt_list_idx`);
    expect(list.map((r: { value: string }) => r.value)).toEqual([FFFD + FFFD, '🦄']);
    const dirty = warnings[0].filter((w) => w.startsWith('resource "dirty"'));
    expect(dirty).toEqual(['resource "dirty" page 1: replaced NUL bytes and lone surrogates with U+FFFD (Postgres cannot store them) in column "s" (1), "t" (1), "nested" (4)']);
  });

  test.each([
    ['wide', 'resource "wide" page 1: the records\' fields need 2001 columns; a table takes at most 800'],
    ['deep', 'resource "deep" page 1: response nested deeper than 800 levels (the limit)'],
    // a value that does not fit its hinted type goes to a variant column (dlt's), so a constraint is what Postgres refuses here
    ['typed', 'resource "typed" page 1: Postgres: duplicate key value violates unique constraint'],
  ])('%s: fails its page with a short message naming the limit or cause, no SQL', async (name, text) => {
    expect(messages[name]).toContain(text);
    expect(messages[name].length).toBeLessThan(500);
    expect(messages[name]).not.toMatch(/CREATE TABLE|INSERT INTO|json_to_recordset|jsonb_to_recordset/);
  });

  test('two spellings of one key that Postgres compares equal (one timestamp, two offsets) collapse to one row, the last record', async () => {
    expect(await q(`SELECT at, v FROM ${DATASET}.conflict`)).toEqual([{ at: new Date('2024-01-01T00:00:00Z'), v: 2 }]);
  });
});
