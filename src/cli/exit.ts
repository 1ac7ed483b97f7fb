import { CommanderError } from 'commander';
import { ConfigError, RestSyncError } from '../errors';
import { RunInterrupted } from './interrupt';

/**
 * The one exit-code table of every command (README → Exit codes), so scripts can tell a failed
 * sync from a mistyped flag or a bad config, and both from an interrupted run.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** A mistake in how a command was called (a flag's value, a missing server): exit 2. */
export class UsageError extends RestSyncError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The exit code of a failure: usage and config mistakes 2, signals 130/143, everything else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof RunInterrupted) return err.exitCode;
  if (err instanceof ConfigError || err instanceof UsageError) return EXIT.usage;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  return EXIT.failed;
}

/** A stable code for `{"error": {"code": ...}}`: the error's own code, else by exit code. */
export function errorCodeOf(err: unknown): string {
  if (err instanceof RestSyncError) return err.code;
  if (err instanceof CommanderError) return 'USAGE';
  return 'FAILED';
}
