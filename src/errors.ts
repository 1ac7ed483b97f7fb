/**
 * One root error class with a stable `code`, and a few leaves. Activities turn these into
 * `ApplicationFailure`s once, at their boundary (see activities/boundary.ts), so Temporal's retry
 * policy sees `type = code` and can mark the fatal ones non-retryable.
 */
export class RestSyncError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A config that cannot be run: names the config path (`resources[2].endpoint.paginator.type`). */
export class ConfigError extends RestSyncError {
  constructor(
    message: string,
    readonly configPath?: string,
  ) {
    super('CONFIG_ERROR', configPath ? `${configPath}: ${message}` : message);
  }
}

/** An HTTP answer that retrying will not fix (401, 404, ...). */
export class HttpFatalError extends RestSyncError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super('HTTP_FATAL', message);
  }
}

/** An HTTP answer or network fault worth retrying; `retryAfterMs` carries the server's Retry-After. */
export class HttpRetriableError extends RestSyncError {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super('HTTP_RETRIABLE', message);
  }
}

/** A paginator produced the token it was given again: the API would loop forever. */
export class PaginationLoopError extends RestSyncError {
  constructor(message: string) {
    super('PAGINATION_LOOP', message);
  }
}

/** A page whose content cannot be loaded: wrong shape, missing selector path, missing primary key. */
export class DataError extends RestSyncError {
  constructor(message: string) {
    super('DATA_ERROR', message);
  }
}

/** A processing step's expression failed on a record: the page fails (no retry fixes it), the library's error kept as cause. */
export class ProcessingStepError extends DataError {
  constructor(message: string, cause: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** Another live sync holds the dataset (one sync of a dataset at a time, guarded in Postgres). */
export class DatasetBusyError extends RestSyncError {
  constructor(message: string) {
    super('DATASET_BUSY', message);
  }
}

/** Error codes that no retry can fix. */
export const NON_RETRYABLE_CODES = ['CONFIG_ERROR', 'HTTP_FATAL', 'PAGINATION_LOOP', 'DATA_ERROR', 'DATASET_BUSY'];

/**
 * The innermost cause's message: a person wants the reason, not the chain of wrappers (workflow
 * failed → child failed → activity failed → the error). Pure: the workflows use it too.
 */
export function innermostMessage(err: unknown): string {
  let cur = err as { cause?: unknown; message?: string } | undefined;
  while (cur?.cause) cur = cur.cause as typeof cur;
  return cur?.message ?? String(err);
}

/**
 * The error again, placed: a copy of the same class and fields whose message starts with where
 * it happened (`resource "users" page 3`), the original as its `cause`. An error placed already
 * is returned as it is.
 */
export function placed<E extends RestSyncError>(err: E, where: string): E {
  if (err.message.includes(where)) return err;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as E, err);
  Object.defineProperties(copy, {
    message: { value: `${where}: ${err.message}`, writable: true, configurable: true },
    cause: { value: err, writable: true, configurable: true },
    stack: { value: `${err.name}: ${where}: ${err.message}`, writable: true, configurable: true },
  });
  return copy;
}
