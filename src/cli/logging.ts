import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

export type LogFormat = 'text' | 'json';

/** Fields worth a person's attention in an SDK log entry's metadata (no stacks, no payloads). */
function summarize(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const key of ['workflowId', 'activityType', 'attempt', 'taskQueue']) if (meta[key] !== undefined) out[key] = meta[key];
  const err = meta.error ?? meta.failure;
  if (err) out.error = err instanceof Error ? err.message : String((err as { message?: string }).message ?? err);
  return out;
}

/**
 * The worker's log for people: one line per entry, warnings and up unless verbose, and never a
 * stack trace (failures carry their cause as a one-line message). `json` prints JSON lines.
 */
export function installLogger(opts: { verbose?: boolean; format?: LogFormat; shutdownSignals?: NodeJS.Signals[] }): void {
  const write = (entry: LogEntry) => {
    const meta = summarize(entry.meta as Record<string, unknown> | undefined);
    if (opts.format === 'json') {
      const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
      console.error(JSON.stringify({ time, level: entry.level.toLowerCase(), message: entry.message, ...meta }));
      return;
    }
    const extra = Object.entries(meta).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    console.error(`[${entry.level.toLowerCase()}] ${entry.message}${extra.length ? ` (${extra.join(', ')})` : ''}`);
  };
  try {
    Runtime.install({ logger: new DefaultLogger(opts.verbose ? 'INFO' : 'WARN', write), shutdownSignals: opts.shutdownSignals });
  } catch {
    // a runtime exists already (the logger is set once per process)
  }
}
