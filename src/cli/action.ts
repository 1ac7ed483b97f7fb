import type { Command } from 'commander';
import { describeError } from './errors';
import { errorCodeOf, exitCodeOf } from './exit';
import { flushStdout, printJson } from './output';

/** A hint for a failure (what to check, where), added by the command that knows its context. */
export function addHint<E>(err: E, hint: string | undefined): E {
  if (hint && err && typeof err === 'object') Object.assign(err, { hint });
  return err;
}

/**
 * Reports a failure once and exits by the exit-code table (exit.ts): with `--json`, one JSON
 * document on stdout, `{"error": {"code", "message", "hint"}}`; otherwise one paragraph on stderr
 * with its hint (the stack only with `--verbose`).
 */
export function fail(err: unknown, o: { json?: boolean; verbose?: boolean }): never {
  const message = describeError(err);
  const hint = (err as { hint?: string } | undefined)?.hint;
  if (o.json) printJson({ error: { code: errorCodeOf(err), message, ...(hint ? { hint } : {}) } });
  else {
    console.error(`rest-sync: ${message}${hint ? `\nhint: ${hint}` : ''}`);
    if (o.verbose && err instanceof Error && exitCodeOf(err) === 1) console.error(err.stack);
  }
  process.exit(exitCodeOf(err));
}

/** A command's action: its failure is reported by `fail`, as JSON when the command was given `--json`. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    try {
      await fn(...args);
    } catch (err) {
      fail(err, { json: !!cmd.opts().json, verbose: !!cmd.optsWithGlobals().verbose });
    }
    // done: the SDK runtime's log forwarding would keep the process alive; stdout is drained first
    await flushStdout();
    process.exit(process.exitCode ?? 0);
  };
}
