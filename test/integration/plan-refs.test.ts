import { DataError } from '../../src/errors';
import { fetchInput, finishInput } from '../../src/activities/plan-refs';
import { PLANS_TABLE, PlanStore } from '../../src/activities/store/plans';
import { ensureStateTables } from '../../src/activities/store/state';
import type { FetchPagesCall, FinishResourceCall } from '../../src/activities/types';
import { planSource } from '../../src/plan/plan-source';
import { useTestSchema } from '../helpers/env';

const SCHEMA = 'plan_refs';

const plan = planSource(
  {
    client: { base_url: 'https://api.test', auth: { type: 'bearer', token: { $secret: 'api_token' } } },
    resources: [
      { name: 'items', primary_key: 'id', endpoint: { path: '/items', paginator: { type: 'offset', limit: 10 } } },
      { name: 'users', endpoint: { path: '/users', paginator: 'single_page' } },
    ],
  },
  {},
);
const items = plan.resources[0];
const call = (extra: object): FetchPagesCall => ({ dataset: SCHEMA, syncId: 's1', maxPages: 10, maxSeconds: 30, ...extra }) as FetchPagesCall;

/**
 * A resource workflow's first activity keeps the plan in Postgres under its key; the activities
 * after it name the plan and get the same one back, in any worker process (real Postgres).
 */
describe('plans kept by the first activity and named by the others', () => {
  const database = useTestSchema(SCHEMA, ensureStateTables);
  const count = async () => Number((await database.db.raw(`SELECT count(*) AS n FROM ${SCHEMA}.${PLANS_TABLE}`)).rows[0].n);

  test('a call carrying the plan with a key keeps it; a call naming it, in another process (an empty cache), gets the same plan', async () => {
    const carried = await fetchInput(new PlanStore(), database.db, call({ client: plan.client, resource: items, planKey: 'run-1' }));
    expect(carried).not.toHaveProperty('planKey');
    const named = await fetchInput(new PlanStore(), database.db, call({ planRef: { resource: 'items', key: 'run-1' }, window: { index: 1, count: 4, from: { offset: 10 } } }));
    expect(named).toEqual({ ...carried, window: { index: 1, count: 4, from: { offset: 10 } } });
    // the plan holds secret references, never their values
    expect(JSON.stringify((await database.db.raw(`SELECT plan FROM ${SCHEMA}.${PLANS_TABLE}`)).rows)).toContain('"$secret":"api_token"');
  });

  test.each([
    { name: 'a plan carried without a key (a sync started before plan refs) is not kept', extra: { client: plan.client, resource: plan.resources[1] }, kept: 0 },
    { name: 'a retried first call keeps nothing new', extra: { client: plan.client, resource: items, planKey: 'run-1' }, kept: 0 },
  ])('$name', async ({ extra, kept }) => {
    const before = await count();
    await fetchInput(new PlanStore(), database.db, call(extra));
    expect((await count()) - before).toBe(kept);
  });

  test('a named plan that is not there fails the call without retry, naming the resource and the table', async () => {
    const failed = fetchInput(new PlanStore(), database.db, call({ planRef: { resource: 'users', key: 'run-9' } }));
    await expect(failed).rejects.toThrow(DataError);
    await expect(failed).rejects.toThrow(`resource "users": its plan (key run-9) is not in ${SCHEMA}.${PLANS_TABLE}`);
  });

  test('finishResource names the plan; it drops the resource\'s plans of earlier syncs, not those of other resources', async () => {
    const store = new PlanStore();
    await fetchInput(store, database.db, call({ client: plan.client, resource: plan.resources[1], planKey: 'run-0' }));
    await fetchInput(store, database.db, call({ client: plan.client, resource: items, planKey: 'run-2' }));
    const fin = { dataset: SCHEMA, syncId: 's1', planRef: { resource: 'items', key: 'run-2' } } as FinishResourceCall;
    const { input, ref } = await finishInput(store, database.db, fin);
    expect(input.resource).toEqual(items);
    await store.pruneOthers(database.db, SCHEMA, ref!.resource, ref!.key);
    const left = (await database.db.raw(`SELECT resource, plan_key FROM ${SCHEMA}.${PLANS_TABLE} ORDER BY 1, 2`)).rows;
    expect(left).toEqual([
      { resource: 'items', plan_key: 'run-2' },
      { resource: 'users', plan_key: 'run-0' },
    ]);
  });

  test('a dataset prepared by an earlier version (no plans table): four windows keeping the plan at once create it without a DDL race', async () => {
    await database.db.raw(`DROP TABLE ${SCHEMA}.${PLANS_TABLE}`);
    const keeps = [0, 1, 2, 3].map((i) => fetchInput(new PlanStore(), database.db, call({ client: plan.client, resource: items, planKey: 'run-3', window: { index: i, count: 4, from: null } })));
    await expect(Promise.all(keeps)).resolves.toHaveLength(4);
    expect(await count()).toBe(1);
  });
});
