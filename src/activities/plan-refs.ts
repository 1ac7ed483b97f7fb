import type { Knex } from 'knex';
import { datasetSchema } from './store/dataset';
import type { PlanStore } from './store/plans';
import type { FetchPagesCall, FetchPagesInput, FinishResourceCall, FinishResourceInput, PlanRef } from './types';

/**
 * A `fetchPages` call's input with its plan in place: a carried plan is kept under its key for the
 * calls after it (before any page is fetched, so a call that ends at all has kept it); a named
 * one is read back.
 */
export async function fetchInput(plans: PlanStore, db: Knex, call: FetchPagesCall): Promise<FetchPagesInput> {
  const schema = datasetSchema(call.dataset);
  if ('planRef' in call) {
    const { planRef, ...rest } = call;
    const plan = await plans.read(db, schema, planRef.resource, planRef.key);
    return { ...rest, client: plan.client, resource: plan.resource };
  }
  const { planKey, ...input } = call;
  if (planKey !== undefined) await plans.keep(db, schema, planKey, { client: input.client, resource: input.resource });
  return input;
}

/** A `finishResource` call's input with its resource in place, and the plan's key (the resource's other plans are dropped). */
export async function finishInput(plans: PlanStore, db: Knex, call: FinishResourceCall): Promise<{ input: FinishResourceInput; ref?: PlanRef }> {
  if ('planRef' in call) {
    const { planRef, ...rest } = call;
    const plan = await plans.read(db, datasetSchema(call.dataset), planRef.resource, planRef.key);
    return { input: { ...rest, resource: plan.resource }, ref: planRef };
  }
  const { planKey, ...input } = call;
  return { input, ...(planKey !== undefined ? { ref: { resource: input.resource.name, key: planKey } } : {}) };
}
