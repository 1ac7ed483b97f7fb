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
  /** how a window taken over is walked (walkStripe; tests pass their own) */
  walk?: typeof walkStripe;
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
 * The watcher of a resource's windows: it takes over, all at once, the windows no live call
 * holds — a window whose worker died (its hold expired, while its activity would be retried only
 * after the heartbeat timeout) or whose activity has not started — and walks them from their
 * committed pages. One call per resource is the watcher (it holds the resource's own state row).
 *
 * Called by a window's call while it walks its own window (`own`: whether that ended done), it
 * watches from the start but takes over only windows whose holder died, the first time it finds
 * one: a dead worker's windows are walked again 2 s after it died, not once a live window has
 * walked all its own pages (windows stride over the whole resource, so that is near its end).
 * Once its own window is done it also takes windows whose activity has not started, and stays
 * until every window is done; a call whose own window ended unfinished walks on only what it took.
 * Called without `own` (its window was done already) it is the watcher from the start. A window
 * that ends without being done (a fault, the call's time) is left to its own activity, with its
 * own retry budget. Returns the windows it finished, which the workflow then stops waiting for.
 */
export async function watchSiblings(w: WindowWatch, own?: Promise<boolean>): Promise<WindowTakenOver[]> {
  const siblings = new Map(siblingStripes(w.stripe).map((s) => [stripeKey(w.name, s), s as WindowWatch['stripe']]));
  const finished: WindowTakenOver[] = [];
  if (siblings.size === 0) return finished;
  // undefined while the call's own window is walked; then whether it ended done
  let ownDone = (own ? undefined : true) as boolean | undefined;
  const ownEnded = own?.then((done) => void (ownDone = done));
  let watcher = false;
  const becomeWatcher = async () => (watcher ||= await w.holds.take(w.name));
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
    await (w.walk ?? walkStripe)(w.call(key), stripe, progress);
    if (progress.state.done) finished.push({ window: stripe.index, pages: progress.state.pages, rows: progress.state.rows, at });
    else left.add(key);
  };
  try {
    for (;;) {
      if (w.signal.aborted || Date.now() >= w.deadline) break;
      // a call whose own window ended unfinished takes nothing more: its walks end, then it does
      if (ownDone === false) break;
      // its own window done, the call watches on only as the resource's watcher (the others end at once, so the workflow hears of them)
      if (ownDone && !(await becomeWatcher())) break;
      const { free, busy } = await w.holds.open([...siblings.keys()]);
      const fresh = free.filter((f) => !walking.has(f.key) && !left.has(f.key) && (ownDone || f.gone));
      if (ownDone && fresh.length === 0 && busy === 0 && walking.size === 0) break;
      // while its own window is walked, the call becomes the watcher on the first dead window it sees, unless another call is
      if (fresh.length > 0 && !(await becomeWatcher())) fresh.length = 0;
      for (const f of fresh) {
        if (!(await w.holds.take(f.key))) continue;
        const walk = walkOne(f.key, f.gone)
          .catch(() => left.add(f.key))
          .finally(() => (walking.delete(f.key), w.holds.release(f.key)));
        walking.set(f.key, walk.then(() => undefined));
      }
      const wake = ownDone === undefined ? [ownEnded!, delay(HOLD_POLL_MS)] : [delay(WATCH_POLL_MS)];
      await Promise.race([...wake, ...walking.values()]);
    }
  } catch {
    // Postgres unreachable: the windows are left to their own activities
  } finally {
    await Promise.all(walking.values());
    if (watcher) await w.holds.release(w.name);
  }
  return finished;
}
