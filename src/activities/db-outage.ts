import { Context } from '@temporalio/activity';
import { RestSyncError } from '../errors';

/** How long an activity waits for Postgres to come back before it fails its attempt. */
export const DB_OUTAGE_BUDGET_MS = 120_000;

/** Socket errors of a connection that went away or never came. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * True for a failure of the connection to Postgres, not of a statement: socket errors, SQLSTATE
 * class 08 (connection exception), 57P01–57P03 (admin or crash shutdown, cannot connect now) and
 * a connection the server ended. Not knex's pool timeout: an exhausted pool is no outage. HTTP
 * faults (RestSyncErrors, axios errors) never count here.
 */
export function isDbUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object' || err instanceof RestSyncError) return false;
  const e = err as { code?: unknown; message?: unknown; isAxiosError?: unknown };
  if (e.isAxiosError) return false; // an HTTP call outside fetchRaw (the OAuth2 token request)
  if (typeof e.code === 'string' && (NET_CODES.has(e.code) || /^08|^57P0[123]$/.test(e.code))) return true;
  return typeof e.message === 'string' && /Connection terminated|Connection ended unexpectedly/i.test(e.message);
}

/**
 * Runs an activity body again while Postgres is unreachable, up to `budgetMs`, heartbeating as it
 * waits (1 s, doubling to 10 s). Running the body again is safe by design: every activity starts
 * from the committed state. A Postgres restart or failover therefore costs no retry attempt of
 * the resource's policy, which is sized for API faults (3 attempts, 3 s by default).
 */
export async function whileDbDown<T>(body: () => Promise<T>, budgetMs = DB_OUTAGE_BUDGET_MS, warn?: (m: string) => void): Promise<T> {
  const started = Date.now();
  let delay = 1000;
  for (;;) {
    try {
      return await body();
    } catch (err) {
      if (!isDbUnavailable(err) || Date.now() - started + delay > budgetMs) throw err;
      warn?.(`Postgres unavailable (${(err as Error).message}); trying again in ${delay / 1000} s`);
      const ctx = activityContext();
      for (let waited = 0; waited < delay; waited += 1000) {
        ctx?.heartbeat(); // a heartbeat a second: short heartbeat timeouts do not expire while waiting
        const step = Math.min(1000, delay - waited);
        await (ctx ? ctx.sleep(step) : new Promise((r) => setTimeout(r, step)));
      }
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (tests)
  }
}
