import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { withClient } from './client';
import { lastRuns, type RunLogRow } from '../activities/store/run-log';
import { createDb } from '../infra/db';
import { connectOrStartPostgres } from '../infra/postgres';
import type { ResourceProgress, ResourceResult, SyncSourceOutput } from '../workflows/types';
import { EMBEDDED_PG_DIR } from './run';
import { UsageError } from './exit';

/** A plain text table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** What `status <workflowId>` reports (also its `--json`). */
export interface WorkflowStatus {
  workflowId: string;
  status: string;
  resources: { resource: string; rows: number; pages: number; state: 'done' | 'running' }[];
}

/**
 * A running resource's counts: its workflow's `progress` (as of each lane's last finished window)
 * moved forward by the heartbeats of the windows running now (their committed totals).
 */
async function liveProgress(client: Client, workflowId: string): Promise<ResourceProgress> {
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
  return { ...q, pages, rows };
}

/** A source workflow's progress is a map of resources; a resource workflow's (`sync:<dataset>:<resource>`) is one. */
async function resourcesOf(client: Client, workflowId: string): Promise<ResourceProgress[]> {
  const isResource = workflowId.split(':').length > 2;
  if (isResource) return [await liveProgress(client, workflowId)];
  const progress = await client.workflow.getHandle(workflowId).query<Record<string, ResourceProgress>>('progress');
  // running resources report live counts through their own workflows
  for (const p of Object.values(progress)) {
    if (p.done || !p.workflowId) continue;
    const live = await liveProgress(client, p.workflowId).catch(() => undefined);
    if (live) Object.assign(p, { pages: live.pages, rows: live.rows });
  }
  return Object.values(progress);
}

/** A finished sync's counts: its memo (`counts`), else its result; a finished resource's from its result. */
async function closedResources(client: Client, workflowId: string, memo: Record<string, unknown> | undefined): Promise<ResourceProgress[]> {
  const isResource = workflowId.split(':').length > 2;
  const counts =
    (memo?.counts as Record<string, ResourceResult> | undefined) ??
    (isResource
      ? { [workflowId.split(':').slice(2).join(':')]: ((await client.workflow.result(workflowId).catch(() => undefined)) ?? { rows: 0, pages: 0 }) as ResourceResult }
      : (((await client.workflow.result(workflowId).catch(() => undefined)) as SyncSourceOutput | undefined)?.resources ?? {}));
  return Object.entries(counts).map(([resource, r]) => ({ resource, rows: r.rows, pages: r.pages, done: true }));
}

/** The live progress of a sync (or of one resource's workflow), through its `progress` query. */
export function workflowStatus(workflowId: string): Promise<WorkflowStatus> {
  return withClient('status', async (client) => {
    const desc = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch((err) => {
        if (err instanceof WorkflowNotFoundError) throw new UsageError(`no workflow ${workflowId} (a sync is sync:<dataset>, a resource sync:<dataset>:<resource>)`);
        throw err;
      });
    const running = desc.status.name === 'RUNNING';
    // a closed workflow answers queries only through a worker replaying it: its memo and result say the same without one
    const list = running ? await resourcesOf(client, workflowId) : await closedResources(client, workflowId, desc.memo);
    const resources = list.map((p) => ({ resource: p.resource, rows: p.rows, pages: p.pages, state: p.done ? ('done' as const) : ('running' as const) }));
    return { workflowId, status: desc.status.name, resources };
  });
}

export function formatWorkflowStatus(s: WorkflowStatus): string {
  const rows = s.resources.map((p) => [p.resource, String(p.rows), String(p.pages), p.state]);
  return `${s.workflowId}: ${s.status}\n${table(['resource', 'rows', 'pages', 'state'], rows)}`;
}

/** The last sync of each dataset, from the run log in Postgres. */
export async function runLogStatus(dataset?: string): Promise<RunLogRow[]> {
  const pg = await connectOrStartPostgres(EMBEDDED_PG_DIR);
  const db = createDb(pg.url, 1);
  try {
    return await lastRuns(db, dataset);
  } finally {
    await db.destroy();
    await pg.stop();
  }
}

export function formatRunLog(runs: RunLogRow[]): string {
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
}

/** `rest-sync status [workflowId] [--dataset NAME] [--json]`: the text, or the value `--json` prints. */
export async function statusCommand(workflowId: string | undefined, opts: { dataset?: string; json?: boolean }): Promise<string | object> {
  if (workflowId) {
    const s = await workflowStatus(workflowId);
    return opts.json ? s : formatWorkflowStatus(s);
  }
  const runs = await runLogStatus(opts.dataset);
  return opts.json ? { runs } : formatRunLog(runs);
}
