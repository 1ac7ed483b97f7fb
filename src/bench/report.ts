import type { Variant } from './api';
import type { KillReport } from './kill';
import type { Cpu } from './measure';
import type { HistoryFigures } from './restsync';

/** One contender's run on one variant. */
export interface Phase {
  rows: number;
  /** pages loaded (API requests that returned a page, the final empty one included) */
  pages: number;
  seconds: number;
  rowsPerSecond: number;
  /** rows/s of this contender / rows/s of the plain loop */
  ratio: number;
  /** requests the bulk API served during the run */
  requests: number;
  /** CPU seconds per component during the run; `bench` is the syncing process (dlt: its python) */
  cpu: Cpu;
  /** peak RSS of the syncing process during the run */
  peakRssMb: number;
  /** rows/s of every round, when there were several (the figures above are the fastest round's) */
  runsRowsPerSecond?: number[];
  /** RSS of the syncing process when the run started (the bench process: dev-server client, bundled workflows) */
  startRssMb?: number;
  /** latency-bound profile: requests the API refused (429) and the most it accepted in any sliding second */
  api?: { refused: number; peak: number };
  /** --kill-worker-after: the worker process killed mid-sync and who finished its windows */
  kill?: KillReport;
}

export interface VariantResult {
  variant: Variant;
  plain: Phase;
  restSync: Phase & { history: HistoryFigures & { eventsPer1kPages: number; bytesPer1kPages: number } };
  /** `children`: rest-sync with each child started only after its parent finished (`pipelineChildren: false`) */
  afterParent?: Phase;
  dlt?: Phase | { skipped: string };
}

export interface BenchResult {
  date: string;
  n: number;
  pageSize: number;
  cpus: number;
  /** rounds per variant; each figure is the fastest round's */
  repeat: number;
  postgres: string;
  options?: Record<string, number>;
  /** the latency-bound profile: API latency and rate limit, rest-sync worker processes */
  profile?: { latencyMs?: number; rateLimit?: number; workers?: number; killWorkerAfter?: number };
  variants: VariantResult[];
}

/** A run's figures with its rate; the ratio is set once the plain loop's rate is known. */
export function phase(figures: { rows: number; pages: number; seconds: number }, rest: Omit<Phase, 'rows' | 'pages' | 'seconds' | 'rowsPerSecond' | 'ratio'>): Phase {
  const rowsPerSecond = Math.round(figures.rows / figures.seconds);
  return { rows: figures.rows, pages: figures.pages, seconds: Math.round(figures.seconds * 100) / 100, rowsPerSecond, ratio: 1, ...rest };
}

const num = (v: number) => v.toLocaleString('en-US');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function row(name: string, p: Phase): string {
  const c = p.cpu;
  return [
    name.padEnd(13),
    p.seconds.toFixed(2).padStart(8),
    num(p.rowsPerSecond).padStart(9),
    p.ratio.toFixed(2).padStart(8),
    String(p.requests).padStart(8),
    `${p.peakRssMb}${p.startRssMb !== undefined ? ` (${p.startRssMb})` : ''} MB`.padStart(15),
    `  ${c.bench.toFixed(1)} / ${c.api.toFixed(1)} / ${c.postgres.toFixed(1)} / ${c.temporal.toFixed(1)}`,
    p.runsRowsPerSecond ? `  rounds: ${p.runsRowsPerSecond.map(num).join(', ')}` : '',
    p.api ? `  API: ${p.api.refused} refused, peak ${p.api.peak}/s` : '',
  ].filter(Boolean).join(' ');
}

/** What the worker killed mid-sync cost, in one line. */
function killLine(k: KillReport): string {
  return (
    `  worker ${k.worker} (pid ${k.pid}) SIGKILLed ${k.atSeconds.toFixed(2)} s in with ${k.inFlight} windows in flight; ` +
    `${k.resumed} resumed by pid ${k.resumedBy.join(', ') || '-'}, the last ${k.recoverySeconds.toFixed(2)} s after the kill; ` +
    `${k.workflowTaskTimeouts} workflow tasks timed out`
  );
}

/** The human-readable table. */
export function formatResult(r: BenchResult): string {
  const lines = [
    `rest-sync bench ${r.date} — ${num(r.n)} records of 8 fields, page ${r.pageSize}, ${r.cpus} CPUs, Postgres: ${r.postgres}` +
      (r.options ? `, options ${JSON.stringify(r.options)}` : '') +
      (r.profile ? `, profile ${JSON.stringify(r.profile)}` : '') +
      (r.repeat > 1 ? `, fastest of ${r.repeat} rounds` : ''),
  ];
  const skipped = r.variants.map((v) => v.dlt).find((d) => d && 'skipped' in d);
  if (skipped && 'skipped' in skipped) lines.push(`dlt: skipped (${skipped.skipped})`);
  for (const v of r.variants) {
    lines.push('', `${v.variant}:`);
    lines.push(`${'  '.padEnd(13)}  seconds     rows/s  vs plain requests  peak RSS (start)   CPU s: client / api / postgres / temporal`);
    lines.push(`  ${row('plain loop', v.plain)}`, `  ${row('rest-sync', v.restSync)}`);
    if (v.restSync.kill) lines.push(killLine(v.restSync.kill));
    if (v.afterParent) {
      lines.push(`  ${row('rs, children after parent', v.afterParent)}`);
      lines.push(`  pipelining: children following their parent ${(v.afterParent.seconds / v.restSync.seconds).toFixed(2)}x faster than after it`);
    }
    if (v.dlt && !('skipped' in v.dlt)) lines.push(`  ${row('dlt rest_api', v.dlt)}`);
    const h = v.restSync.history;
    lines.push(
      `  rest-sync history: ${h.workflows} workflows, ${h.runs} runs, ${h.events} events, ${kb(h.bytes)}` +
        ` = ${h.eventsPer1kPages} events, ${kb(h.bytesPer1kPages)} per 1k pages`,
    );
  }
  return lines.join('\n');
}
