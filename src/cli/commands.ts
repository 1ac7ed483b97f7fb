import type { Command } from 'commander';
import { action } from './action';
import { print } from './output';
import { formatSchedules, scheduleCreate, scheduleDelete, scheduleList, scheduleTrigger } from './schedule';
import { formatState, stateReset, stateShow } from './state';

type Emit = (json: boolean | undefined, value: unknown, text: () => string) => void;
type Collect = (v: string, acc: string[]) => string[];

/** `rest-sync state show|reset`: a dataset's incremental values and unfinished syncs. */
export function addStateCommands(program: Command, emit: Emit): void {
  const state = program.command('state').description("a dataset's incremental values and unfinished syncs");
  state
    .command('show <dataset>')
    .description('incremental values (where the next sync starts) and unfinished syncs (resumed by the next run)')
    .option('--resource <name>', 'only this resource')
    .option('--json', 'print it as JSON')
    .action(action(async (dataset: string, opts) => {
        const s = await stateShow(dataset, opts.resource);
        emit(opts.json, s, () => formatState(s));
      }),
    );
  state
    .command('reset <dataset>')
    .description('forget them, so the next sync loads from the start (refused while a sync runs)')
    .option('--resource <name>', 'only this resource')
    .action(action(async (dataset: string, opts) => print(await stateReset(dataset, opts.resource))));
}

/** `rest-sync schedule create|list|delete|trigger`: Temporal Schedules of syncs. */
export function addScheduleCommands(program: Command, collect: Collect, emit: Emit): void {
  const schedule = program.command('schedule').description('Temporal Schedules that run syncs');
  schedule
    .command('create <config>')
    .description('a schedule that syncs the config into the dataset --every interval or by --cron')
    .requiredOption('--id <id>', 'schedule id')
    .requiredOption('--dataset <name>', 'dataset (Postgres schema)')
    .option('--every <interval>', 'e.g. 30m, 1h, 1d')
    .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *"')
    .option('--param <key=value>', 'a source parameter', collect, [])
    .option('--catchup-window <duration>', 'how late a missed run may still start', '1h')
    .option('--paused', 'create it paused')
    .action(action(async (config: string, opts) => print(await scheduleCreate(config, opts))));
  schedule
    .command('list')
    .description('the schedules: id, workflow, paused or active, next run')
    .option('--json', 'print them as JSON')
    .action(action(async (opts) => {
        const list = await scheduleList();
        emit(opts.json, list, () => formatSchedules(list));
      }),
    );
  schedule.command('delete <id>').description('delete a schedule (running syncs go on)').action(action(async (id: string) => print(await scheduleDelete(id))));
  schedule.command('trigger <id>').description("run a schedule's sync now (skipped if one runs)").action(action(async (id: string) => print(await scheduleTrigger(id))));
}
