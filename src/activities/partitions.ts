import type { Json, ParentLink, ResourcePlan } from '../plan/types';
import { fillJson, fillText } from '../plan/placeholders';
import type { RequestSpec } from './paginators/types';
import { normalizeName } from './store/names';
import { getPath } from './json-path';

/** The fields child resources need from each record of a parent page. */
export function exportPartitions(records: unknown[], fields: string[]): Json[] | undefined {
  if (fields.length === 0) return undefined;
  return records.map((r) => Object.fromEntries(fields.map((f) => [f, (getPath(r, f) ?? null) as Json])));
}

/** Fills a child's request with one parent record's values: each placeholder where the plan found it. */
export function applyParent(req: RequestSpec, link: ParentLink, vals: Record<string, Json>): RequestSpec {
  const out = { ...req, params: { ...req.params } };
  for (const f of link.fields) {
    const values = { [f.placeholder]: vals[f.field] };
    if (f.location === 'path') out.url = fillText(out.url, values, true);
    else if (f.location === 'params' && f.param) {
      const cur = out.params[f.param];
      out.params[f.param] = typeof cur === 'string' ? fillJson(cur, values, true) : vals[f.field];
    } else if (f.location === 'json' && out.json !== undefined) out.json = fillJson(out.json, values, true);
  }
  return out;
}

/** dlt's include_from_parent columns: `_<parent>_<field>`. */
export function parentColumns(resource: ResourcePlan, vals: Record<string, Json>): Record<string, unknown> | undefined {
  const link = resource.parent;
  if (!link || link.includeFromParent.length === 0) return undefined;
  return Object.fromEntries(link.includeFromParent.map((f) => [normalizeName(`_${link.resource}_${f}`), vals[f] ?? null]));
}
