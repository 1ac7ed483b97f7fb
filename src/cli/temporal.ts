import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startDevServer } from '../infra/dev-server';
import { connectTarget, type TemporalTarget } from './target';

/** A Temporal server to talk to: TEMPORAL_ADDRESS, or a dev server this process starts. */
export interface TemporalHandle {
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
  /** the dev server's address, when this process started it */
  address?: string;
  /** where the Web UI is, when this process started it */
  uiUrl?: string;
  close(): Promise<void>;
}

/**
 * With a target (TEMPORAL_ADDRESS or this folder's `rest-sync dev`, see target.ts): that server, with
 * the TLS / mTLS / API key the environment names (infra/tls.ts). Else a dev server of this process's own.
 */
export async function connectTemporal(opts: { uiPort?: number; dbFilename?: string; target?: TemporalTarget } = {}): Promise<TemporalHandle> {
  if (opts.target) {
    const { address, namespace, tls, apiKey } = opts.target.options;
    const connection = await connectTarget(opts.target);
    const nativeConnection = await NativeConnection.connect({ address, tls, apiKey });
    return {
      client: new Client({ connection, namespace }),
      nativeConnection,
      namespace,
      close: async () => {
        await nativeConnection.close();
        await connection.close();
      },
    };
  }
  const env = await startDevServer({ uiPort: opts.uiPort, dbFilename: opts.dbFilename });
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    namespace: 'default',
    address: env.address,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    close: () => env.teardown(),
  };
}
