import { Client } from '@temporalio/client';
import { cliLog } from './logging';
import { connectTarget, describeTarget, requireTarget } from './target';

/**
 * A client of the Temporal server `requireTarget` names (TEMPORAL_ADDRESS, else this folder's
 * `rest-sync dev`), closed after `fn`. Says on stderr which server it uses.
 */
export async function withClient<T>(command: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const target = requireTarget(command);
  cliLog(describeTarget(target));
  const connection = await connectTarget(target);
  try {
    return await fn(new Client({ connection, namespace: target.options.namespace }));
  } finally {
    await connection.close();
  }
}
