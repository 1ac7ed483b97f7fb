import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ensureTemporalCli } from './temporal-cli';
import { freePort } from './ports';
import { spawnGuarded } from './guarded';

export interface DevServerOptions {
  /** Web UI port; the UI is off when unset */
  uiPort?: number;
  /** sqlite file that keeps workflows across restarts (in memory when unset) */
  dbFilename?: string;
  port?: number;
}

/** A running dev server and connections to it. */
export interface DevServer {
  address: string;
  /** the server's process id (the watchdog's child) */
  pid?: number;
  connection: Connection;
  nativeConnection: NativeConnection;
  client: Client;
  /** closes the connections, then stops the server */
  teardown(): Promise<void>;
}

/** How long a dev server may take to answer (sqlite migrations on first start take a few seconds). */
const READY_MS = 60_000;

/** The arguments of `temporal server start-dev` for these options. */
export function devServerArgs(port: number, opts: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    ...(opts.uiPort !== undefined ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : []),
    '--log-format',
    'pretty',
    '--log-level',
    'error',
    // eager activities save one task-queue round trip per activity (~30 ms instead of ~90 ms measured here)
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // `Dataset` filters syncs in the Web UI (cli/search-attribute.ts)
    '--search-attribute',
    'Dataset=Keyword',
    // no call home for a version check
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
  ];
}

/**
 * The temporal CLI's dev server, in a process group of its own under a watchdog (infra/guarded.ts):
 * Ctrl-C reaches rest-sync, which stops the server last, and the server dies with rest-sync even on
 * SIGKILL.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const port = opts.port ?? (await freePort());
  const server = spawnGuarded(ensureTemporalCli(), devServerArgs(port, opts), { signal: 'SIGTERM' });
  const address = `127.0.0.1:${port}`;
  let gone = false;
  void server.exited.then(() => (gone = true));
  const deadline = Date.now() + READY_MS;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      const nativeConnection = await NativeConnection.connect({ address });
      return {
        address,
        pid: server.child.pid,
        connection,
        nativeConnection,
        client: new Client({ connection }),
        teardown: async () => {
          await nativeConnection.close().catch(() => undefined);
          await connection.close().catch(() => undefined);
          await server.stop();
        },
      };
    } catch (err) {
      if (gone || Date.now() > deadline) {
        await server.stop();
        const why = gone ? 'exited' : `did not answer within ${READY_MS / 1000} s`;
        throw new Error(`the Temporal dev server (temporal server start-dev on port ${port}) ${why}: ${server.output().trim() || String(err)}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
