import { claimStates, ensureStateTables, readStates } from '../../src/activities/store/state';
import { useTestSchema } from '../helpers/env';

const SCHEMA = 'claim_states';

/** A resource's 8 window keys, in the order window `i` lists them (its own first, as fetchPages does). */
const keysOf = (resource: string, own: number) => Array.from({ length: 8 }, (_, k) => `${resource}#w${(own + k) % 8}`);

/**
 * The state rows of a resource's parallel windows, claimed by each window's call in one upsert:
 * calls starting at once claim the same rows listing them in different orders.
 */
describe("claimStates: a resource's windows claimed together", () => {
  const ctx = useTestSchema(SCHEMA, ensureStateTables);

  test.each([
    { name: 'no rows yet', before: undefined },
    { name: 'rows of an earlier sync, 3 pages into it', before: 'sync-0' },
  ])('8 calls claiming the same 8 rows at once ($name): no deadlock, each row started once, at its initial token', async ({ before }) => {
    const resource = `r_${before ?? 'new'}`;
    if (before) {
      await claimStates(ctx.db, SCHEMA, keysOf(resource, 0).map((k) => ({ resource: k, initialToken: { offset: 0 } })), before);
      await ctx.db.raw(`UPDATE ${SCHEMA}._rest_sync_state SET pages = 3, rows = 30, token = '{"offset": 30}' WHERE resource LIKE ?`, [`${resource}#%`]);
    }
    const started: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        claimStates(ctx.db, SCHEMA, keysOf(resource, i).map((k) => ({ resource: k, initialToken: { offset: Number(k.slice(-1)) } })), 'sync-1', async (_trx, key) => {
          started.push(key);
        }),
      ),
    );
    expect(started.sort()).toEqual(keysOf(resource, 0).sort());
    const rows = await readStates(ctx.db, SCHEMA, keysOf(resource, 0));
    expect([...rows.values()].map((r) => [r.resource, r.syncId, r.pages, r.token])).toEqual(
      expect.arrayContaining(keysOf(resource, 0).map((k) => [k, 'sync-1', 0, { offset: Number(k.slice(-1)) }])),
    );
    expect(rows.size).toBe(8);
  });

  test('a row this sync claimed keeps its progress when claimed again; a row of an earlier sync beside it starts afresh', async () => {
    await claimStates(ctx.db, SCHEMA, [{ resource: 'k#w0', initialToken: { offset: 0 } }], 'sync-1');
    await ctx.db.raw(`UPDATE ${SCHEMA}._rest_sync_state SET pages = 5, rows = 50 WHERE resource = 'k#w0'`);
    await claimStates(ctx.db, SCHEMA, [{ resource: 'k#w1', initialToken: { offset: 10 } }], 'sync-0');
    const started: string[] = [];
    const got = await claimStates(
      ctx.db,
      SCHEMA,
      ['k#w0', 'k#w1'].map((k) => ({ resource: k, initialToken: { offset: 0 } })),
      'sync-1',
      async (_trx, key) => void started.push(key),
    );
    expect(started).toEqual(['k#w1']);
    expect(got.get('k#w0')).toMatchObject({ syncId: 'sync-1', pages: 5, rows: 50 });
    expect(got.get('k#w1')).toMatchObject({ syncId: 'sync-1', pages: 0, rows: 0 });
  });
});
