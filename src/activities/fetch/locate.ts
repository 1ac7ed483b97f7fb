import { setTimeout as delay } from 'node:timers/promises';
import type { Json } from '../../plan/types';
import type { ActivityDeps } from '../deps';
import type { FetchPagesInput } from '../types';
import { markDone, type StateRow } from '../store/state';
import { nextPartition, parentStripes } from '../store/partitions';
import { decodeChildToken, parentFrontier, stripeKey, type Frontier, type Position, type Stripe } from './position';

/** The stripe one activity call walks, with what it needs to reach the store. */
export interface StripeWalk {
  deps: ActivityDeps;
  schema: string;
  input: FetchPagesInput;
  stripe: Stripe;
  /** when the window ends (ms since the epoch) and its cancellation: a child waiting for its parent stops at either */
  deadline: number;
  signal: AbortSignal;
  /** the parent's frontier as last read in this call: it only ever moves forward, so it stays valid */
  frontier?: Frontier;
}

/** A child that has walked every committed parent record while the parent still runs. */
export const CAUGHT_UP = 'caught-up';

/**
 * How long a child caught up with its running parent waits, in its activity, for the parent's
 * next page: a parent that makes no progress for this long (between windows, or waiting for a
 * worker slot) gets the slot back, and the child's workflow waits on a timer instead.
 */
export const FOLLOW_IDLE_MS = 3000;
const FOLLOW_POLL_MS = 100;

/**
 * The position the committed state points at. A root resource's is its token. A child's is the
 * parent record it is on (the next one in its lane once a record's pages ended), with the token
 * within it. The child follows the parent's committed pages while the parent runs: it waits for
 * the next one (`CAUGHT_UP` when the parent is idle, or the window's time is up); once the parent
 * has ended and no parent record is left, the child's state row is marked done and there is none.
 */
export async function locate(walk: StripeWalk, state: StateRow, firstToken: () => Json): Promise<Position | typeof CAUGHT_UP | undefined> {
  const { deps, schema, input, stripe } = walk;
  const { resource } = input;
  if (!resource.parent) return { token: state.token };
  const parentName = resource.parent.resource;
  const at = decodeChildToken(state.token);
  // mid-record: the committed token continues inside the same parent record
  const inside = at.token !== null && at.parent !== null;
  const after = at.parent && inside ? { page: at.parent.page, idx: at.parent.idx - 1 } : at.parent;
  const lane = stripe.kind === 'lane' ? { index: stripe.index, count: stripe.count } : undefined;
  // the frontier is read before the records: every parent page below it was committed by then
  const read = async () => parentFrontier(parentName, await parentStripes(deps.db, schema, input.syncId, parentName));
  let frontier = walk.frontier ?? (await read());
  let seen = frontier.pages;
  let idleSince = Date.now();
  for (;;) {
    const parent = await nextPartition(deps.db, schema, input.syncId, parentName, after, lane, frontier.complete ? undefined : frontier.before);
    if (parent) {
      walk.frontier = frontier;
      return { token: inside ? at.token : firstToken(), parent };
    }
    if (frontier.complete) {
      await markDone(deps.db, schema, stripeKey(resource.name, stripe), input.syncId, state.pages);
      return undefined;
    }
    const fresh = await read();
    if (fresh.complete || fresh.before > frontier.before) {
      frontier = fresh; // the parent moved on: look again at once
      continue;
    }
    frontier = fresh;
    if (fresh.pages !== seen) [seen, idleSince] = [fresh.pages, Date.now()];
    const now = Date.now();
    if (!fresh.started || now - idleSince >= FOLLOW_IDLE_MS || now >= walk.deadline || walk.signal.aborted) return CAUGHT_UP;
    await delay(FOLLOW_POLL_MS, undefined, { signal: walk.signal }).catch(() => undefined);
  }
}
