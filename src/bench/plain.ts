import http from 'node:http';
import axios from 'axios';
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
    let offset = 0;
    let cursor: string | null = null;
    for (;;) {
      const params: Record<string, string | number> = variant === 'offset' ? { offset, limit: PAGE_SIZE } : cursor ? { cursor } : {};
      const res = await api.get<{ data: unknown[]; next_cursor?: string | null }>(`/${variant}/items`, { params });
      const body = res.data;
      pages += 1;
      if (body.data.length > 0) {
        await db.query(sql, [JSON.stringify(body.data)]);
        rows += body.data.length;
      }
      if (variant === 'offset') {
        if (body.data.length === 0) break;
        offset += body.data.length;
      } else {
        cursor = body.next_cursor ?? null;
        if (!cursor) break;
      }
    }
    return { rows, pages, seconds: (performance.now() - started) / 1000 };
  } finally {
    agent.destroy();
    await db.end();
  }
}
