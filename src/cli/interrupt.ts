import { RestSyncError } from '../errors';

/** The exit codes of a process stopped by a signal, as shells report them. */
const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** `run` was stopped by Ctrl-C or SIGTERM and cancelled its sync: exits 130 / 143 with this one line. */
export class RunInterrupted extends RestSyncError {
  readonly exitCode: number;
  constructor(
    readonly signal: NodeJS.Signals,
    message: string,
  ) {
    super('INTERRUPTED', message);
    this.exitCode = EXIT_CODES[signal] ?? 1;
  }
}

/**
 * Calls `onStop` once, on the first SIGINT or SIGTERM; a second one exits at once (the servers
 * this process started stop with it, see infra/guarded.ts). Returns the function that unhooks it.
 */
export function onStopSignal(onStop: (signal: NodeJS.Signals) => void): () => void {
  let first: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (first) {
      console.error(`rest-sync: ${signal} again: stopping at once`);
      process.exit(EXIT_CODES[signal] ?? 1);
    }
    first = signal;
    onStop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
