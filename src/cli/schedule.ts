import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import { loadSourceFile } from '../config/load';
import { DEFAULT_TASK_QUEUE } from '../worker';
import { withClient } from './client';
import { parseParams } from './run';
import { syncStartOptions } from './start-options';
import { UsageError } from './exit';

export interface ScheduleCreateOptions {
  id: string;
  dataset: string;
  every?: string;
  cron?: string;
  param: string[];
  catchupWindow: string;
  paused?: boolean;
}

function specOf(o: ScheduleCreateOptions): ScheduleSpec {
  if (!!o.every === !!o.cron) throw new UsageError('schedule create needs exactly one of --every (e.g. 1h) or --cron (e.g. "0 3 * * *")');
  return o.every ? { intervals: [{ every: o.every as `${number}h` }] } : { cronExpressions: [o.cron!] };
}

/**
 * A Temporal Schedule that starts `syncSource` for one source. Overlap SKIP: a sync still running
 * when the next is due makes that next one skipped, so two syncs of one source never run at once
 * (the fixed workflow id `sync:<dataset>` guarantees it too). Missed runs while the server was
 * down are caught up only within `--catchup-window` (default 1h): at most one run is made up.
 */
export async function scheduleCreate(configPath: string, o: ScheduleCreateOptions): Promise<string> {
  const source = loadSourceFile(configPath);
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE;
  const start = syncStartOptions({ source, dataset: o.dataset, params: parseParams(o.param) }, taskQueue);
  await withClient('schedule create', (client) =>
    client.schedule.create({
      scheduleId: o.id,
      spec: specOf(o),
      action: { type: 'startWorkflow', workflowType: 'syncSource', ...start },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: o.catchupWindow as `${number}h` },
      state: { paused: !!o.paused, note: `rest-sync: ${configPath}` },
    }),
  );
  return `schedule ${o.id} created: ${o.every ? `every ${o.every}` : `cron "${o.cron}"`}, dataset ${o.dataset}`;
}

/** One schedule as `schedule list --json` prints it. */
export interface ScheduleSummary {
  id: string;
  workflowType: string;
  state: 'paused' | 'active';
  nextRun: string | null;
  note: string | null;
}

export function scheduleList(): Promise<ScheduleSummary[]> {
  return withClient('schedule list', async (client) => {
    const out: ScheduleSummary[] = [];
    for await (const s of client.schedule.list()) {
      out.push({
        id: s.scheduleId,
        workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : '',
        state: s.state.paused ? 'paused' : 'active',
        nextRun: s.info.nextActionTimes[0]?.toISOString() ?? null,
        note: s.state.note ?? null,
      });
    }
    return out;
  });
}

/** `schedule list` for people: a line per schedule. */
export function formatSchedules(list: ScheduleSummary[]): string {
  return list.length ? list.map((s) => `${s.id}\t${s.workflowType}\t${s.state}\tnext ${s.nextRun ?? '-'}`).join('\n') : 'no schedules';
}

/** Runs `fn` on the schedule, saying plainly when there is no schedule of that id. */
function onSchedule(command: string, id: string, fn: (client: Client) => Promise<void>): Promise<void> {
  return withClient(command, (client) =>
    fn(client).catch((err) => {
      if (err instanceof ScheduleNotFoundError) throw new UsageError(`schedule "${id}" does not exist (\`rest-sync schedule list\` shows the schedules)`);
      throw err;
    }),
  );
}

export async function scheduleDelete(id: string): Promise<string> {
  await onSchedule('schedule delete', id, (client) => client.schedule.getHandle(id).delete());
  return `schedule ${id} deleted`;
}

/** Runs a schedule's sync now (skipped, like a due run, if one is still running). */
export async function scheduleTrigger(id: string): Promise<string> {
  await onSchedule('schedule trigger', id, (client) => client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP));
  return `schedule ${id} triggered`;
}
