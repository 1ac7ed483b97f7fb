import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The watchdog, run by `node -e`: starts the server, and stops it (with `signal`) as soon as its
 * stdin closes. The kernel closes that pipe when the rest-sync process ends in any way, SIGKILL
 * included, so a server never outlives the process that started it. It exits with the server.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const o = JSON.parse(process.argv[1]);
const child = spawn(o.cmd, o.args, { stdio: ['ignore', 'inherit', 'inherit'], uid: o.uid, gid: o.gid, cwd: o.cwd });
child.on('error', (e) => { console.error(String(e.message || e)); process.exit(127); });
child.on('exit', (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(o.signal));
process.stdin.on('data', () => undefined);
process.stdin.on('end', () => child.kill(o.signal));
process.stdin.on('error', () => child.kill(o.signal));
`;

export interface GuardedOptions {
  /** how the server is asked to stop (SIGINT is a fast shutdown for Postgres) */
  signal: NodeJS.Signals;
  uid?: number;
  gid?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A server process tied to this one: `stop()` ends it; it also ends when this process dies. */
export interface GuardedProcess {
  child: ChildProcess;
  /** the last lines the server wrote (stdout and stderr), for error messages */
  output(): string;
  /** resolves once the server has exited */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts `cmd` under a watchdog in a process group of its own (detached), so a Ctrl-C in the
 * terminal reaches rest-sync only: rest-sync stops its servers itself, last, once the worker drained.
 */
export function spawnGuarded(cmd: string, args: string[], opts: GuardedOptions): GuardedProcess {
  const spec = JSON.stringify({ cmd, args, signal: opts.signal, uid: opts.uid, gid: opts.gid, cwd: opts.cwd });
  const child = spawn(process.execPath, ['-e', WATCHDOG, spec], { detached: true, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString('utf8')).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e) => {
      keep(Buffer.from(String(e)));
      resolve(null);
    });
    child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin!.end();
      await exited;
    },
  };
}
