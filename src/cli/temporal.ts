import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startDevServer } from '../infra/dev-server';

/** A Temporal server to talk to: TEMPORAL_ADDRESS, or a dev server this process starts. */
export interface TemporalHandle {
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
  /** where the Web UI is, when this process started it */
  uiUrl?: string;
  close(): Promise<void>;
}

export async function connectTemporal(opts: { uiPort?: number; dbFilename?: string } = {}): Promise<TemporalHandle> {
  const address = process.env.TEMPORAL_ADDRESS;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  if (address) {
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
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
    client: env.client as unknown as Client,
    nativeConnection: env.nativeConnection,
    namespace: 'default',
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    close: () => env.teardown(),
  };
}
