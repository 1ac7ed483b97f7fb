import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSourceText } from '../../src/config/import';
import type { SourceConfig } from '../../src/config/schema';
import { parseSourceConfig } from '../../src/config/validate';
import { ConfigError } from '../../src/errors';
import { buildPlan } from '../../src/plan/build';
import { describePlan } from '../../src/plan/describe';
import { planSource } from '../../src/plan/plan-source';
import type { ResourcePlan, SourcePlan } from '../../src/plan/types';

const SEEDS = path.join(__dirname, '../fixtures/seeds');
const SEED_PARAMS: Record<string, Record<string, string>> = {
  '000_8f3139a47463b4a5.txt': { account_id: 'acc-1' },
  '001_d0b37981d1fe8b98.txt': {},
  '002_a8b8a2912291472b.txt': {},
  '003_11ef0caf55a031d4.txt': { org_id: 'org', project_id: 'prj', job_number: '17', workflow_id: 'wf-9' },
  '004_61bb2673330c0b02.txt': {},
};

function planSeed(file: string, params = SEED_PARAMS[file]): SourcePlan {
  return buildPlan(parseSourceConfig(importSourceText(readFileSync(path.join(SEEDS, file), 'utf8'), file)), params);
}
const byName = (plan: SourcePlan, name: string) => plan.resources.find((r) => r.name === name) as ResourcePlan;
const plan = (raw: unknown, params: Record<string, string> = {}) => buildPlan(parseSourceConfig(raw), params);
const source = (resources: unknown[], extra: Record<string, unknown> = {}) => ({ client: { base_url: 'https://api.example.com' }, resources, ...extra });

function planError(raw: unknown, params: Record<string, string> = {}): ConfigError {
  try {
    plan(raw, params);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('seed documents: parent links', () => {
  test.each([
    ['001_d0b37981d1fe8b98.txt', 'environments', 'projects', 'project', '/v9/projects/{project}/env'],
    ['001_d0b37981d1fe8b98.txt', 'deployment_events', 'deployments', 'deployment', '/v3/deployments/{deployment}/events'],
    ['001_d0b37981d1fe8b98.txt', 'teams_member', 'teams', 'team_id', '/v2/teams/{team_id}/members'],
    ['003_11ef0caf55a031d4.txt', 'workflow_jobs', 'workflow', 'workflow_id', '/v2/workflow/{workflow_id}/job'],
    ['004_61bb2673330c0b02.txt', 'samples', 'projects', 'parent_id', '/projects/{parent_id}/samples'],
    ['004_61bb2673330c0b02.txt', 'sample_files', 'samples', 'parent_id', '/samples/{parent_id}/files'],
    ['004_61bb2673330c0b02.txt', 'run_files', 'runs', 'parent_id', '/runs/{parent_id}/files'],
    ['004_61bb2673330c0b02.txt', 'appresults', 'appsessions', 'parent_id', '/appsessions/{parent_id}/appresults'],
    ['004_61bb2673330c0b02.txt', 'appresults_files', 'appresults', 'parent_id', '/appresults/{parent_id}/files'],
  ])('%s: %s <- %s via {%s}', (file, child, parent, placeholder, path) => {
    const p = planSeed(file);
    const r = byName(p, child);
    expect(r.path).toBe(path);
    expect(r.parent).toEqual({
      resource: parent,
      fields: [{ placeholder, location: 'path', field: 'id', inferred: true }],
      includeFromParent: [],
    });
    expect(byName(p, parent).exportFields).toEqual(['id']);
    const names = p.resources.map((x) => x.name);
    expect(names.indexOf(parent)).toBeLessThan(names.indexOf(child));
  });

  test.each([
    ['000_8f3139a47463b4a5.txt', []],
    ['001_d0b37981d1fe8b98.txt', ['environments', 'deployment_events', 'teams_member']],
    ['002_a8b8a2912291472b.txt', []],
    ['003_11ef0caf55a031d4.txt', ['workflow_jobs']],
    ['004_61bb2673330c0b02.txt', ['samples', 'sample_files', 'run_files', 'appresults', 'appresults_files']],
  ])('%s: children are exactly %p', (file, children) => {
    expect(planSeed(file).resources.filter((r) => r.parent).map((r) => r.name)).toEqual(children);
  });

  test('seed 003: params are substituted; a resource is never its own parent', () => {
    const p = planSeed('003_11ef0caf55a031d4.txt');
    expect(byName(p, 'jobs').path).toBe('/v2/project/org/prj/job/17');
    expect(byName(p, 'workflow').path).toBe('/v2/workflow/wf-9');
    expect(byName(p, 'workflow').parent).toBeUndefined();
  });

  test('seed 000: account_id is substituted in every path', () => {
    expect(planSeed('000_8f3139a47463b4a5.txt').resources.map((r) => r.path)).toEqual([
      '/v2/accounts/acc-1/runs/',
      '/v3/accounts/acc-1/projects',
      '/v2/accounts/acc-1/repositories',
      '/v3/accounts/acc-1/users',
      '/v3/accounts/acc-1/environments',
    ]);
  });

  test.each([
    ['000_8f3139a47463b4a5.txt', 'account_id', 'resources[0].endpoint.path'],
    ['003_11ef0caf55a031d4.txt', 'org_id', 'resources[6].endpoint.path'],
  ])('%s without --param %s fails at %s', (file, param, configPath) => {
    const params = { ...SEED_PARAMS[file] };
    delete params[param];
    expect(() => planSeed(file, params)).toThrow(`${configPath}: resource`);
    expect(() => planSeed(file, params)).toThrow(`pass --param ${param}=value`);
  });
});

describe('seed documents: paginators, selectors, defaults', () => {
  test.each([
    ['000_8f3139a47463b4a5.txt', 'runs', { type: 'offset', limit: 100, offset: 0, offsetParam: 'offset', limitParam: 'limit', totalPath: undefined, totalPathExplicit: false, stopAfterEmptyPage: true }, 'endpoint', 'data'],
    ['001_d0b37981d1fe8b98.txt', 'projects', { type: 'cursor', cursorPath: 'pagination.next', cursorParam: 'until', limit: 100, limitParam: 'limit', stopAfterEmptyPage: false }, 'endpoint', 'projects'],
    ['001_d0b37981d1fe8b98.txt', 'environments', { type: 'cursor', cursorPath: 'pagination.next', cursorParam: 'until', limitParam: 'limit', stopAfterEmptyPage: false }, 'endpoint', 'envs'],
    ['001_d0b37981d1fe8b98.txt', 'deployment_events', { type: 'cursor', cursorPath: 'pagination.next', cursorParam: 'until', limit: 100, limitParam: 'limit', stopAfterEmptyPage: false }, 'endpoint', []],
    ['002_a8b8a2912291472b.txt', 'plans', { type: 'offset', limit: 50, offset: 0, offsetParam: 'offset', limitParam: 'limit', totalPathExplicit: false, stopAfterEmptyPage: true }, 'endpoint', 'plans'],
    ['003_11ef0caf55a031d4.txt', 'self_ids', { type: 'cursor', cursorPath: 'next_page_token', cursorParam: 'page-token', limitParam: 'limit', stopAfterEmptyPage: false }, 'endpoint', []],
    ['004_61bb2673330c0b02.txt', 'samples', { type: 'offset', limit: 1024, offset: 0, offsetParam: 'Offset', limitParam: 'limit', totalPathExplicit: false, stopAfterEmptyPage: true }, 'endpoint', ['Response', 'Items']],
    ['004_61bb2673330c0b02.txt', 'appresults_files', { type: 'auto' }, 'auto', ['Response', 'Items']],
  ])('%s %s', (file, name, paginator, from, selector) => {
    const r = byName(planSeed(file), name);
    expect(r.paginator).toEqual(paginator);
    expect(r.paginatorSource).toBe(from);
    expect(r.dataSelector).toEqual(selector);
  });

  test('seed 002: basic auth, resource_defaults params merged, error_handler as retry', () => {
    const p = planSeed('002_a8b8a2912291472b.txt');
    expect(p.client).toEqual({
      baseUrl: 'https://api.example.com',
      headers: {},
      auth: { type: 'http_basic', username: { $secret: 'username' }, password: { $secret: 'password' } },
      timeoutMs: 60000,
    });
    expect(byName(p, 'projects')).toMatchObject({
      params: { limit: 50 },
      primaryKey: ['id'],
      writeDisposition: 'merge',
      retry: { maximumAttempts: 4, backoffCoefficient: 2, initialIntervalMs: 1000, retryOnStatusCodes: [429] },
      method: 'GET',
      table: 'projects',
      selected: true,
    });
  });

  test('seed 003: api_key auth keeps its name, location and secret', () => {
    expect(planSeed('003_11ef0caf55a031d4.txt').client.auth).toEqual({ type: 'api_key', name: 'api_key', apiKey: { $secret: 'api_key' }, location: 'header' });
  });

  test('plans are plain JSON', () => {
    const p = planSeed('004_61bb2673330c0b02.txt');
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});

describe('resource_defaults merge and paginator inheritance', () => {
  const defaults = {
    primary_key: ['org', 'id'],
    write_disposition: 'replace',
    columns: { id: { data_type: 'bigint' }, at: { data_type: 'timestamp' } },
    endpoint: { params: { per_page: 100, state: 'all' }, data_selector: 'data', paginator: { type: 'page_number', page_param: 'p' } },
  };
  const raw = source(
    [
      'plain',
      { name: 'own', write_disposition: 'merge', columns: { at: { data_type: 'date' } }, endpoint: { path: '/own', params: { state: 'open' }, paginator: 'single_page', data_selector: ['x'] } },
    ],
    { resource_defaults: defaults },
  );

  test('a string resource takes every default', () => {
    expect(byName(plan(raw), 'plain')).toMatchObject({
      path: 'plain',
      params: { per_page: 100, state: 'all' },
      primaryKey: ['org', 'id'],
      writeDisposition: 'replace',
      dataSelector: 'data',
      paginator: { type: 'page_number', basePage: 0, pageParam: 'p', totalPathExplicit: false, stopAfterEmptyPage: true },
      paginatorSource: 'resource_defaults',
      columns: { id: 'bigint', at: 'timestamptz' },
    });
  });

  test("the resource's own values win; params and columns merge key by key", () => {
    expect(byName(plan(raw), 'own')).toMatchObject({
      params: { per_page: 100, state: 'open' },
      writeDisposition: 'merge',
      dataSelector: ['x'],
      paginator: { type: 'single_page' },
      paginatorSource: 'endpoint',
      columns: { id: 'bigint', at: 'date' },
    });
  });

  test.each([
    ['endpoint', { endpoint: { paginator: 'header_link' } }, undefined, undefined, { type: 'header_link', linksNextKey: 'next' }],
    ['resource_defaults', {}, { endpoint: { paginator: { type: 'json_link', next_url_path: 'links.next' } } }, 'single_page', { type: 'json_link', nextUrlPath: 'links.next' }],
    ['client', {}, {}, { type: 'cursor', cursor_body_path: 'page.cursor' }, { type: 'cursor', cursorPath: 'cursors.next', cursorBodyPath: 'page.cursor', limitParam: 'limit', stopAfterEmptyPage: false }],
    ['auto', {}, undefined, undefined, { type: 'auto' }],
  ])('paginator from %s', (from, resource, resourceDefaults, clientPaginator, expected) => {
    const raw2 = {
      client: { base_url: 'https://a.io', ...(clientPaginator ? { paginator: clientPaginator } : {}) },
      ...(resourceDefaults ? { resource_defaults: resourceDefaults } : {}),
      resources: [{ name: 'r', ...resource }],
    };
    expect(plan(raw2).resources[0]).toMatchObject({ paginator: expected, paginatorSource: from });
  });

  test('offset and page_number options, total_path set or null', () => {
    const p = plan(source([
      { name: 'a', endpoint: { paginator: { type: 'offset', limit: 5, total_path: 'meta.total', maximum_offset: 50 } } },
      { name: 'b', endpoint: { paginator: { type: 'page_number', base_page: 1, total_path: null, maximum_page: 9 } } },
    ]));
    expect(p.resources[0].paginator).toMatchObject({ totalPath: 'meta.total', totalPathExplicit: true, maximumOffset: 50 });
    expect(p.resources[1].paginator).toMatchObject({ basePage: 1, totalPath: null, totalPathExplicit: false, maximumPage: 9 });
  });
});

describe('placeholders and parents', () => {
  test.each([
    [
      'dlt resolve param bound in the path',
      [{ name: 'issues', primary_key: 'number' }, { name: 'comments', endpoint: { path: 'issues/{n}/comments', params: { n: { type: 'resolve', resource: 'issues', field: 'number' } } } }],
      { path: 'issues/{n}/comments', params: {}, fields: [{ placeholder: 'n', location: 'path', field: 'number', inferred: false }] },
    ],
    [
      'a parent field in the query',
      ['issues', { name: 'events', endpoint: { path: 'events', params: { issue: '{resources.issues.id}' } } }],
      { path: 'events', params: { issue: '{resources.issues.id}' }, fields: [{ placeholder: 'resources.issues.id', location: 'params', param: 'issue', field: 'id', inferred: false }] },
    ],
    [
      '{resources.<parent>.<field>} in path, params and json',
      ['users', { name: 'posts', endpoint: { path: 'u/{resources.users.id}', method: 'POST', params: { q: 'by:{resources.users.login}' }, json: { owner: '{resources.users.id}' } } }],
      {
        path: 'u/{resources.users.id}',
        params: { q: 'by:{resources.users.login}' },
        json: { owner: '{resources.users.id}' },
        method: 'POST',
        fields: [
          { placeholder: 'resources.users.id', location: 'path', field: 'id', inferred: false },
          { placeholder: 'resources.users.login', location: 'params', param: 'q', field: 'login', inferred: false },
          { placeholder: 'resources.users.id', location: 'json', field: 'id', inferred: false },
        ],
      },
    ],
    [
      'inferred from the segment before, on the parent primary key',
      [{ name: 'orgs', primary_key: ['login', 'id'] }, { name: 'repos', endpoint: 'orgs/{org}/repos' }],
      { path: 'orgs/{org}/repos', fields: [{ placeholder: 'org', location: 'path', field: 'login', inferred: true }] },
    ],
    [
      'Airbyte stream_slice form',
      ['orgs', { name: 'teams', endpoint: 'orgs/{{ stream_slice.org_id }}/teams' }],
      { path: 'orgs/{org_id}/teams', fields: [{ placeholder: 'org_id', location: 'path', field: 'id', inferred: true }] },
    ],
  ])('%s', (_name, resources, expected) => {
    const { fields, ...rest } = expected as { fields: unknown[] } & Record<string, unknown>;
    const child = plan(source(resources)).resources[1];
    expect(child).toMatchObject(rest);
    expect(child.parent?.fields).toEqual(fields);
  });

  test.each([
    ['{name} in path, params and json', { path: 'a/{x}', params: { q: 'x={x}' }, json: { v: '{x}' }, method: 'POST' }, { path: 'a/1', params: { q: 'x=1' }, json: { v: '1' } }],
    ['Airbyte config form', { path: "a/{{ config['x'] }}" }, { path: 'a/1' }],
    ['dlt endpoint param bound in the path', { path: 'a/{id}', params: { id: 7, keep: 'k' } }, { path: 'a/7', params: { keep: 'k' } }],
    ['incremental placeholders stay for the runtime', { path: 'a', params: { since: '{incremental.start_value}' }, incremental: { cursor_path: 'ts' } }, { params: { since: '{incremental.start_value}' } }],
    ['literal braces that are no placeholder', { path: 'a', params: { filter: '{"a": 1}' } }, { params: { filter: '{"a": 1}' } }],
  ])('source params: %s', (_name, endpoint, expected) => {
    expect(plan(source([{ name: 'r', endpoint }]), { x: '1', unused: 'ok' }).resources[0]).toMatchObject(expected);
  });

  test('include_from_parent and export fields union', () => {
    const p = plan(source([
      { name: 'c1', include_from_parent: ['name'], endpoint: 'p/{resources.p.id}/c1' },
      { name: 'c2', endpoint: 'p/{resources.p.slug}/c2' },
      'p',
    ]));
    expect(p.resources.map((r) => r.name)).toEqual(['p', 'c1', 'c2']);
    expect(byName(p, 'c1').parent?.includeFromParent).toEqual(['name']);
    expect(byName(p, 'p').exportFields).toEqual(['id', 'name', 'slug']);
  });

  test('dlt.config values are filled from params', () => {
    const raw = importSourceText('{"client": {"base_url": dlt.config["base"]}, "resources": ["r"]}', 'cfg');
    expect(plan(raw, { base: 'https://x.io' }).client.baseUrl).toBe('https://x.io');
    expect(planError(raw).message).toBe('client.base_url: dlt.config["base"] has no value; pass --param base=value');
  });
});

describe('plan errors name the resource and config path', () => {
  const cases: Array<[string, unknown, Record<string, string>, string[]]> = [
    ['missing placeholder param', source(['a', { name: 'b', endpoint: 'x/{tenant}/b' }]), {}, ['resources[1].endpoint.path: resource "b": placeholder {tenant}', 'pass --param tenant=value']],
    ['missing param in query params', source([{ name: 'b', endpoint: { params: { t: '{tenant}' } } }]), {}, ['resources[0].endpoint.params.t: resource "b"', '--param tenant=value']],
    [
      'ambiguous parent',
      source(['projects', { name: 'env', endpoint: 'projects/{project}/env' }]),
      { project: 'p1' },
      ['resources[1].endpoint.path: resource "env": {project} is ambiguous', 'Remove --param project', 'write {resources.projects.id}'],
    ],
    ['cycle', source([{ name: 'a', endpoint: 'a/{resources.b.id}' }, { name: 'b', endpoint: 'b/{resources.a.id}' }]), {}, ['resources[0]: resources form a dependency cycle: a -> b -> a']],
    ['unknown parent', source([{ name: 'a', endpoint: 'a/{resources.nope.id}' }]), {}, ['resources[0].endpoint.path: resource "a": {resources.nope.id} refers to "nope", which is not a resource']],
    ['own parent', source([{ name: 'a', endpoint: 'a/{resources.a.id}' }]), {}, ['resource "a": {resources.a.id} makes the resource its own parent']],
    ['two parents', source(['a', 'b', { name: 'c', endpoint: 'a/{resources.a.id}/b/{resources.b.id}' }]), {}, ['resources[2].endpoint: resource "c": placeholders come from more than one parent (a, b)']],
    ['unresolvable Airbyte partition', source([{ name: 'c', endpoint: "x/{{ stream_partition['pid'] }}" }]), {}, ['resources[0].endpoint.path: resource "c": cannot tell which resource']],
    ['incremental placeholder without incremental', source([{ name: 'c', endpoint: { params: { s: '{incremental.start_value}' } } }]), {}, ['needs endpoint.incremental']],
    ['include_from_parent without parent', source([{ name: 'c', include_from_parent: ['id'] }]), {}, ['resources[0].include_from_parent: resource "c" has no parent']],
    ['duplicate resource', source(['a', { name: 'a', endpoint: 'b' }]), {}, ['resources[1].name: resource "a" is defined more than once']],
  ];
  test.each(cases)('%s', (_name, raw, params, messages) => {
    const error = planError(raw, params);
    for (const m of messages) expect(error.message).toContain(m);
  });

  test('missing base_url (planning an unvalidated config)', () => {
    const config = { client: { base_url: '  ' }, resources: ['a'] } as SourceConfig;
    expect(() => buildPlan(config, {})).toThrow('client.base_url: base_url is required');
  });
});

describe('hints', () => {
  test.each([
    ['resource_defaults reaches every resource', { resource_defaults: { max_table_nesting: 2 }, resources: ['a'] }, 2],
    ["a resource's own wins", { resource_defaults: { max_table_nesting: 2 }, resources: [{ name: 'a', max_table_nesting: 0 }] }, 0],
    ["unset: the loader uses dlt's default", { resources: ['a'] }, undefined],
  ])('max_table_nesting: %s', (_name, config, expected) => {
    const p = plan({ client: { base_url: 'https://a.io' }, ...config } as SourceConfig);
    expect(p.resources[0].maxTableNesting).toBe(expected);
  });

  test('auth, retry, response actions, incremental, columns, table name', () => {
    const p = plan({
      client: { base_url: 'https://a.io', timeout: 12.5, headers: { 'X-Key': { $secret: 'k' } }, auth: { type: 'api_key', api_key: { $secret: 'key' }, location: 'param' } },
      resources: [
        {
          name: 'r',
          table_name: 'r_table',
          selected: false,
          max_table_nesting: 0,
          write_disposition: 'merge',
          merge_key: 'day',
          columns: [{ name: 'amount', data_type: 'decimal', precision: 12, scale: 2 }, { name: 'raw', data_type: 'json' }, { name: 'n', nullable: true }],
          endpoint: {
            error_handler: { max_retries: 0 },
            response_actions: [{ status_code: '404', action: 'ignore' }, { content: 'not found', action: 'ignore' }],
            params: { since: { type: 'incremental', cursor_path: 'updated_at', initial_value: '2024-01-01' } },
          },
        },
      ],
    });
    expect(p.client).toMatchObject({ timeoutMs: 12500, headers: { 'X-Key': { $secret: 'k' } }, auth: { type: 'api_key', name: 'Authorization', apiKey: { $secret: 'key' }, location: 'query' } });
    expect(p.resources[0]).toMatchObject({
      table: 'r_table',
      selected: false,
      maxTableNesting: 0,
      mergeKey: ['day'],
      params: {},
      columns: { amount: 'numeric(12,2)', raw: 'jsonb' },
      retry: { maximumAttempts: 1, backoffCoefficient: 2, initialIntervalMs: 1000 },
      responseActions: [{ statusCode: 404, action: 'ignore' }, { content: 'not found', action: 'ignore' }],
      incremental: { cursorPath: 'updated_at', initialValue: '2024-01-01', startParam: 'since' },
    });
  });

  test('column hints in full, key flags added to the keys, schema_contract expanded and inherited from resource_defaults', () => {
    const p = plan(
      source(
        [
          { name: 'a', primary_key: 'id', columns: { id: { data_type: 'bigint', nullable: false }, org: { primary_key: true, unique: true }, day: { merge_key: true } } },
          { name: 'b', schema_contract: { data_type: 'discard_value' } },
          'c',
        ],
        { resource_defaults: { schema_contract: 'freeze' } },
      ),
    );
    expect(byName(p, 'a')).toMatchObject({
      primaryKey: ['id', 'org'],
      mergeKey: ['day'],
      columns: { id: 'bigint' },
      columnHints: { id: { dataType: 'bigint', pgType: 'bigint', nullable: false }, org: { unique: true } },
      schemaContract: { tables: 'freeze', columns: 'freeze', data_type: 'freeze' },
    });
    // a resource's own schema_contract replaces the default's (dlt's merge), unset entities evolve
    expect(byName(p, 'b').schemaContract).toEqual({ tables: 'evolve', columns: 'evolve', data_type: 'discard_value' });
    expect(byName(p, 'c').schemaContract).toEqual({ tables: 'freeze', columns: 'freeze', data_type: 'freeze' });
  });

  test.each([
    ['unset: no nestedHints in the plan', {}, undefined],
    ['columns and a contract', { tags: { columns: { name: { data_type: 'text', precision: 5, nullable: false } }, schema_contract: 'freeze' } }, { tags: { columnHints: { name: { dataType: 'text', pgType: 'varchar(5)', precision: 5, nullable: false } }, schemaContract: { tables: 'freeze', columns: 'freeze', data_type: 'freeze' } } }],
    // an explicit evolve is kept: it replaces the contract the nested table would inherit
    ['an all-evolve contract', { tags: { schema_contract: 'evolve' } }, { tags: { schemaContract: { tables: 'evolve', columns: 'evolve', data_type: 'evolve' } } }],
  ])('nested_hints: %s', (_name, nested, expected) => {
    const p = plan(source([{ name: 'a', ...(Object.keys(nested).length ? { nested_hints: nested } : {}) }]));
    expect(byName(p, 'a').nestedHints).toEqual(expected);
  });

  test('endpoint incremental and oauth2', () => {
    const p = plan({
      client: { base_url: 'https://a.io', auth: { type: 'oauth2_client_credentials', access_token_url: 'https://a.io/token', client_id: 'id', client_secret: { $secret: 's' } } },
      resources: [{ name: 'r', endpoint: { incremental: { cursor_path: 'ts', start_param: 'from', end_param: 'to', initial_value: 0, end_value: 10 } } }],
    });
    expect(p.client.auth).toEqual({ type: 'oauth2_client_credentials', accessTokenUrl: 'https://a.io/token', clientId: 'id', clientSecret: { $secret: 's' } });
    expect(p.resources[0].incremental).toEqual({ cursorPath: 'ts', initialValue: 0, endValue: 10, startParam: 'from', endParam: 'to' });
    expect(p.resources[0].retry).toEqual({ maximumAttempts: 3, backoffCoefficient: 2, initialIntervalMs: 1000 });
  });
});

describe('describePlan', () => {
  test('resources in dependency order, paginator origin and inferred parents', () => {
    const text = describePlan(planSeed('004_61bb2673330c0b02.txt'));
    expect(text).toContain('source https://api.example.com (auth: bearer, timeout 60s)');
    expect(text).toContain('3. samples');
    expect(text).toContain('write: merge (delete-insert), primary key: id');
    expect(text).toContain('paginator: offset (Offset/limit, limit 1024) from endpoint');
    expect(text).toContain('parent: projects via {parent_id} = projects.id (inferred)');
    expect(text).toContain('paginator: auto (default: auto-detect)');
    expect(text.indexOf('7. appresults')).toBeLessThan(text.indexOf('8. appresults_files'));
  });

  test.each([
    ['none', { cursor_path: 'at', start_param: 'since' }, 'incremental: at -> since'],
    ['min, lag, row_order and dedup key', { cursor_path: 'at', last_value_func: 'min', lag: 60, row_order: 'desc', primary_key: [] }, 'incremental: at (min, lag 60, row_order desc, dedup key [])'],
  ])('incremental options shown: %s', (_name, incremental, line) => {
    const raw = { client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { path: 'r', incremental } }] };
    expect(describePlan(buildPlan(parseSourceConfig(raw), {}))).toContain(line);
  });
});

describe('describePlan: the request side', () => {
  test.each([
    ['a form body', { data: { q: 1 } }, undefined, '   body: form data'],
    ['a raw body', { data: 'q=1' }, undefined, '   body: raw data'],
    ['processing steps in order', {}, [{ filter: 'id > 1' }, { filter: 'on', map: '$' }], '   step 0: filter id > 1\n   step 1: filter on, then map $'],
    ['an endpoint session token', { auth: { type: 'session_token', login_requester: { path: 'login' }, session_token_path: ['t'] } }, undefined, '   auth: session_token from login, sent in header "Authorization" (the endpoint\'s own)'],
  ])('%s', (_name, endpoint, steps, line) => {
    const config = { client: { base_url: 'https://a.io' }, resources: [{ name: 'r', endpoint: { path: 'r', method: 'POST', ...endpoint }, ...(steps ? { processing_steps: steps } : {}) }] };
    expect(describePlan(buildPlan(parseSourceConfig(config), {}))).toContain(line);
  });
});

describe('plan modules stay workflow-safe', () => {
  const planDir = path.join(__dirname, '../../src/plan');
  test.each(['build.ts', 'describe.ts', 'merge.ts', 'parents.ts', 'placeholders.ts', 'order.ts', 'paginator.ts', 'client.ts', 'hints.ts', 'config-params.ts'])(
    '%s: no node built-ins, clock or randomness',
    (file) => {
      const text = readFileSync(path.join(planDir, file), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((i) => !i.startsWith('.') && i !== 'zod')).toEqual([]);
      expect(text).not.toMatch(/\bDate\b|Math\.random|process\.|require\(/);
    },
  );
});

describe('prototype names are not params', () => {
  test.each(['constructor', 'toString', '__proto__'])('{%s} is a missing param', (name) => {
    expect(planError(source([{ name: 'r', endpoint: `a/{${name}}` }])).message).toContain(`pass --param ${name}=value`);
  });
});

describe('every resource problem at once', () => {
  test('two broken resources give one ConfigError naming both config paths', () => {
    const raw = {
      client: { base_url: 'http://x' },
      resources: [
        { name: 'a', endpoint: { path: '/a/{nope}' } },
        { name: 'b', endpoint: { path: '/b' } },
        { name: 'c', endpoint: { path: '/c/{q}', params: { q: { type: 'resolve', resource: 'zzz', field: 'id' } } } },
      ],
    };
    let message = '';
    try {
      planSource(raw, {});
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^2 problems:/);
    expect(message).toContain('resources[0].endpoint.path');
    expect(message).toContain('resources[2].endpoint.path');
  });
});

describe('planning scales', () => {
  /** Counted work, not time: ordering 10 000 resources must not compare every pair. */
  test.each([
    ['a flat list', (i: number) => `r${i}`],
    ['a chain of parents', (i: number) => ({ name: `r${i}`, endpoint: i ? `r/{resources.r${i - 1}.id}` : 'r' })],
    ['a star', (i: number) => ({ name: `r${i}`, endpoint: i ? `r/{resources.r0.id}` : 'r' })],
  ])('10 000 resources as %s plan in order, parents first', (_name, make) => {
    const p = plan({ client: { base_url: 'https://a.io' }, resources: Array.from({ length: 10_000 }, (_, i) => make(i)) });
    expect(p.resources.map((r) => r.name)).toEqual(Array.from({ length: 10_000 }, (_, i) => `r${i}`));
  });
});

