import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../infra/tls';

/** A client of the Temporal server named by TEMPORAL_ADDRESS (default localhost:7233, TLS/API key from env), closed after `fn`. */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const { address, namespace, tls, apiKey } = temporalConnectionOptions();
  const connection = await Connection.connect({ address, tls, apiKey }).catch((e: Error) => {
    throw new Error(`cannot reach the Temporal server at ${address} (TEMPORAL_ADDRESS): ${e.message}`);
  });
  try {
    return await fn(new Client({ connection, namespace }));
  } finally {
    await connection.close();
  }
}
