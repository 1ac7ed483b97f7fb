import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import { createSecretResolver } from '../../src/activities/secrets';
import type { SyncOptions, SyncSourceOutput } from '../../src/workflows/types';
import { uniqueId, type TestTemporal } from './env';
import type { Knex } from 'knex';

const ROOT = path.join(__dirname, '..', '..');

/** A seed document (or an examples/ JSON) imported as written, its base URL pointed at a mock. */
export function seedSource(file: string, baseUrl: string): Record<string, any> {
  const full = file.startsWith('examples/') ? path.join(ROOT, file) : path.join(ROOT, 'test', 'fixtures', 'seeds', file);
  const source = importSourceText(readFileSync(full, 'utf8'), full) as Record<string, any>;
  source.client.base_url = baseUrl;
  return source;
}

export interface SeedRun {
  source: unknown;
  dataset: string;
  params?: Record<string, string>;
  /** env vars the secret resolver reads (`ACCESS_TOKEN`, ...) */
  env: Record<string, string>;
  options?: SyncOptions;
}

/** One sync through a fresh worker on the test's task queue; rejects as the client does. */
export async function runSync(temporal: TestTemporal, databaseUrl: string, run: SeedRun): Promise<SyncSourceOutput> {
  const secrets = createSecretResolver({ env: run.env, secretsFile: '/nonexistent' });
  const { worker, close } = await temporal.startWorker({ databaseUrl, secrets });
  try {
    return (await worker.runUntil(
      temporal.client.workflow.execute('syncSource', {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId(`sync:${run.dataset}`),
        args: [{ source: run.source, dataset: run.dataset, params: run.params ?? {}, options: run.options }],
      }),
    )) as SyncSourceOutput;
  } finally {
    await close();
  }
}

export interface TableCount {
  rows: number;
  distinct: number;
}

/**
 * Rows and distinct primary keys of each table (`id` unless `keys` names another column);
 * a table that does not exist counts as `{ rows: 0, distinct: 0 }`.
 */
export async function tableCounts(db: Knex, schema: string, tables: string[], keys: Record<string, string> = {}): Promise<Record<string, TableCount>> {
  const out: Record<string, TableCount> = {};
  for (const t of tables) {
    const exists = await db.raw(`SELECT to_regclass(?) AS oid`, [`"${schema}"."${t}"`]);
    if (!exists.rows[0].oid) {
      out[t] = { rows: 0, distinct: 0 };
      continue;
    }
    const r = await db.raw(`SELECT count(*)::int AS rows, count(DISTINCT "${keys[t] ?? 'id'}")::int AS distinct FROM "${schema}"."${t}"`);
    out[t] = r.rows[0];
  }
  return out;
}

/** `{ table: { rows: n, distinct: n } }`: every record loaded once. */
export function exactly(counts: Record<string, number>): Record<string, TableCount> {
  return Object.fromEntries(Object.entries(counts).map(([t, n]) => [t, { rows: n, distinct: n }]));
}

/** The message at the root of a failed workflow's cause chain. */
export function rootMessage(err: unknown): string {
  let cur = err as { cause?: unknown; message?: string };
  while (cur?.cause) cur = cur.cause as typeof cur;
  return cur?.message ?? String(err);
}
