#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { action, fail } from './cli/action';
import { cliLog, installLogger, LOG_FORMATS } from './cli/logging';
import { jsonOnExit, print, printJson, reserveStdout } from './cli/output';
import { runCommand, type RunResult } from './cli/run';
import { formatResults } from './cli/results';
import { runAction } from './cli/run-action';
import { workerCommand } from './cli/worker';
import { statusCommand } from './cli/status';
import { dbCommand } from './cli/db';
import { devCommand } from './cli/dev';
import { addScheduleCommands, addStateCommands } from './cli/commands';
import { completionScript, SHELLS } from './cli/completion';
import { validateCommand } from './cli/validate';
import { loadSourceFile } from './config/load';
import { configKeyDocs, sourceJsonSchema } from './config/schema';

reserveStdout(); // stdout is the result only: every log line, the SDK's and knex's too, goes to stderr
if (process.argv.includes('--json')) jsonOnExit();

const program = new Command();
const version = (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const collect = (v: string, acc: string[]) => [...acc, v];
const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CommanderError(2, 'rest-sync.invalidNumber', `not a positive integer: ${v}`);
  return n;
};
const emit = (json: boolean | undefined, value: unknown, text: () => string) => (json ? printJson(value) : print(text()));

program
  .name('rest-sync')
  .description('dlt rest_api configs synced into Postgres by durable Temporal workflows')
  .version(version, '-V, --version', 'print the version')
  .option('--verbose', 'print stack traces and info logs')
  .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(LOG_FORMATS).default('text'))
  .exitOverride()
  .showSuggestionAfterError();
program.hook('preAction', (cmd, sub) => {
  // `run` handles Ctrl-C / SIGTERM itself (cancels its sync first): the SDK must not stop its worker
  const run = sub.name() === 'run';
  installLogger({ verbose: !!cmd.opts().verbose, format: cmd.opts().logFormat, shutdownSignals: run ? [] : undefined, reportsOutcome: run });
});

program
  .command('run <config>')
  .description('sync a source config (JSON, JSON with comments, or a dlt Python config)')
  .option('--dataset <name>', 'Postgres schema to load into (default: the config file name)')
  .option('--param <key=value>', 'a source parameter for {placeholders}', collect, [])
  .option('--resources <a,b>', 'load only these resources (their parents are fetched as needed)')
  .option('--full-refresh', "drop the loaded resources' tables and state first (dlt's drop_resources)")
  .option('--json', 'print the result (or the error) as one JSON document on stdout')
  .option('--no-worker', 'do not run an in-process worker (a `rest-sync worker` serves the sync)')
  .option('--no-progress', 'no live progress display')
  .action(action(runAction(runCommand, cliLog, (json, out) => emit(json, out, () => formatResults(out as RunResult)))));

program
  .command('worker')
  .description('run a worker on the task queue (TEMPORAL_ADDRESS, DATABASE_URL)')
  .option('--max-concurrent-activities <n>', 'activities at once', int, 8)
  .action(action((opts) => workerCommand(opts)));

program
  .command('status [workflowId]')
  .description('progress of a running sync (its workflow id), or the last syncs from the run log')
  .option('--dataset <name>', 'only this dataset')
  .option('--json', 'print it as JSON')
  .action(
    action(async (workflowId: string | undefined, opts) => {
      const out = await statusCommand(workflowId, opts);
      emit(opts.json, out, () => out as string);
    }),
  );

addStateCommands(program, emit);

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

addScheduleCommands(program, collect, emit);

program
  .command('dev')
  .description('a local dev server (Web UI on 8233, workflows kept in a file), a worker and Postgres, until Ctrl-C')
  .option('--port <n>', 'Temporal gRPC port', int, 7233)
  .option('--ui-port <n>', 'Web UI port', int, 8233)
  .option('--db-file <path>', 'where the dev server keeps workflows', '.rest-sync/temporal.db')
  .action(action((opts) => devCommand(opts)));

program
  .command('validate <config>')
  .description('check a config and print its plan: resources in order, parents, paginators')
  .option('--param <key=value>', 'a source parameter', collect, [])
  .option('--json', 'print the plan (or the problems) as JSON')
  .action(action(async (config: string, opts) => print(validateCommand(config, opts))));

program
  .command('import <document>')
  .description('convert a dlt config (Python, markdown, JSON with comments) into plain JSON')
  .action(action((doc: string) => printJson(loadSourceFile(doc))));

program
  .command('schema')
  .description("print the config's JSON Schema, for editors (every key described)")
  .option('--keys', 'list every config key with its description instead')
  .action(action((opts) => (opts.keys ? print(configKeyDocs().map(([k, d]) => `${k}\t${d}`).join('\n')) : printJson(sourceJsonSchema()))));

program
  .command('completion')
  .description('print a shell completion script (bash: source <(rest-sync completion bash))')
  .addArgument(program.createArgument('<shell>', 'the shell').choices(SHELLS))
  .action(action((shell: string) => print(completionScript(program, shell))));

program.parseAsync(process.argv).catch((err) => {
  if (err instanceof CommanderError && (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version')) process.exit(0);
  // commander printed the usage error already; the exit code says "usage" (2)
  if (err instanceof CommanderError) {
    if (process.argv.includes('--json')) printJson({ error: { code: 'USAGE', message: err.message.replace(/^error: /, '') } });
    process.exit(2);
  }
  fail(err, { json: process.argv.includes('--json') });
});
