import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { HttpRetriableError, NON_RETRYABLE_CODES, RestSyncError } from '../errors';
import { redact } from './secrets';

/**
 * The one place errors become Temporal failures: the type is the error's code (so retry policies
 * can name non-retryable types), fatal codes are non-retryable, Retry-After becomes the next
 * retry's delay, and every secret value handed out is scrubbed from the message.
 */
export function toFailure(err: unknown, secretValues: string[]): ApplicationFailure | CancelledFailure {
  // a cancellation stays one: Temporal reports the activity cancelled, not failed
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const message = redact(err instanceof Error ? err.message : String(err), secretValues);
  if (err instanceof RestSyncError) {
    const delay = err instanceof HttpRetriableError ? err.retryAfterMs : undefined;
    return ApplicationFailure.create({
      message,
      type: err.code,
      nonRetryable: NON_RETRYABLE_CODES.includes(err.code),
      nextRetryDelay: delay !== undefined ? Math.max(delay, 1) : undefined,
    });
  }
  const code = (err as { code?: string })?.code;
  return ApplicationFailure.create({ message, type: code ? `INTERNAL_${code}` : 'INTERNAL', nonRetryable: false });
}

/** Runs an activity body and converts whatever it throws, once. */
export async function atBoundary<T>(secretValues: () => string[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toFailure(err, secretValues());
  }
}
