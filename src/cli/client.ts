import { Client, Connection } from '@temporalio/client';

/** A client of the Temporal server named by TEMPORAL_ADDRESS (default localhost:7233), closed after `fn`. */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const address = process.env.TEMPORAL_ADDRESS || 'localhost:7233';
  const connection = await Connection.connect({ address }).catch((e: Error) => {
    throw new Error(`cannot reach the Temporal server at ${address} (TEMPORAL_ADDRESS): ${e.message}`);
  });
  try {
    return await fn(new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' }));
  } finally {
    await connection.close();
  }
}
