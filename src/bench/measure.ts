import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** CPU seconds by component: this process, the bulk API, Postgres, the Temporal dev server, others. */
export type Cpu = Record<'bench' | 'api' | 'postgres' | 'temporal' | 'other', number>;

const USER_HZ = 100;

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  /** own utime + stime, seconds */
  cpu: number;
  /** utime + stime of its reaped children, seconds */
  reaped: number;
}

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const f = s.slice(close + 2).split(' ');
      out.push({
        pid: Number(d),
        ppid: Number(f[1]),
        comm: s.slice(s.indexOf('(') + 1, close),
        cpu: (Number(f[11]) + Number(f[12])) / USER_HZ,
        reaped: (Number(f[13]) + Number(f[14])) / USER_HZ,
      });
    } catch {
      // the process ended while the folder was read
    }
  }
  return out;
}

/**
 * CPU used so far by this process and its descendants (the embedded Postgres and its backends,
 * the dev server, the API child). Postgres counts the backends its postmaster has reaped too. Processes that
 * are not descendants (a DATABASE_URL server) are not seen.
 */
export function cpuNow(apiPid?: number): Cpu {
  const procs = readProcs();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const self = process.cpuUsage();
  const cpu: Cpu = { bench: (self.user + self.system) / 1e6, api: 0, postgres: 0, temporal: 0, other: 0 };
  const isPostgres = (p: Proc | undefined) => !!p && p.comm.startsWith('postgres');
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const walk = (pid: number): void => {
    for (const p of children.get(pid) ?? []) {
      if (p.pid === apiPid) cpu.api += p.cpu;
      // the postmaster (whatever started it) holds the CPU of the backends it reaped: a connection
      // closed before this reading (the plain loop's) is counted there
      else if (isPostgres(p)) cpu.postgres += p.cpu + (isPostgres(byPid.get(p.ppid)) ? 0 : p.reaped);
      else if (p.comm.startsWith('temporal')) cpu.temporal += p.cpu;
      else cpu.other += p.cpu;
      walk(p.pid);
    }
  };
  walk(process.pid);
  return cpu;
}

export function cpuSince(before: Cpu, apiPid?: number): Cpu {
  const now = cpuNow(apiPid);
  const round = (v: number) => Math.round(v * 100) / 100;
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, round(v - before[k as keyof Cpu])])) as Cpu;
}

function statusKb(field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

/**
 * The process's peak resident set over a phase: VmHWM after resetting it (`/proc/self/clear_refs`
 * = 5), and a sampled maximum of the RSS as a fallback where the reset is refused.
 */
export function trackPeakRss(): { stop(): { peakMb: number; startMb: number } } {
  const startMb = process.memoryUsage.rss() / 2 ** 20;
  let reset = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    reset = true;
  } catch {
    // not Linux, or not allowed: sampling only
  }
  let sampled = startMb;
  const timer = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage.rss() / 2 ** 20)), 50);
  return {
    stop() {
      clearInterval(timer);
      const hwm = reset ? (statusKb('VmHWM') ?? 0) / 1024 : 0;
      return { peakMb: Math.round(Math.max(hwm, sampled)), startMb: Math.round(startMb) };
    },
  };
}

/** Fails loudly unless `schema.table` holds exactly `n` rows with `n` distinct ids. */
export async function verifyRows(
  query: (sql: string) => Promise<{ rows: { rows: number; ids: number }[] }>,
  label: string,
  schema: string,
  table: string,
  n: number,
): Promise<void> {
  const r = (await query(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM "${schema}"."${table}"`)).rows[0];
  if (r.rows !== n || r.ids !== n) {
    throw new Error(`${label}: ${schema}.${table} holds ${r.rows} rows with ${r.ids} distinct ids, expected exactly ${n}`);
  }
}
