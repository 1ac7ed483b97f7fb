import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Processes whose command line mentions `text` (e.g. a test's folder): what outlived a command. */
export function processesMentioning(text: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(text)) out.push(`${pid} ${cmd.slice(0, 200)}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits until no process mentions `text`, up to `ms`; returns those left. */
export async function waitNoProcesses(text: string, ms = 5000): Promise<string[]> {
  const until = Date.now() + ms;
  let left = processesMentioning(text);
  while (left.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesMentioning(text);
  }
  return left;
}

/** Every process below `pid` (children, their children, ...), read from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      // the field after the parenthesised command name is the state, then the parent pid
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  for (let frontier = [pid]; frontier.length; ) {
    frontier = [...parent].filter(([, pp]) => frontier.includes(pp)).map(([p]) => p);
    out.push(...frontier);
  }
  return out;
}

/** Waits until none of `pids` is alive, up to `ms`; returns those left. */
export async function waitGone(pids: number[], ms = 5000): Promise<number[]> {
  const alive = () => pids.filter((p) => existsSync(`/proc/${p}`) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z '));
  const until = Date.now() + ms;
  while (alive().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return alive();
}
