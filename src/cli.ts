#!/usr/bin/env node
import { Command } from 'commander';
import { describeError } from './cli/errors';
import { installLogger } from './cli/logging';
import { formatResults, runCommand } from './cli/run';
import { RunInterrupted } from './cli/interrupt';
import { workerCommand } from './cli/worker';
import { statusCommand } from './cli/status';
import { dbCommand } from './cli/db';
import { devCommand } from './cli/dev';
import { scheduleCreate, scheduleDelete, scheduleList, scheduleTrigger } from './cli/schedule';
import { loadSourceFile } from './config/load';
import { sourceJsonSchema } from './config/schema';
import { planSource } from './plan/plan-source';
import { describePlan } from './plan/describe';
import { parseParams } from './cli/run';
import { createSecretResolver, secretNames } from './activities';

const program = new Command();
let verbose = false;

/** Runs a command; a failure prints one paragraph (the stack only with --verbose) and exits 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      console.error(`rest-sync: ${describeError(err)}`);
      if (err instanceof RunInterrupted) process.exit(err.exitCode); // the one line above; no stack
      if (verbose && err instanceof Error) console.error(err.stack);
      process.exit(1);
    }
  };
}

const collect = (v: string, acc: string[]) => [...acc, v];

program
  .name('rest-sync')
  .description('dlt rest_api configs synced into Postgres by durable Temporal workflows')
  .option('--verbose', 'print stack traces and info logs')
  .option('--log-format <format>', 'text or json', 'text');
program.hook('preAction', (cmd, sub) => {
  verbose = !!cmd.opts().verbose;
  // `run` handles Ctrl-C / SIGTERM itself (cancels its sync first): the SDK must not stop its worker
  installLogger({ verbose, format: cmd.opts().logFormat, shutdownSignals: sub.name() === 'run' ? [] : undefined });
});

program
  .command('run <config>')
  .description('sync a source config (JSON, JSON with comments, or a dlt Python config)')
  .option('--dataset <name>', 'Postgres schema to load into (default: the config file name)')
  .option('--param <key=value>', 'a source parameter for {placeholders}', collect, [])
  .option('--json', 'print the result as JSON')
  .option('--no-worker', 'do not run an in-process worker (use with TEMPORAL_ADDRESS)')
  .option('--no-progress', 'no live progress display')
  .action(
    action(async (config: string, opts) => {
      const log = (l: string) => console.error(l);
      const out = await runCommand(config, opts, log);
      if (opts.json) console.log(JSON.stringify({ workflowId: out.workflowId, resources: out.resources }));
      else console.log(formatResults(out));
    }),
  );

program
  .command('worker')
  .description('run a worker on the task queue (TEMPORAL_ADDRESS, DATABASE_URL)')
  .option('--max-concurrent-activities <n>', 'activities at once', (v) => Number(v), 8)
  .action(action((opts) => workerCommand(opts)));

program
  .command('status [workflowId]')
  .description('progress of a running sync (its workflow id), or the last syncs from the run log')
  .option('--dataset <name>', 'only this dataset')
  .action(action(async (workflowId: string | undefined, opts) => console.log(await statusCommand(workflowId, opts))));

program
  .command('db')
  .description('print the connection string of the database (the embedded one: keeps it running until Ctrl-C)')
  .option('--psql', 'open psql on it; arguments after -- go to psql')
  .argument('[psqlArgs...]')
  .action(
    action(async (psqlArgs: string[], opts) => {
      process.exitCode = await dbCommand(opts, psqlArgs);
    }),
  );

const schedule = program.command('schedule').description('Temporal Schedules that run syncs');
schedule
  .command('create <config>')
  .requiredOption('--id <id>', 'schedule id')
  .requiredOption('--dataset <name>', 'dataset (Postgres schema)')
  .option('--every <interval>', 'e.g. 30m, 1h, 1d')
  .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *"')
  .option('--param <key=value>', 'a source parameter', collect, [])
  .option('--catchup-window <duration>', 'how late a missed run may still start', '1h')
  .option('--paused', 'create it paused')
  .action(action(async (config: string, opts) => console.log(await scheduleCreate(config, opts))));
schedule.command('list').action(action(async () => console.log(await scheduleList())));
schedule.command('delete <id>').action(action(async (id: string) => console.log(await scheduleDelete(id))));
schedule.command('trigger <id>').action(action(async (id: string) => console.log(await scheduleTrigger(id))));

program
  .command('dev')
  .description('a local dev server (Web UI on 8233, workflows kept in a file), a worker and Postgres, until Ctrl-C')
  .option('--port <n>', 'Temporal gRPC port', (v) => Number(v), 7233)
  .option('--ui-port <n>', 'Web UI port', (v) => Number(v), 8233)
  .option('--db-file <path>', 'where the dev server keeps workflows', '.rest-sync/temporal.db')
  .action(action((opts) => devCommand(opts)));

program
  .command('validate <config>')
  .description('check a config and print its plan: resources in order, parents, paginators')
  .option('--param <key=value>', 'a source parameter', collect, [])
  .action(async (config: string, opts) => {
    // exit 2 for a config that cannot run (every problem named by its config path), as linters do
    try {
      const source = loadSourceFile(config);
      console.log(describePlan(planSource(source, parseParams(opts.param))));
      const secrets = createSecretResolver();
      const missing = [...secretNames(source)].flatMap((name) => {
        try {
          secrets.resolve(name);
          return [];
        } catch (err) {
          return [describeError(err)];
        }
      });
      if (missing.length) {
        console.error(`rest-sync: ${missing.join('\n')}`);
        process.exit(2);
      }
    } catch (err) {
      console.error(`rest-sync: ${describeError(err)}`);
      if (err instanceof RunInterrupted) process.exit(err.exitCode); // the one line above; no stack
      process.exit(2);
    }
  });

program
  .command('import <document>')
  .description('convert a dlt config (Python, markdown, JSON with comments) into plain JSON')
  .action(action((doc: string) => console.log(JSON.stringify(loadSourceFile(doc), null, 2))));

program
  .command('schema')
  .description("print the config's JSON Schema, for editors")
  .action(action(() => console.log(JSON.stringify(sourceJsonSchema(), null, 2))));

void program.parseAsync(process.argv);
