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

/** Writes a command's result to stdout (a line). */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a command's result as one JSON document. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}
