import { watchSiblings, type WindowWatch } from '../../src/activities/fetch/take-over';
import type { StripeProgress } from '../../src/activities/fetch/walk-stripe';
import { ensureStateTables } from '../../src/activities/store/state';
import { WindowHolds } from '../../src/activities/store/window-holds';
import { useTestSchema } from '../helpers/env';

const SCHEMA = 'take_over';
const SYNC = 'sync-1';

/** A promise and its resolve, for the call's own window ending when the test says. */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void } {
  let resolve!: (v: T) => void;
  return { promise: new Promise<T>((r) => (resolve = r)), resolve };
}

/**
 * The watcher of a resource's parallel windows (real Postgres, the walk of a taken window faked:
 * it marks the window done). While its call's own window is walked it takes over only windows
 * whose holder died; once its own window is done, also those whose activity has not started.
 */
describe('the windows watcher, from the start of its own walk', () => {
  const database = useTestSchema(SCHEMA, ensureStateTables);

  /** State rows of resource `r` with 4 windows: w0 this call's, w1 held by a dead call, w2 and w3 by none (not started) or as given. */
  async function rows(resource: string, held: Record<string, 'dead' | 'live' | null> = {}) {
    const holder = { dead: `'dead', clock_timestamp() - interval '5 seconds'`, live: `'live', clock_timestamp() + interval '60 seconds'` };
    for (const key of [resource, ...[0, 1, 2, 3].map((i) => `${resource}#w${i}`)]) {
      const h = held[key] ?? (key.endsWith('#w1') ? 'dead' : null);
      await database.db.raw(`INSERT INTO ${SCHEMA}._rest_sync_state (resource, sync_id, token, held_by, held_until) VALUES (?, ?, '{}', ${h ? holder[h] : 'NULL, NULL'})`, [key, SYNC]);
    }
  }

  function watch(resource: string, walked: string[]): WindowWatch {
    const holds = new WindowHolds(database.db, SCHEMA, SYNC);
    return {
      deps: { db: database.db } as never,
      schema: SCHEMA,
      name: resource,
      stripe: { kind: 'window', index: 0, count: 4, from: null },
      holds,
      call: (key: string) => ({ key }) as never,
      deadline: Date.now() + 30_000,
      signal: new AbortController().signal,
      walk: async (call: unknown, _stripe: unknown, progress: StripeProgress) => {
        const { key } = call as { key: string };
        walked.push(key);
        await database.db.raw(`UPDATE ${SCHEMA}._rest_sync_state SET done = true, pages = 5, rows = 50 WHERE resource = ?`, [key]);
        progress.state = { ...progress.state, done: true, pages: 5, rows: 50 };
      },
    };
  }

  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  };

  test.each([
    { name: 'own window done: the dead window at once, then the ones not started', resource: 'a', ownDone: true, walked: ['a#w1', 'a#w2', 'a#w3'], windows: [1, 2, 3] },
    { name: 'own window ended unfinished: only the dead window, taken while it was walked', resource: 'b', ownDone: false, walked: ['b#w1'], windows: [1] },
  ])('$name', async ({ resource, ownDone, walked: expected, windows }) => {
    await rows(resource);
    const walked: string[] = [];
    const own = deferred<boolean>();
    const result = watchSiblings(watch(resource, walked), own.promise);
    await until(() => walked.length > 0);
    // while its own window is walked: the dead window is taken, those not started are left to their activities
    expect(walked).toEqual([`${resource}#w1`]);
    await new Promise((r) => setTimeout(r, 700));
    expect(walked).toEqual([`${resource}#w1`]);
    own.resolve(ownDone);
    expect((await result).map((t) => t.window).sort()).toEqual(windows);
    expect(walked).toEqual(expected);
    // the resource's watcher hold is given back
    expect((await database.db.raw(`SELECT held_by FROM ${SCHEMA}._rest_sync_state WHERE resource = ?`, [resource])).rows[0].held_by).toBeNull();
  });

  test('another live call is the watcher: this one takes nothing, and ends as soon as its own window does', async () => {
    await rows('c', { c: 'live' });
    const walked: string[] = [];
    const own = deferred<boolean>();
    const result = watchSiblings(watch('c', walked), own.promise);
    await new Promise((r) => setTimeout(r, 700));
    own.resolve(true);
    expect(await result).toEqual([]);
    expect(walked).toEqual([]);
  });
});
