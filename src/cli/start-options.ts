import { describePlan } from '../plan/describe';
import { planSource } from '../plan/plan-source';
import type { SourcePlan } from '../plan/types';
import type { SearchAttributePair } from '@temporalio/common';
import type { SyncSourceInput } from '../workflows/types';

/**
 * How every client of rest-sync (run, schedules, the demo) starts a sync, so the Web UI shows
 * the same thing whoever started it: id `sync:<dataset>`, a one-line summary and the plan as
 * details. Plan text holds config references only, never secret values. A command that planned
 * the config already passes its plan: a config is planned once per command.
 */
export function syncStartOptions(input: SyncSourceInput, taskQueue: string, searchAttributes: SearchAttributePair[] = [], plan: SourcePlan = planSource(input.source, input.params ?? {})) {
  const names = plan.resources.map((r) => r.name);
  return {
    workflowId: `sync:${input.dataset}`,
    taskQueue,
    ...(searchAttributes.length ? { typedSearchAttributes: searchAttributes } : {}),
    args: [input] as [SyncSourceInput],
    staticSummary: `sync ${input.dataset}${input.resources ? ` (only ${input.resources.join(', ')})` : ''}: ${names.length} resources (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''})`,
    staticDetails: `dataset \`${input.dataset}\` from ${plan.client.baseUrl}\n\n\`\`\`\n${describePlan(plan)}\n\`\`\``,
  };
}
