import http from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import pg from 'pg';
import { PAGE_SIZE, type Variant } from './api';

/** The records' columns and the Postgres types rest-sync infers for them. */
export const COLUMNS: [string, string][] = [
  ['id', 'bigint'],
  ['name', 'text'],
  ['email', 'text'],
  ['amount', 'double precision'],
  ['active', 'boolean'],
  ['created_at', 'timestamptz'],
  ['category', 'text'],
  ['score', 'bigint'],
];

export interface RunFigures {
  rows: number;
  pages: number;
  seconds: number;
}

/**
 * The plain loop: one connection, sequential — fetch a page over a keep-alive agent, then upsert
 * it with one `INSERT … SELECT … FROM jsonb_to_recordset($1) ON CONFLICT (id) DO UPDATE`. No
 * state, no retries, no durability. The table is created before the clock starts.
 */
export async function plainLoop(apiUrl: string, pgUrl: string, schema: string, variant: Variant): Promise<RunFigures> {
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  const agent = new http.Agent({ keepAlive: true });
  try {
    const table = `"${schema}"."items"`;
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await db.query(`CREATE TABLE ${table} (${COLUMNS.map(([c, t]) => `"${c}" ${t}`).join(', ')}, PRIMARY KEY (id))`);
    const names = COLUMNS.map(([c]) => `"${c}"`).join(', ');
    const sql =
      `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) ` +
      `AS r(${COLUMNS.map(([c, t]) => `"${c}" ${t}`).join(', ')}) ON CONFLICT (id) DO UPDATE SET ` +
      COLUMNS.slice(1).map(([c]) => `"${c}" = EXCLUDED."${c}"`).join(', ');
    const api = axios.create({ baseURL: apiUrl, httpAgent: agent, timeout: 30_000 });
    const started = performance.now();
    let rows = 0;
    let pages = 0;
    for await (const data of recordPages(api, variant)) {
      pages += 1;
      if (data.length === 0) continue;
      await db.query(sql, [JSON.stringify(data)]);
      rows += data.length;
    }
    return { rows, pages, seconds: (performance.now() - started) / 1000 };
  } finally {
    agent.destroy();
    await db.end();
  }
}

type Body = { data: { id?: number }[]; next_cursor?: string | null };

/** A cursor-paged list, page after page. */
async function* cursorPages(api: AxiosInstance, path: string): AsyncGenerator<Body['data']> {
  let cursor: string | null = null;
  do {
    const body: Body = (await api.get<Body>(path, { params: cursor ? { cursor } : {} })).data;
    yield body.data;
    cursor = body.next_cursor ?? null;
  } while (cursor);
}

/**
 * The pages the plain loop loads, one request after the other: offset pages until an empty one,
 * cursor pages, or (`children`) each parent page's parents' items in turn (the parents are not loaded).
 */
async function* recordPages(api: AxiosInstance, variant: Variant): AsyncGenerator<unknown[]> {
  if (variant === 'cursor') return yield* cursorPages(api, '/cursor/items');
  if (variant === 'children') {
    for await (const parents of cursorPages(api, '/parents')) {
      for (const p of parents) yield (await api.get<Body>(`/parents/${p.id}/items`)).data.data;
    }
    return;
  }
  for (let offset = 0; ; ) {
    const data = (await api.get<Body>('/offset/items', { params: { offset, limit: PAGE_SIZE } })).data.data;
    yield data;
    if (data.length === 0) return;
    offset += data.length;
  }
}
