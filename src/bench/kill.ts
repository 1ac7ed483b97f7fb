import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Client } from '@temporalio/client';

/**
 * `--kill-worker-after S`: one worker process SIGKILLed S seconds into a sync, the way a crashed
 * machine stops, and what its windows cost: which of them it was running, when another worker
 * took each over, and which workers finished them.
 */
export interface KillReport {
  /** 1-based index of the worker process killed, and its pid */
  worker: number;
  pid: number;
  /** seconds after the sync started */
  atSeconds: number;
  /** windows the killed worker was running: the workflow's activities whose last attempt was on it */
  inFlight: number;
  /** of those, windows that ran again on another worker: taken over by another window's call, or a later attempt */
  resumed: number;
  /** pids of the workers that ran them */
  resumedBy: number[];
  /** seconds from the kill until the last of them was taken over or started again elsewhere */
  recoverySeconds: number;
  /** workflow tasks that timed out: held by the killed worker, or waiting on its sticky queue */
  workflowTaskTimeouts: number;
}

/** A worker's identity as the SDK names it by default (pid@host): how history says who ran what. */
const identityOf = (pid: number) => `${pid}@${os.hostname()}`;

interface Window {
  workflowId: string;
  runId: string;
  activityId: string;
}

/** Windows in flight per worker pid: the pending activities of the given workflows that a worker has started. */
async function windowsByPid(client: Client, workflowIds: string[], workers: ChildProcess[]): Promise<Map<number, Window[]>> {
  const byPid = new Map<number, Window[]>(workers.map((w) => [w.pid!, []]));
  for (const workflowId of workflowIds) {
    const d = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
    if (!d || d.status.name !== 'RUNNING') continue;
    for (const a of d.raw.pendingActivities ?? []) {
      const pid = Number(/^(\d+)@/.exec(a.lastWorkerIdentity ?? '')?.[1]);
      byPid.get(pid)?.push({ workflowId, runId: d.runId, activityId: a.activityId! });
    }
  }
  return byPid;
}

/**
 * The worker with the most windows in flight among the given workflows (a worker that runs none
 * would cost nothing to kill), and those windows. Windows just scheduled have no worker yet: it
 * looks again, every 100 ms for up to 5 s, until one has.
 */
async function busiestWorker(client: Client, workflowIds: string[], workers: ChildProcess[]): Promise<{ index: number; windows: Window[] }> {
  const live = workers.filter((w) => w.exitCode === null && w.signalCode === null);
  for (let tries = 0; ; tries++) {
    const byPid = await windowsByPid(client, workflowIds, live);
    const busiest = live.reduce((a, b) => (byPid.get(b.pid!)!.length > byPid.get(a.pid!)!.length ? b : a));
    const windows = byPid.get(busiest.pid!)!;
    if (windows.length > 0 || tries >= 50) return { index: workers.indexOf(busiest), windows };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A sync's workflows: its source workflow and its resource workflows. */
export interface SyncWorkflows {
  workflowId: string;
  resources: string[];
}

/**
 * SIGKILLs (or freezes, with SIGSTOP) the worker process running the most windows of the sync now; `report()`, once the sync
 * has ended, says which windows it was running and who finished them. `startedAt` (performance.now())
 * dates the kill within the sync.
 */
export async function killBusiest(
  client: Client,
  workers: ChildProcess[],
  sync: SyncWorkflows,
  startedAt = performance.now(),
  signal: 'SIGKILL' | 'SIGSTOP' = 'SIGKILL',
): Promise<{ report(): Promise<KillReport> }> {
  const { index, windows } = await busiestWorker(client, sync.resources, workers);
  const pid = workers[index].pid!;
  workers[index].kill(signal);
  const at = Date.now();
  const atSeconds = Math.round((performance.now() - startedAt) / 10) / 100;
  return {
    async report() {
      const again = await Promise.all(windows.map((w) => resumedAt(client, w)));
      const elsewhere = again.filter((a): a is { identity: string; at: number } => a !== undefined && a.identity !== identityOf(pid));
      const stuck = await Promise.all([sync.workflowId, ...sync.resources].map((id) => workflowTaskTimeouts(client, id)));
      return {
        worker: index + 1,
        pid,
        atSeconds,
        inFlight: windows.length,
        resumed: elsewhere.length,
        resumedBy: [...new Set(elsewhere.map((a) => Number(a.identity.split('@')[0])))].sort((a, b) => a - b),
        recoverySeconds: Math.round(Math.max(0, ...elsewhere.map((a) => a.at - at)) / 10) / 100,
        workflowTaskTimeouts: stuck.reduce((a, b) => a + b, 0),
      };
    },
  };
}

/** `killBusiest` `seconds` into a sync; `report()` once the sync has ended (undefined if it ended first). */
export function scheduleKill(
  client: Client,
  workers: ChildProcess[],
  sync: SyncWorkflows,
  seconds: number,
): { report(): Promise<KillReport | undefined>; cancel(): void } {
  const startedAt = performance.now();
  let killed: Promise<{ report(): Promise<KillReport> }> | undefined;
  const timer = setTimeout(() => {
    killed = killBusiest(client, workers, sync, startedAt);
    killed.catch(() => undefined); // reported by report()
  }, seconds * 1000);
  return {
    cancel: () => clearTimeout(timer),
    async report() {
      clearTimeout(timer);
      return killed && (await killed).report();
    },
  };
}

/** A JSON payload of history, as the default data converter writes it (undefined if it is not JSON). */
function decoded(payload?: { data?: Uint8Array | null } | null): any {
  try {
    return JSON.parse(Buffer.from(payload?.data ?? []).toString());
  } catch {
    return undefined;
  }
}

/**
 * Where and when a window ran again, as its run's history records it: taken over by another
 * window's call (whose result lists it, with the time the take-over began), or else its last
 * attempt (the started event is written when an attempt ends, with that attempt's worker and
 * start time); undefined when neither happened.
 */
async function resumedAt(client: Client, w: Window): Promise<{ identity: string; at: number } | undefined> {
  const events = (await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === w.activityId);
  if (!scheduled) return undefined;
  const index = decoded(scheduled.activityTaskScheduledEventAttributes?.input?.payloads?.[0])?.window?.index;
  for (const e of events) {
    const done = e.activityTaskCompletedEventAttributes;
    const took = (decoded(done?.result?.payloads?.[0])?.tookOver ?? []) as { window: number; at: number }[];
    const t = index === undefined ? undefined : took.find((x) => x.window === index);
    if (!t) continue;
    const by = events.find((s) => String(s.eventId) === String(done!.startedEventId));
    return { identity: by?.activityTaskStartedEventAttributes?.identity ?? '', at: t.at };
  }
  const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
  const attrs = started?.activityTaskStartedEventAttributes;
  if (!attrs || (attrs.attempt ?? 1) < 2) return undefined;
  const t = started!.eventTime!;
  return { identity: attrs.identity ?? '', at: Number(t.seconds) * 1000 + Math.round((t.nanos ?? 0) / 1e6) };
}

/** Workflow tasks of a workflow's latest run that timed out: a dead worker held them or its sticky queue did. */
async function workflowTaskTimeouts(client: Client, workflowId: string): Promise<number> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
}
