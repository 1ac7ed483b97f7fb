import { readdirSync, readFileSync } from 'node:fs';

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
