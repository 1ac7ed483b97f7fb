import type { Knex } from 'knex';
import { forDestination } from '../activities/store/dataset';
import { dropResources } from '../activities/store/admin';
import type { SourcePlan } from '../plan/types';
import { UsageError } from './exit';

/**
 * `--resources a,b`: the names, each checked against the plan (a typo is a usage error naming the
 * resources there are). Undefined when the flag is absent: the config's own `selected` holds.
 */
export function parseResources(flag: string | undefined, plan: SourcePlan): string[] | undefined {
  if (flag === undefined) return undefined;
  const names = flag
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const known = plan.resources.map((r) => r.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (!names.length || unknown.length) {
    throw new UsageError(`--resources ${JSON.stringify(flag)}: ${unknown.length ? `no resource ${unknown.join(', ')}` : 'empty'}; the config has ${known.join(', ')}`);
  }
  return names;
}

/** The resources a sync loads: the `--resources` list, else those the config selects. */
export function loadedResources(plan: SourcePlan, names: string[] | undefined): SourcePlan['resources'] {
  return plan.resources.filter((r) => (names ? names.includes(r.name) : r.selected));
}

/**
 * `--full-refresh` (dlt's `refresh="drop_resources"`): the loaded resources' tables and state are
 * dropped before the sync starts, so it loads them from scratch; refused while a sync holds the dataset.
 */
export async function fullRefresh(db: Knex, schema: string, plan: SourcePlan, names: string[] | undefined, log: (l: string) => void): Promise<void> {
  const resources = loadedResources(plan, names).map((r) => ({ name: r.name, table: forDestination(r).table }));
  const dropped = await dropResources(db, schema, resources);
  log(`full refresh: state of ${resources.map((r) => r.name).join(', ')} reset${dropped.length ? `; dropped ${dropped.join(', ')}` : ''}`);
}

/** The resources a sync runs, in plan order: those it loads and their parents (fetched to fan out over). */
export function runResources(plan: SourcePlan, names: string[] | undefined): string[] {
  const want = new Set(loadedResources(plan, names).map((r) => r.name));
  for (const r of [...plan.resources].reverse()) if (want.has(r.name) && r.parent) want.add(r.parent.resource);
  return plan.resources.filter((r) => want.has(r.name)).map((r) => r.name);
}
