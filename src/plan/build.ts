/**
 * From a validated dlt config and the `--param` source parameters to the SourcePlan the workflows
 * run. Pure and deterministic (no clock, no randomness, no I/O), so workflow code may call it.
 */
import type { ColumnsConfig, ResourceConfig, SourceConfig } from '../config/schema';
import { jsonDataProblem, quoteJson } from '../config/request-rules';
import { ConfigError } from '../errors';
import { columnSpecsOf, contractOf } from '../config/column-hints';
import { authOf, clientOf, limitsOf } from './client';
import { fillParamRefs } from './config-params';
import { checkWriteDisposition } from '../config/disposition';
import { columnsOf, incrementalOf, keyWithHints, mergeOf, responseActionsOf, retryOf, writeDispositionOf } from './hints';
import { mergeResources, type MergedResource } from './merge';
import { exportFieldsByParent, orderResources } from './order';
import { inheritPaginator } from './paginator';
import { resolveRequest } from './parents';
import type { NestedHintsPlan, PaginatorSpec, ParentLink, ResourcePlan, SourcePlan } from './types';

/** The parent link of a resolved resource; include_from_parent without a parent is an error. */
function parentLinkOf(r: MergedResource, resolved: ReturnType<typeof resolveRequest>): ParentLink | undefined {
  const include = r.config.include_from_parent ?? [];
  if (resolved.parent === undefined) {
    if (include.length > 0) {
      throw new ConfigError(`resource "${r.name}" has no parent to include fields from`, `resources[${r.index}].include_from_parent`);
    }
    return undefined;
  }
  return { resource: resolved.parent, fields: resolved.fields, includeFromParent: [...include] };
}

/**
 * A paginator that writes its position into the JSON body (`*_body_path`) cannot page a `data`
 * body: requests sends the data and drops the json, so dlt would ask for the first page again and
 * again. Refused naming both.
 */
function refuseBodyPathWithData(r: MergedResource, p: PaginatorSpec): void {
  const data = r.endpoint.data;
  if (data === undefined || data === '' || (typeof data === 'object' && Object.keys(data).length === 0)) return;
  const key = Object.entries(p).find(([k, v]) => k.endsWith('BodyPath') && v !== undefined)?.[0];
  if (!key) return;
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  throw new ConfigError(
    `resource "${r.name}": the ${p.type} paginator's ${snake} writes into the JSON body, but the endpoint sends a data body (${quoteJson(data)}); requests would drop the json and the page would never move: use json, or a query param`,
    `resources[${r.index}].endpoint.data`,
  );
}

/** Column hints beyond the type (constraints, precision), the schema contract and the nested tables' hints, when set. */
function hintsOf(r: MergedResource): Pick<ResourcePlan, 'columnHints' | 'schemaContract' | 'nestedHints'> {
  const specs = columnSpecsOf(r.config.columns);
  const contract = contractOf(r.config.schema_contract);
  const nested = nestedHintsOf(r.config.nested_hints);
  return { ...(Object.keys(specs).length ? { columnHints: specs } : {}), ...(contract ? { schemaContract: contract } : {}), ...(nested ? { nestedHints: nested } : {}) };
}

/** dlt's nested_hints as planned: each nested table's column specs and its own contract (kept even when all evolve: it replaces the inherited one). */
function nestedHintsOf(config: ResourceConfig['nested_hints']): Record<string, NestedHintsPlan> | undefined {
  const entries = Object.entries(config ?? {}).map(([path, h]): [string, NestedHintsPlan] => {
    // the refused key hints cannot be set here: what is left is a resource's hint
    const specs = columnSpecsOf(h.columns as ColumnsConfig | undefined);
    const contract = h.schema_contract === undefined ? undefined : (contractOf(h.schema_contract) ?? { tables: 'evolve', columns: 'evolve', data_type: 'evolve' });
    return [path, { ...(Object.keys(specs).length ? { columnHints: specs } : {}), ...(contract ? { schemaContract: contract } : {}) }];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** One resource's plan, before export fields (which depend on its children) are known. */
function resourcePlanOf(r: MergedResource, all: Map<string, MergedResource>, config: SourceConfig, params: Record<string, string>): ResourcePlan {
  const e = r.endpoint;
  // resource_defaults may bring a json body to an endpoint with data (or the reverse): refused as dlt's client refuses it
  const both = jsonDataProblem(e.json, e.data);
  if (both) throw new ConfigError(`resource "${r.name}": ${both}`, `resources[${r.index}].endpoint.data`);
  const resolved = resolveRequest(r, all, params);
  const parent = parentLinkOf(r, resolved);
  const incremental = incrementalOf(e.incremental, resolved.incrementalParam);
  const paginator = inheritPaginator(e.paginator, r.ownPaginator, config.client.paginator);
  refuseBodyPathWithData(r, paginator.paginator);
  if (incremental?.perParent && !parent) {
    throw new ConfigError(`resource "${r.name}": incremental per_parent true needs a parent resource (a resolve param or {resources.<parent>.<field>} placeholder)`, `resources[${r.index}].endpoint.incremental.per_parent`);
  }
  checkWriteDisposition(r.name, r.index, r.config);
  const merge = mergeOf(r.config);
  return {
    name: r.name,
    table: r.config.table_name ?? r.name,
    method: (e.method ?? 'GET').toUpperCase() as ResourcePlan['method'],
    path: resolved.path,
    params: resolved.params,
    ...(resolved.json !== undefined ? { json: resolved.json } : {}),
    ...(resolved.data !== undefined ? { data: resolved.data } : {}),
    headers: resolved.headers,
    ...(e.data_selector != null ? { dataSelector: Array.isArray(e.data_selector) ? [...e.data_selector] : e.data_selector } : {}),
    ...paginator,
    primaryKey: keyWithHints(r.config.primary_key, r.config.columns, 'primary_key'),
    mergeKey: keyWithHints(r.config.merge_key, r.config.columns, 'merge_key'),
    writeDisposition: writeDispositionOf(r.config.write_disposition),
    ...(merge ? { merge } : {}),
    ...(parent ? { parent } : {}),
    retry: retryOf(e.error_handler),
    responseActions: responseActionsOf(e.response_actions),
    ...(incremental ? { incremental } : {}),
    ...(e.auth !== undefined ? { auth: authOf(e.auth) } : {}),
    selected: r.config.selected ?? true,
    exportFields: [],
    columns: columnsOf(r.config.columns),
    ...hintsOf(r),
    ...(r.config.max_table_nesting !== undefined ? { maxTableNesting: r.config.max_table_nesting } : {}),
    ...limitsOf(r.config),
    ...(r.config.parallelized ? { parallelized: true } : {}),
    ...(r.config.processing_steps?.length ? { processingSteps: r.config.processing_steps.map(({ filter, map }) => ({ ...(filter !== undefined ? { filter } : {}), ...(map !== undefined ? { map } : {}) })) } : {}),
  };
}

/**
 * Plans every resource and reports every resource's problem at once (one ConfigError whose message
 * lists each `path: problem` line), so a user fixes a config in one pass.
 */
function planEach(merged: MergedResource[], plan: (r: MergedResource) => ResourcePlan): ResourcePlan[] {
  const problems: ConfigError[] = [];
  const plans = merged.flatMap((r) => {
    try {
      return [plan(r)];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err);
      return [];
    }
  });
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ConfigError(`${problems.length} problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
  return plans;
}

/**
 * Builds the plan: defaults merged as dlt merges them, placeholders substituted or turned into
 * parent links, resources in dependency order with the fields each parent must export.
 */
export function buildPlan(config: SourceConfig, params: Record<string, string>): SourcePlan {
  const filled = fillParamRefs(config, params);
  const client = clientOf(filled);
  const merged = mergeResources(filled);
  const byName = new Map(merged.map((r) => [r.name, r]));
  const plans = planEach(merged, (r) => resourcePlanOf(r, byName, filled, params));
  const ordered = orderResources(plans.map((p) => ({ name: p.name, parent: p.parent?.resource, plan: p })));
  const exports = exportFieldsByParent(plans);
  return {
    client,
    resources: ordered.map(({ plan }) => ({ ...plan, exportFields: exports.get(plan.name) ?? [] })),
  };
}
