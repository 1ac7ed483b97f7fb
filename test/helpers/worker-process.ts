import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli';

/** A `rest-sync worker` in its own process, so a test can SIGKILL it like a crash would. */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  return startCliProcess(['worker'], env, 'rest-sync worker:');
}

/** A long-running CLI command in its own process, resolved once it prints `readyText`. */
export async function startCliProcess(
  args: string[],
  env: Record<string, string>,
  readyText: string,
  cwd?: string,
  opts: { group?: boolean } = {},
): Promise<WorkerProcess> {
  // group: the command leads a process group of its own, and kill() signals the whole group, as a terminal's Ctrl-C does
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd, detached: !!opts.group });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(readyText)) resolve();
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  await ready;
  return {
    child,
    output: () => out,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        if (opts.group) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }),
  };
}
