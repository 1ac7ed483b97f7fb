import type { Knex } from 'knex';
import type { Json, ParentLink, ResourcePlan } from '../plan/types';
import type { RequestSpec } from './paginators/types';
import { normalizeName, qualified } from './store/names';
import { PARTITIONS_TABLE } from './store/state';
import { getPath } from './json-path';

/** One of `count` concurrent fan-outs of a parallelized child over its parent's records. */
export interface Lane {
  index: number;
  count: number;
}

/** Position of a parent record among the parent's committed pages. */
export interface PartitionKey {
  page: number;
  idx: number;
}

/** The fields child resources need from each record of a parent page. */
export function exportPartitions(records: unknown[], fields: string[]): Json[] | undefined {
  if (fields.length === 0) return undefined;
  return records.map((r) => Object.fromEntries(fields.map((f) => [f, (getPath(r, f) ?? null) as Json])));
}

/** The next parent record after `after` (or the first), written by the parent in this sync. */
export async function nextPartition(
  db: Knex,
  schema: string,
  syncId: string,
  parent: string,
  after: PartitionKey | null,
  lane?: Lane,
): Promise<{ key: PartitionKey; vals: Record<string, Json> } | undefined> {
  const t = qualified(schema, PARTITIONS_TABLE);
  // a parallelized child's lane takes every count-th parent record
  const laneSql = lane ? ` AND mod(page * 7919 + idx, ?) = ?` : '';
  const laneArgs = lane ? [lane.count, lane.index] : [];
  const res = after
    ? await db.raw(
        `SELECT page, idx, vals FROM ${t} WHERE sync_id = ? AND resource = ? AND (page, idx) > (?, ?)${laneSql} ORDER BY page, idx LIMIT 1`,
        [syncId, parent, after.page, after.idx, ...laneArgs],
      )
    : await db.raw(`SELECT page, idx, vals FROM ${t} WHERE sync_id = ? AND resource = ?${laneSql} ORDER BY page, idx LIMIT 1`, [
        syncId,
        parent,
        ...laneArgs,
      ]);
  const row = res.rows[0];
  return row ? { key: { page: Number(row.page), idx: Number(row.idx) }, vals: row.vals } : undefined;
}

function substitute(s: string, name: string, value: unknown, encode: boolean): string {
  const text = value === null || value === undefined ? '' : String(value);
  return s.split(`{${name}}`).join(encode ? encodeURIComponent(text) : text);
}

function substituteJson(v: Json, name: string, value: unknown): Json {
  if (typeof v === 'string') return v === `{${name}}` ? (value as Json) : substitute(v, name, value, false);
  if (Array.isArray(v)) return v.map((x) => substituteJson(x, name, value));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteJson(x, name, value)]));
  return v;
}

/** Fills a child's request with one parent record's values. */
export function applyParent(req: RequestSpec, link: ParentLink, vals: Record<string, Json>): RequestSpec {
  let out = { ...req, params: { ...req.params } };
  for (const f of link.fields) {
    const value = vals[f.field];
    if (f.location === 'path') out.url = substitute(out.url, f.placeholder, value, true);
    else if (f.location === 'params' && f.param) {
      const cur = out.params[f.param];
      out.params[f.param] = typeof cur === 'string' && cur !== `{${f.placeholder}}` ? substitute(cur, f.placeholder, value, false) : (value as Json);
    } else if (f.location === 'json' && out.json !== undefined) out = { ...out, json: substituteJson(out.json, f.placeholder, value) };
  }
  return out;
}

/** dlt's include_from_parent columns: `_<parent>_<field>`. */
export function parentColumns(resource: ResourcePlan, vals: Record<string, Json>): Record<string, unknown> | undefined {
  const link = resource.parent;
  if (!link || link.includeFromParent.length === 0) return undefined;
  return Object.fromEntries(link.includeFromParent.map((f) => [normalizeName(`_${link.resource}_${f}`), vals[f] ?? null]));
}
