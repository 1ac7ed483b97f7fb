import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { withoutHtml } from './errors';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Fields worth a person's attention in an SDK log entry's metadata (no stacks, no payloads). */
function summarize(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const key of ['workflowId', 'activityType', 'attempt', 'taskQueue']) if (meta[key] !== undefined) out[key] = meta[key];
  const err = meta.error ?? meta.failure;
  if (err) out.error = withoutHtml(err instanceof Error ? err.message : String((err as { message?: string }).message ?? err));
  return out;
}

let format: LogFormat = 'text';

/** The SDK's entries that repeat a failure the command itself reports (with `--verbose` they are kept). */
const OUTCOME_MESSAGES = new Set(['Activity failed', 'Workflow failed', 'Workflow completed as failed']);

/** One log line on stderr, in the chosen format: `[level] message (k=v)` or a JSON line. */
export function logLine(level: string, message: string, meta: Record<string, unknown> = {}, time = new Date()): void {
  if (format === 'json') {
    console.error(JSON.stringify({ time: time.toISOString(), level: level.toLowerCase(), message, ...meta }));
    return;
  }
  const extra = Object.entries(meta).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  console.error(`[${level.toLowerCase()}] ${message}${extra.length ? ` (${extra.join(', ')})` : ''}`);
}

/** The CLI's own messages (what it connects to, what it started): plain lines for people, JSON lines with `--log-format json`. */
export function cliLog(message: string): void {
  if (format === 'json') logLine('info', message);
  else console.error(message);
}

/**
 * The worker's log for people: one line per entry on stderr, warnings and up unless verbose, and
 * never a stack trace (failures carry their cause as a one-line message). `json` prints JSON lines,
 * as the CLI's own messages then are.
 */
export function installLogger(opts: { verbose?: boolean; format?: LogFormat; shutdownSignals?: NodeJS.Signals[]; reportsOutcome?: boolean }): void {
  format = opts.format ?? 'text';
  const write = (entry: LogEntry) =>
    // a command that reports the sync's outcome itself (`run`) prints each failure once: there, not here too
    (opts.reportsOutcome && !opts.verbose && OUTCOME_MESSAGES.has(entry.message)) ||
    logLine(entry.level, entry.message, summarize(entry.meta as Record<string, unknown> | undefined), new Date(Number(entry.timestampNanos / 1_000_000n)));
  try {
    Runtime.install({
      logger: new DefaultLogger(opts.verbose ? 'INFO' : 'WARN', write),
      // the SDK core's own lines (Rust) would go to stdout in their own format: forwarded here instead
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
      shutdownSignals: opts.shutdownSignals,
    });
  } catch {
    // a runtime exists already (the logger is set once per process)
  }
}
