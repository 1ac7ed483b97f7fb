import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findTemporalCli } from '../../src/infra/temporal-cli';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import knex, { type Knex } from 'knex';
import { createSyncWorker } from '../../src/worker';
import type { SecretResolver } from '../../src/activities/secrets';
import type { Logger } from '../../src/activities/deps';

/** Quiet SDK logs in tests: warnings and errors only. */
let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by another file in this process
  }
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is unset: integration tests run through jest's global setup (npm test)`);
  return v;
}

/** A throwaway database of its own on the run's Postgres server. */
export async function createTestDatabase(): Promise<{ url: string; db: Knex; drop(): Promise<void> }> {
  const serverUrl = need('REST_SYNC_TEST_PG_URL');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } });
  return {
    url,
    db,
    drop: async () => {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

/**
 * A fresh database for one test file, with `schema` made by `setup` (the dataset's bookkeeping
 * tables) before its tests and the database dropped after them. Read `.db` inside tests.
 */
export function useTestSchema(schema: string, setup: (db: Knex, schema: string) => Promise<void>): { db: Knex } {
  const ctx = {} as { db: Knex };
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    ctx.db = database.db;
    await setup(ctx.db, schema);
  });
  afterAll(() => database?.drop());
  return ctx;
}

export interface TestTemporal {
  client: Client;
  taskQueue: string;
  /** a worker on this file's task queue; run workflows with `worker.runUntil(...)` */
  startWorker(opts: { databaseUrl: string; secrets?: SecretResolver; log?: Logger }): Promise<Awaited<ReturnType<typeof createSyncWorker>>>;
  /** a worker running the real workflow bundle against the given (mocked) activities */
  mockedWorker(activities: object): Promise<Worker>;
  close(): Promise<void>;
}

/** A client and workers on the run's dev server, on a task queue of this test file's own. */
export async function connectTestTemporal(): Promise<TestTemporal> {
  quietRuntime();
  const address = need('REST_SYNC_TEST_TEMPORAL');
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const code = readFileSync(need('REST_SYNC_TEST_BUNDLE'), 'utf8');
  return {
    client: new Client({ connection }),
    taskQueue,
    startWorker: (opts) =>
      createSyncWorker({ connection: native, taskQueue, databaseUrl: opts.databaseUrl, workflowBundle: { code }, secrets: opts.secrets, log: opts.log }),
    mockedWorker: (activities) => Worker.create({ connection: native, taskQueue, workflowBundle: { code }, activities }),
    close: async () => {
      await native.close();
      await connection.close();
    },
  };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A workflow's history as text with every payload decoded, to search it for values. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return JSON.stringify(history, (k, v) => {
    if (k === 'data' && typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (v && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data).toString('utf8');
    return v;
  });
}

/**
 * With REST_SYNC_RECORD_HISTORIES set, writes a workflow's history (the temporal CLI's standard
 * JSON) to test/fixtures/histories for the replay test.
 */
export function recordHistory(name: string, workflowId: string): void {
  if (!process.env.REST_SYNC_RECORD_HISTORIES) return;
  const json = execFileSync(findTemporalCli()!, ['workflow', 'show', '-w', workflowId, '--address', need('REST_SYNC_TEST_TEMPORAL'), '-o', 'json']);
  writeFileSync(path.join(__dirname, '..', 'fixtures', 'histories', `${name}.json`), json);
}
