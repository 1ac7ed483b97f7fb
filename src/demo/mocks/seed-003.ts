import { makeRecords, startMockServer, type MockResponse, type MockRoute, type MockServer } from './server';
import { headerKeyGuard, tokenPage } from './paging';

/**
 * Seed 003: a CI service's API (CircleCI's shape) with an API key in the `api_key` header. Lists
 * are `{ "items": [...], "next_page_token": ... }` pages of 10 with `page-token`; other endpoints
 * answer a whole object (`/v2/me`, `/v1.1/me`, a project, a job, a workflow, insights) or a
 * top-level array (`/v1.1/projects`, `/v2/me/collaborations`). As the document's resource list
 * says, several answers carry no `id`: `/v1.1/me` (analytics_id), `/v1.1/projects` (vcs_url), a
 * job (number), insights (project_id). Path ids must match the params, else 404.
 */
const PAGE_SIZE = 10;
const when = (i: number) => new Date(Date.UTC(2024, 2, 1) + i * 3_600_000).toISOString();

export const SEED_003 = {
  apiKey: 'seed003-key',
  params: { org_id: 'acme', project_id: 'api', job_number: '42', workflow_id: 'wf-7f3a' },
  counts: {
    context: 23,
    self_ids: 1,
    self_collaborations: 3,
    me: 1,
    projects: 4,
    pipelines: 27,
    specific_project: 1,
    jobs: 1,
    workflow: 1,
    insights_metrics: 1,
    insights_branches: 1,
    workflow_jobs: 13,
  } as Record<string, number>,
  /** the primary key of each table (the document's resource list) */
  primaryKeys: { me: 'analytics_id', projects: 'vcs_url', jobs: 'number', insights_metrics: 'project_id', insights_branches: 'project_id' } as Record<string, string>,
};

const P = SEED_003.params;
const slug = `gh/${P.org_id}/${P.project_id}`;
const n = SEED_003.counts;
const contexts = makeRecords(n.context, (i) => ({ id: `ctx-${i + 1}`, name: `context-${i + 1}`, created_at: when(i) }));
const pipelines = makeRecords(n.pipelines, (i) => ({
  id: `pl-${i + 1}`,
  number: 500 + i,
  project_slug: slug,
  state: 'created',
  created_at: when(i),
  trigger: { type: 'webhook', actor: { login: 'ada' } },
  vcs: { branch: i % 2 ? 'main' : 'dev', revision: `r${i}` },
}));
const jobsOfWorkflow = makeRecords(n.workflow_jobs, (i) => ({
  id: `job-${i + 1}`,
  name: `step-${i + 1}`,
  job_number: i === 12 ? null : 40 + i,
  type: i === 12 ? 'approval' : 'build',
  status: 'success',
  dependencies: i ? [`job-${i}`] : [],
  project_slug: slug,
}));
const collaborations = makeRecords(n.self_collaborations, (i) => ({ id: `org-${i + 1}`, vcs_type: 'github', name: `org${i + 1}`, slug: `gh/org${i + 1}` }));
const v1Projects = makeRecords(n.projects, (i) => ({
  vcs_url: `https://github.com/${P.org_id}/repo-${i + 1}`,
  username: P.org_id,
  reponame: `repo-${i + 1}`,
  following: i % 2 === 0,
  vcs_type: 'github',
  branches: { main: { pusher_logins: ['ada'] } },
}));

const notFound: MockResponse = { status: 404, body: { message: 'Not found.' } };

export function seed003Routes(): MockRoute[] {
  const one = (path: string, ok: (p: Record<string, string>) => boolean, body: unknown): MockRoute => ({
    path,
    handler: (req) => (ok(req.params) ? { body } : notFound),
  });
  const inProject = (p: Record<string, string>) => p.org === P.org_id && p.project === P.project_id;
  return [
    { path: '/v2/context', handler: (req) => tokenPage(contexts, req, PAGE_SIZE) },
    one('/v2/me', () => true, { id: 'usr-1', login: 'ada', name: 'Ada' }),
    one('/v2/me/collaborations', () => true, collaborations),
    one('/v1.1/me', () => true, { analytics_id: 'an-0001', login: 'ada', name: 'Ada', selected_email: 'ada@example.com', admin: false }),
    one('/v1.1/projects', () => true, v1Projects),
    { path: '/v2/pipeline', handler: (req) => tokenPage(pipelines, req, PAGE_SIZE) },
    one('/v2/project/:org/:project', inProject, { id: 'prj-uuid-1', slug, name: P.project_id, organization_name: P.org_id, vcs_info: { default_branch: 'main' } }),
    one('/v2/project/:org/:project/job/:job', (p) => inProject(p) && p.job === P.job_number, {
      number: Number(P.job_number),
      name: 'build',
      status: 'success',
      started_at: when(1),
      latest_workflow: { id: P.workflow_id, name: 'ci' },
      pipeline: { id: 'pl-1' },
    }),
    one('/v2/workflow/:workflow', (p) => p.workflow === P.workflow_id, { id: P.workflow_id, name: 'ci', status: 'success', pipeline_id: 'pl-1', created_at: when(0) }),
    one('/v2/insights/pages/:org/:project/summary', inProject, {
      org_id: P.org_id,
      project_id: P.project_id,
      project_data: { metrics: { total_runs: 120, success_rate: 0.93 } },
      all_branches: ['main', 'dev'],
      all_workflows: ['ci'],
    }),
    one('/v2/insights/:org/:project/branches', inProject, { org_id: P.org_id, project_id: P.project_id, branches: ['main', 'dev'] }),
    {
      path: '/v2/workflow/:workflow/job',
      handler: (req) => (req.params.workflow === P.workflow_id ? tokenPage(jobsOfWorkflow, req, PAGE_SIZE) : notFound),
    },
  ];
}

export function startSeed003(port = 0, apiKey = SEED_003.apiKey): Promise<MockServer> {
  return startMockServer(seed003Routes(), headerKeyGuard('api_key', apiKey), port);
}
