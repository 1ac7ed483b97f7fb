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

/** A min-heap of config indexes: the first ready resource in config order, in O(log n). */
class IndexHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1, p = (i - 1) >> 1; i > 0 && a[p] > a[i]; i = p, p = (i - 1) >> 1) [a[p], a[i]] = [a[i], a[p]];
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length === 0) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const m = l + 1 < a.length && a[l + 1] < a[l] ? l + 1 : l;
      if (l >= a.length || a[i] <= a[m]) break;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
    return top;
  }
}

/**
 * Stable topological order: repeatedly takes the first resource (in config order) whose parent is
 * already placed, in O(n log n) (a heap of ready resources). A parent that is not a resource, or a
 * cycle, is a ConfigError.
 */
export function orderResources<T extends Orderable>(items: T[]): T[] {
  const byName = new Map(items.map((i) => [i.name, i]));
  const children = new Map<string, number[]>();
  const ready = new IndexHeap();
  items.forEach((item, index) => {
    if (item.parent === undefined) return ready.push(index);
    if (!byName.has(item.parent)) {
      throw new ConfigError(`resource "${item.name}" depends on unknown resource "${item.parent}"`, `resources[${index}]`);
    }
    const list = children.get(item.parent) ?? [];
    list.push(index);
    children.set(item.parent, list);
  });
  const placed = new Set<string>();
  const out: T[] = [];
  while (ready.size > 0) {
    const next = items[ready.pop()];
    placed.add(next.name);
    out.push(next);
    for (const c of children.get(next.name) ?? []) ready.push(c);
  }
  if (out.length < items.length) {
    const index = items.findIndex((i) => !placed.has(i.name));
    if (index >= 0) throw new ConfigError(`resources form a dependency cycle: ${findCycle(items[index], byName).join(' -> ')}`, `resources[${index}]`);
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
