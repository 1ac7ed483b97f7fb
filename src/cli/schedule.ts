import { ScheduleOverlapPolicy, type ScheduleSpec } from '@temporalio/client';
import { loadSourceFile } from '../config/load';
import { DEFAULT_TASK_QUEUE } from '../worker';
import { withClient } from './client';
import { parseParams } from './run';
import { syncStartOptions } from './start-options';

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
  if (!!o.every === !!o.cron) throw new Error('schedule create needs exactly one of --every (e.g. 1h) or --cron (e.g. "0 3 * * *")');
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
  await withClient((client) =>
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

export function scheduleList(): Promise<string> {
  return withClient(async (client) => {
    const lines: string[] = [];
    for await (const s of client.schedule.list()) {
      const next = s.info.nextActionTimes[0]?.toISOString() ?? '-';
      const wf = s.action?.type === 'startWorkflow' ? s.action.workflowType : '';
      lines.push(`${s.scheduleId}\t${wf}\t${s.state.paused ? 'paused' : 'active'}\tnext ${next}`);
    }
    return lines.length ? lines.join('\n') : 'no schedules';
  });
}

export function scheduleDelete(id: string): Promise<string> {
  return withClient(async (client) => {
    await client.schedule.getHandle(id).delete();
    return `schedule ${id} deleted`;
  });
}

/** Runs a schedule's sync now (skipped, like a due run, if one is still running). */
export function scheduleTrigger(id: string): Promise<string> {
  return withClient(async (client) => {
    await client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP);
    return `schedule ${id} triggered`;
  });
}
