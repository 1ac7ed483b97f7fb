import type { Client } from '@temporalio/client';
import { withClient } from './client';
import { lastRuns } from '../activities/store/run-log';
import { createDb } from '../infra/db';
import { connectOrStartPostgres } from '../infra/postgres';
import type { ResourceProgress } from '../workflows/types';
import { EMBEDDED_PG_DIR } from './run';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * A running resource's counts: its workflow's `progress` (as of each lane's last finished window)
 * moved forward by the heartbeats of the windows running now (their committed totals).
 */
async function liveProgress(client: Client, workflowId: string): Promise<{ pages: number; rows: number }> {
  const handle = client.workflow.getHandle(workflowId);
  const q = await handle.query<ResourceProgress>('progress');
  const desc = await handle.describe();
  let { pages, rows } = q;
  for (const a of desc.raw.pendingActivities ?? []) {
    const data = a.heartbeatDetails?.payloads?.[0]?.data;
    if (!data) continue;
    const hb = JSON.parse(Buffer.from(data).toString('utf8')) as { lane?: number; pages: number; rows: number };
    const before = q.lanes?.[hb.lane ?? 0] ?? { pages: 0, rows: 0 };
    pages += Math.max(0, hb.pages - before.pages);
    rows += Math.max(0, hb.rows - before.rows);
  }
  return { pages, rows };
}

/** The live progress of a running sync, through its `progress` query. */
async function workflowStatus(workflowId: string): Promise<string> {
  return withClient(async (client) => {
    const handle = client.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    const progress = await handle.query<Record<string, ResourceProgress>>('progress');
    // running resources report live counts through their own workflows
    for (const p of Object.values(progress)) {
      if (p.done || !p.workflowId) continue;
      const live = await liveProgress(client, p.workflowId).catch(() => undefined);
      if (live) Object.assign(p, live);
    }
    const rows = Object.values(progress).map((p) => [p.resource, String(p.rows), String(p.pages), p.done ? 'done' : 'running']);
    return `${workflowId}: ${desc.status.name}\n${table(['resource', 'rows', 'pages', 'state'], rows)}`;
  });
}

/** The last sync of each dataset, from the run log in Postgres. */
async function runLogStatus(dataset?: string): Promise<string> {
  const pg = await connectOrStartPostgres(EMBEDDED_PG_DIR);
  const db = createDb(pg.url, 1);
  try {
    const runs = await lastRuns(db, dataset);
    if (runs.length === 0) return 'no syncs recorded yet';
    const rows = runs.map((r) => [
      r.dataset,
      r.resource,
      r.outcome,
      String(r.rows),
      String(r.pages),
      r.startedAt.toISOString(),
      r.finishedAt?.toISOString() ?? '',
      r.error ?? '',
    ]);
    return table(['dataset', 'resource', 'outcome', 'rows', 'pages', 'started', 'finished', 'error'], rows);
  } finally {
    await db.destroy();
    await pg.stop();
  }
}

/** `rest-sync status [workflowId] [--dataset NAME]` */
export function statusCommand(workflowId: string | undefined, opts: { dataset?: string }): Promise<string> {
  return workflowId ? workflowStatus(workflowId) : runLogStatus(opts.dataset);
}
