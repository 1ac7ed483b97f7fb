import type { Knex } from 'knex';
import { expect } from '@jest/globals';
import { createPageSink } from '../../src/activities/fetch/sink';
import { NameCache } from '../../src/activities/store/names';
import { stagingTable } from '../../src/activities/store/dataset';
import { claimState, readState } from '../../src/activities/store/state';
import type { FetchPagesInput } from '../../src/activities/types';
import { parseSourceConfig } from '../../src/config/validate';
import { buildPlan } from '../../src/plan/build';
import type { ResourcePlan } from '../../src/plan/types';

/** The plan of one resource with these extra config keys (columns, schema_contract, ...). */
export function planOf(name: string, extra: Record<string, unknown>): ResourcePlan {
  const config = parseSourceConfig({ client: { base_url: 'https://api.example.com' }, resources: [{ name, endpoint: { path: name }, ...extra }] });
  return buildPlan(config, {}).resources[0];
}

/**
 * Pages committed through the page sink (normalizer, hints, fit, contract, evolve, commit) into
 * `schema`, as fetchPages commits them: for tests against real Postgres without Temporal.
 */
export function pageLoader(db: () => Knex, schema: string, log?: unknown) {
  async function loadPage(resource: ResourcePlan, records: object[]): Promise<void> {
    const deps = { db: db(), names: new NameCache(), http: undefined as never, secrets: undefined as never, ...(log ? { log: log as never } : {}) };
    const input = { resource, syncId: 'sync-1' } as FetchPagesInput;
    const table = resource.writeDisposition === 'replace' ? stagingTable(resource.table) : resource.table;
    const sink = await createPageSink(deps, input, { kind: 'whole' }, schema, table, 'load-1');
    const state = (await readState(db(), schema, resource.name))!;
    const committed = await sink.commit(state, { token: state.token }, { records, next: { page: state.pages + 1 } });
    expect(committed).toBeDefined();
  }
  async function loadPages(resource: ResourcePlan, pages: object[][]): Promise<void> {
    await claimState(db(), schema, resource.name, 'sync-1', { page: 0 });
    for (const records of pages) await loadPage(resource, records);
  }
  return { loadPage, loadPages };
}

/** A planned single-page resource merged on `id`, for tests that drive the page sink or the store directly. */
export function resourcePlan(name: string, over: Partial<ResourcePlan> = {}): ResourcePlan {
  return {
    name,
    table: name,
    method: 'GET',
    path: name,
    params: {},
    headers: {},
    paginator: { type: 'single_page' } as ResourcePlan['paginator'],
    paginatorSource: 'endpoint',
    primaryKey: ['id'],
    mergeKey: [],
    writeDisposition: 'merge',
    retry: { maximumAttempts: 1, backoffCoefficient: 2, initialIntervalMs: 1 },
    responseActions: [],
    selected: true,
    exportFields: [],
    columns: {},
    ...over,
  };
}
