import { NativeConnection } from '@temporalio/worker';
import { createSyncWorker } from '../worker';
import { temporalConnectionOptions } from '../infra/tls';

/** `rest-sync worker`: a long-running worker; SIGINT/SIGTERM drain it (the SDK's default shutdown). */
export async function workerCommand(opts: { maxConcurrentActivities: number }): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('rest-sync worker needs DATABASE_URL (the Postgres the syncs load into)');
  // TEMPORAL_ADDRESS (default localhost:7233) with TLS / mTLS / API key from the environment
  const { address, namespace, tls, apiKey } = temporalConnectionOptions();
  const connection = await NativeConnection.connect({ address, tls, apiKey });
  const { worker, close } = await createSyncWorker({
    connection,
    databaseUrl,
    namespace,
    maxConcurrentActivities: opts.maxConcurrentActivities,
    // a prebuilt bundle (see `bundleWorkflowCode`) saves the bundling at every start
    workflowBundle: process.env.REST_SYNC_WORKFLOW_BUNDLE ? { codePath: process.env.REST_SYNC_WORKFLOW_BUNDLE } : undefined,
  });
  console.error(`rest-sync worker: ${address}, task queue ${worker.options.taskQueue}`);
  try {
    await worker.run();
  } finally {
    await close();
    await connection.close();
  }
}
