/**
 * The plan as text for `rest-sync validate`: what will be fetched, in which order, into which
 * table, and why (where each paginator came from, which parent links were inferred). Pure.
 */
import type { AuthSpec, PaginatorSpec, ParentLink, ResourcePlan, SourcePlan } from './types';

/** The paginator with the options that matter when reading a plan. */
function paginatorText(p: PaginatorSpec): string {
  switch (p.type) {
    case 'offset':
      return `offset (${p.offsetParam}/${p.limitParam}, limit ${p.limit})`;
    case 'page_number':
      return `page_number (${p.pageParam} from ${p.basePage})`;
    case 'cursor':
      return `cursor (${p.cursorPath} -> ${p.cursorParam ?? p.cursorBodyPath ?? '?'})`;
    case 'json_link':
      return `json_link (${p.nextUrlPath ?? 'next link found in the body'})`;
    case 'header_link':
      return `header_link (rel="${p.linksNextKey}")`;
    case 'header_cursor':
      return `header_cursor (header ${p.cursorKey} -> ${p.cursorParam})`;
    default:
      return p.type;
  }
}

function authText(a: AuthSpec): string {
  return a.type === 'api_key' ? `api_key in ${a.location} "${a.name}"` : a.type;
}

function parentText(link: ParentLink): string {
  const via = link.fields.map((f) => `{${f.placeholder}} = ${link.resource}.${f.field}${f.inferred ? ' (inferred)' : ''}`);
  const include = link.includeFromParent.length ? `; includes ${link.includeFromParent.join(', ')}` : '';
  return `parent: ${link.resource} via ${via.join(', ')}${include}`;
}

function selectorText(s: ResourcePlan['dataSelector']): string {
  if (s === undefined) return 'auto';
  return Array.isArray(s) ? (s.length ? s.join(' > ') : 'whole response') : s;
}

/** The lines describing one resource. */
function resourceLines(r: ResourcePlan, n: number): string[] {
  const key = r.primaryKey.length ? r.primaryKey.join(', ') : '(none)';
  const lines = [
    `${n}. ${r.name}${r.selected ? '' : ' (not selected)'}`,
    `   ${r.method} ${r.path} -> table ${r.table}`,
    `   write: ${r.writeDisposition}${r.merge ? ` (${r.merge.strategy})` : ''}, primary key: ${key}${r.mergeKey.length ? `, merge key: ${r.mergeKey.join(', ')}` : ''}`,
    `   paginator: ${paginatorText(r.paginator)} ${r.paginatorSource === 'auto' ? '(default: auto-detect)' : `from ${r.paginatorSource}`}`,
    `   records: ${selectorText(r.dataSelector)}`,
  ];
  if (r.parent) lines.push(`   ${parentText(r.parent)}`);
  if (r.exportFields.length) lines.push(`   exports to children: ${r.exportFields.join(', ')}`);
  if (r.incremental) lines.push(`   incremental: ${r.incremental.cursorPath}${r.incremental.startParam ? ` -> ${r.incremental.startParam}` : ''}${incrementalOptions(r.incremental)}`);
  return lines;
}

/** The incremental options that change what loads, as `validate` shows them: `(min, lag 3600, per parent)`. */
function incrementalOptions(i: NonNullable<ResourcePlan['incremental']>): string {
  const opts = [
    i.lastValueFunc === 'min' ? 'min' : '',
    i.lag ? `lag ${i.lag}` : '',
    i.rowOrder ? `row_order ${i.rowOrder}` : '',
    i.primaryKey !== undefined ? `dedup key ${JSON.stringify(i.primaryKey)}` : '',
    i.perParent ? 'per parent' : '',
  ].filter(Boolean);
  return opts.length ? ` (${opts.join(', ')})` : '';
}

/** Human-readable plan: client, then resources in dependency order. */
export function describePlan(plan: SourcePlan): string {
  const c = plan.client;
  const head = [`source ${c.baseUrl} (auth: ${authText(c.auth)}, timeout ${c.timeoutMs / 1000}s)`, `${plan.resources.length} resources, parents first:`];
  return [...head, ...plan.resources.flatMap((r, i) => resourceLines(r, i + 1))].join('\n');
}
