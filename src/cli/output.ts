/**
 * stdout carries a command's result and nothing else (`run --json | jq` must always parse): every
 * log line — this CLI's, the Temporal SDK's, knex's pool warnings during a Postgres outage, which
 * use `console.log` — goes to stderr. `print` is the only writer of stdout.
 */
export function reserveStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

let printed = false;

/** Writes a command's result to stdout (a line). */
export function print(text: string): void {
  printed = true;
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * With `--json`, stdout holds one JSON document whatever happens: a process that exits before its
 * command reported (a second Ctrl-C stops at once) prints its error on the way out. The line is
 * short: a pipe takes it whole at once, so it is out before the process is (longer output is
 * drained first, see flushStdout).
 */
export function jsonOnExit(): void {
  process.once('exit', (code) => {
    if (printed || code === 0) return;
    const what = code === 130 ? 'INTERRUPTED' : code === 143 ? 'TERMINATED' : 'FAILED';
    printJson({ error: { code: what, message: `rest-sync stopped at once (exit ${code})` } });
  });
}

/** Writes a command's result as one JSON document. */
/**
 * Resolves once stdout has handed everything written to the OS. A pipe takes 64 KB at once; the
 * rest of a longer output (`schema` prints ~260 KB) waits in Node's buffer, and an exit before
 * the buffer drains would cut it off.
 */
export function flushStdout(): Promise<void> {
  if (process.stdout.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    process.stdout.once('drain', () => resolve());
    process.stdout.once('error', () => resolve());
  });
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}
