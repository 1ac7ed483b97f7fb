import type { Json } from '../../plan/types';
import type { ActivityDeps } from '../deps';
import type { FetchPagesInput } from '../types';
import { markDone, type StateRow } from '../store/state';
import { nextPartition } from '../store/partitions';
import { decodeChildToken, stripeKey, type Position, type Stripe } from './position';

/** The stripe one activity call walks, with what it needs to reach the store. */
export interface StripeWalk {
  deps: ActivityDeps;
  schema: string;
  input: FetchPagesInput;
  stripe: Stripe;
}

/**
 * The position the committed state points at. A root resource's is its token. A child's is the
 * parent record it is on (the next one in its lane once a record's pages ended), with the token
 * within it; when no parent record is left the child's state row is marked done and there is none.
 */
export async function locate(walk: StripeWalk, state: StateRow, firstToken: () => Json): Promise<Position | undefined> {
  const { deps, schema, input, stripe } = walk;
  const { resource } = input;
  if (!resource.parent) return { token: state.token };
  const at = decodeChildToken(state.token);
  // mid-record: the committed token continues inside the same parent record
  const inside = at.token !== null && at.parent !== null;
  const after = at.parent && inside ? { page: at.parent.page, idx: at.parent.idx - 1 } : at.parent;
  const lane = stripe.kind === 'lane' ? { index: stripe.index, count: stripe.count } : undefined;
  const parent = await nextPartition(deps.db, schema, input.syncId, resource.parent.resource, after, lane);
  if (!parent) {
    await markDone(deps.db, schema, stripeKey(resource.name, stripe), input.syncId, state.pages);
    return undefined;
  }
  return { token: inside ? at.token : firstToken(), parent };
}
