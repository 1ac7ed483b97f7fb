import type { Json, ParentLink, ResourcePlan } from '../plan/types';
import { expandJson, expandText, fillJson, fillText } from '../plan/placeholders';
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
  const out = { ...req, params: { ...req.params }, headers: { ...req.headers } };
  for (const f of link.fields) {
    const values = { [f.placeholder]: vals[f.field] };
    if (f.location === 'path') out.url = fillText(out.url, values, true);
    else if (f.location === 'params' && f.param) out.params[f.param] = fillJson(out.params[f.param] ?? null, values, true);
    else if (f.location === 'headers' && f.param && out.headers[f.param] !== undefined) out.headers[f.param] = fillText(out.headers[f.param], values);
    else if (f.location === 'json' && out.json !== undefined) out.json = fillJson(out.json, values, true);
  }
  return out;
}

/**
 * The request as sent, from its filled template (dlt's last str.format pass): `{{`/`}}` become
 * literal braces in the path, params, body and the resource's own plain headers `templateHeaders`
 * (never client headers or secrets, which dlt does not format either).
 */
export function expandRequest(req: RequestSpec, templateHeaders: string[]): RequestSpec {
  const headers = { ...req.headers };
  for (const h of templateHeaders) if (headers[h] !== undefined) headers[h] = expandText(headers[h]);
  const json = req.json === undefined ? undefined : expandJson(req.json);
  return { ...req, url: expandText(req.url), params: expandJson(req.params as Json) as RequestSpec['params'], headers, ...(json !== undefined ? { json } : {}) };
}

/** dlt's include_from_parent columns: `_<parent>_<field>` (normalized, or as dlt adds them to each record with `raw`). */
export function parentColumns(resource: ResourcePlan, vals: Record<string, Json>, raw = false): Record<string, unknown> | undefined {
  const link = resource.parent;
  if (!link || link.includeFromParent.length === 0) return undefined;
  const name = (f: string) => (raw ? `_${link.resource}_${f}` : normalizeName(`_${link.resource}_${f}`));
  return Object.fromEntries(link.includeFromParent.map((f) => [name(f), vals[f] ?? null]));
}
