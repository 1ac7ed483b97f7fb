import { setTimeout as delay } from 'node:timers/promises';
import type { WindowTakenOver } from '../types';
import { readState } from '../store/state';
import { HOLD_TTL_MS, type WindowHolds } from '../store/window-holds';
import type { FetchDeps } from './fetch-pages';
import { siblingStripes, stripeKey, type Stripe } from './position';
import { walkStripe, type StripeCall, type StripeProgress } from './walk-stripe';

/**
 * How often a window waiting for its holder looks again, and the watcher of a resource's windows
 * (one call per resource). The watcher's activity is the resource's last to end: it sees the
 * last window done at its next look, so its interval is added to every parallel resource (at
 * 250 ms, a tenth of a 100k-record sync); one small query every 50 ms while windows finish.
 */
const HOLD_POLL_MS = 500;
const WATCH_POLL_MS = 50;

/** What a call needs to wait for, or take over, a resource's parallel windows. */
export interface WindowWatch {
  deps: FetchDeps;
  schema: string;
  /** the resource's name: its own state row holds the watcher */
  name: string;
  stripe: Extract<Stripe, { kind: 'window' }>;
  holds: WindowHolds;
  call(key: string): StripeCall;
  deadline: number;
  signal: AbortSignal;
}

/**
 * Waits until this call may walk its window (true), or the window was finished by the call that
 * held it, or the call's time is up (false). Another call holds it when the resource's watcher
 * took it over from a worker presumed gone, or when this is the retry of an attempt whose worker died.
 */
export async function holdWindow(w: WindowWatch, key: string): Promise<boolean> {
  for (;;) {
    if (await w.holds.take(key)) return true;
    if ((await readState(w.deps.db, w.schema, key))!.done || Date.now() >= w.deadline || w.signal.aborted) return false;
    await delay(HOLD_POLL_MS);
  }
}

/**
 * Called by a window whose own pages are done. The first such call of a resource becomes its
 * watcher (the others end at once, so the workflow hears of them): until every window is done,
 * it takes over, all at once, the windows no live call holds — a window whose worker died (its
 * hold expired, while its activity would be retried only after the heartbeat timeout) or whose
 * activity has not started — and walks them from their committed pages. A window that ends
 * without being done (a fault, the call's time) is left to its own activity, with its own retry
 * budget. Returns the windows it finished, which the workflow then stops waiting for.
 */
export async function watchSiblings(w: WindowWatch): Promise<WindowTakenOver[]> {
  const siblings = new Map(siblingStripes(w.stripe).map((s) => [stripeKey(w.name, s), s as WindowWatch['stripe']]));
  const finished: WindowTakenOver[] = [];
  if (siblings.size === 0 || !(await w.holds.take(w.name))) return finished;
  const walking = new Map<string, Promise<void>>();
  // windows a walk of this call ended without finishing (a fault, the call's time): not taken again
  const left = new Set<string>();
  const walkOne = async (key: string, gone: boolean) => {
    const stripe = siblings.get(key)!;
    const at = Date.now();
    const progress: StripeProgress = { state: (await readState(w.deps.db, w.schema, key))!, pagesNow: 0, lastRecords: 0, caughtUp: false };
    const taken = `resource "${w.name}": window ${stripe.index + 1} taken over by window ${w.stripe.index + 1} at page ${progress.state.pages + 1}`;
    if (gone) w.deps.log?.warn(`${taken}: its holder was not heard from for ${HOLD_TTL_MS / 1000} s`);
    else w.deps.log?.info(`${taken}: its own activity had not started`);
    await walkStripe(w.call(key), stripe, progress);
    if (progress.state.done) finished.push({ window: stripe.index, pages: progress.state.pages, rows: progress.state.rows, at });
    else left.add(key);
  };
  try {
    for (;;) {
      if (w.signal.aborted || Date.now() >= w.deadline) break;
      const { free, busy } = await w.holds.open([...siblings.keys()]);
      const fresh = free.filter((f) => !walking.has(f.key) && !left.has(f.key));
      if (fresh.length === 0 && busy === 0 && walking.size === 0) break;
      for (const f of fresh) {
        if (!(await w.holds.take(f.key))) continue;
        const walk = walkOne(f.key, f.gone)
          .catch(() => left.add(f.key))
          .finally(() => (walking.delete(f.key), w.holds.release(f.key)));
        walking.set(f.key, walk.then(() => undefined));
      }
      await Promise.race([delay(WATCH_POLL_MS), ...walking.values()]);
    }
  } catch {
    // Postgres unreachable: the windows are left to their own activities
  } finally {
    await Promise.all(walking.values());
    await w.holds.release(w.name);
  }
  return finished;
}
