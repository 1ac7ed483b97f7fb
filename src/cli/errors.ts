import { WorkflowFailedError } from '@temporalio/client';

/** The innermost cause's message: a person wants the reason, not the chain of wrappers. */
export function describeError(err: unknown): string {
  let cur = err as { cause?: unknown; message?: string } | undefined;
  if (err instanceof WorkflowFailedError && err.cause) cur = err.cause as typeof cur;
  while (cur?.cause) cur = cur.cause as typeof cur;
  return cur?.message ?? String(err);
}
