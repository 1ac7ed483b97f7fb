/**
 * Dependency order of resources: every parent before its children, config order otherwise, so
 * plans (and their workflow histories) are stable across runs. Pure.
 */
import { ConfigError } from '../errors';

export interface Orderable {
  name: string;
  parent?: string;
}

/** The resource names on the parent chain from `start` that loop back on themselves. */
function findCycle<T extends Orderable>(start: T, byName: Map<string, T>): string[] {
  const chain: string[] = [];
  let cur: T | undefined = start;
  while (cur && !chain.includes(cur.name)) {
    chain.push(cur.name);
    cur = cur.parent !== undefined ? byName.get(cur.parent) : undefined;
  }
  return cur ? [...chain.slice(chain.indexOf(cur.name)), cur.name] : chain;
}

/**
 * Stable topological order: repeatedly takes the first resource (in config order) whose parent is
 * already placed. A parent that is not a resource, or a cycle, is a ConfigError.
 */
export function orderResources<T extends Orderable>(items: T[]): T[] {
  const byName = new Map(items.map((i) => [i.name, i]));
  items.forEach((item, index) => {
    if (item.parent !== undefined && !byName.has(item.parent)) {
      throw new ConfigError(`resource "${item.name}" depends on unknown resource "${item.parent}"`, `resources[${index}]`);
    }
  });
  const placed = new Set<string>();
  const out: T[] = [];
  while (out.length < items.length) {
    const next = items.find((i) => !placed.has(i.name) && (i.parent === undefined || placed.has(i.parent)));
    if (!next) {
      const stuck = items.find((i) => !placed.has(i.name)) as T;
      const index = items.indexOf(stuck);
      throw new ConfigError(`resources form a dependency cycle: ${findCycle(stuck, byName).join(' -> ')}`, `resources[${index}]`);
    }
    placed.add(next.name);
    out.push(next);
  }
  return out;
}

/** For each parent, the union of the record fields its children read (link fields and include_from_parent). */
export function exportFieldsByParent(items: Array<{ parent?: { resource: string; fields: Array<{ field: string }>; includeFromParent: string[] } }>): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const item of items) {
    if (!item.parent) continue;
    const set = sets.get(item.parent.resource) ?? new Set<string>();
    item.parent.fields.forEach((f) => set.add(f.field));
    item.parent.includeFromParent.forEach((f) => set.add(f));
    sets.set(item.parent.resource, set);
  }
  return new Map([...sets].map(([k, v]) => [k, [...v].sort()]));
}
