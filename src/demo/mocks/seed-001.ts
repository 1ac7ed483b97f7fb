import { bearerGuard, makeRecords, startMockServer, type MockRoute, type MockServer } from './server';
import { faultOnce, untilPage } from './paging';

/**
 * Seed 001: a deployment-platform API (Vercel's shape) with bearer auth and time-cursor pages:
 * `{ "<key>": [...], "pagination": { "next": <epoch ms> | null } }`, `until` sent back, `limit`
 * capped at 20 (so the 100 asked for gives pages of 20). `/v2/user` answers one object, and
 * deployment events are a top-level array without `pagination` (one page). Children:
 * environments per project, events per deployment, members per team; every id a string. Two
 * gateway errors are answered once per server: the second page of one project's variables (a
 * retry must resume inside that project) and the first page of one team's members.
 */
const PAGE_CAP = 20;
const T0 = Date.UTC(2024, 5, 1);

type Row = Record<string, unknown> & { id: string; createdAt: number };

/** `n` rows newest first, each with a distinct timestamp (the cursor). */
function rows(prefix: string, n: number, extra: (i: number) => Record<string, unknown> = () => ({})): Row[] {
  return makeRecords(n, (i) => ({
    id: `${prefix}_${String(i + 1).padStart(3, '0')}`,
    createdAt: T0 + (n - i) * 60_000,
    updatedAt: T0 + (n - i) * 60_000 + 5_000,
    ...extra(i),
  })) as Row[];
}

const projects = rows('prj', 45, (i) => ({ name: `site-${i + 1}`, framework: i % 2 ? 'nextjs' : null, live: i % 3 === 0 }));
const teams = rows('team', 3, (i) => ({ slug: `team-${i + 1}`, name: `Team ${i + 1}` }));
const deployments = rows('dpl', 27, (i) => ({ name: `site-${(i % 45) + 1}`, url: `site-${i + 1}.example.app`, state: 'READY' }));
/** env vars per project: none, one, three, or 25 (two pages of 20 + 5) */
const envs = new Map(projects.map((p, i) => [p.id, rows(`env_${p.id}`, [0, 1, 3, 25][i % 4], (j) => ({ key: `VAR_${j}`, type: 'encrypted', target: ['production'] }))]));
const members = new Map(teams.map((t, i) => [t.id, rows(`mbr_${t.id}`, [4, 23, 0][i], (j) => ({ role: j === 0 ? 'OWNER' : 'MEMBER', email: `m${j}@example.com` }))]));
/** build events per deployment: 0 to 3 */
const events = new Map(deployments.map((d, i) => [d.id, rows(`evt_${d.id}`, i % 4, (j) => ({ type: 'stdout', deploymentId: d.id, payload: { text: `line ${j}` } }))]));
const user = { id: 'usr_001', email: 'ada@example.com', name: 'Ada', username: 'ada', createdAt: T0, softBlock: null };
const tokens = rows('tok', 12, (i) => ({ name: `token-${i + 1}`, type: 'oauth2-token', expiresAt: null }));
const aliases = rows('als', 41, (i) => ({ alias: `a${i + 1}.example.app`, deploymentId: deployments[i % 27].id }));

const sum = (m: Map<string, unknown[]>) => [...m.values()].reduce((n, l) => n + l.length, 0);

export const SEED_001 = {
  token: 'seed001-token',
  pageCap: PAGE_CAP,
  counts: {
    projects: projects.length,
    teams: teams.length,
    user: 1,
    deployments: deployments.length,
    environments: sum(envs),
    auth_tokens: tokens.length,
    aliases: aliases.length,
    deployment_events: sum(events),
    teams_member: sum(members),
  } as Record<string, number>,
  /** `<list key>:<parent id>:<first|next page>` → the status answered once */
  faults: { 'envs:prj_004:next': 502, 'members:team_002:first': 503 } as Record<string, number>,
};

/** A started seed-001 mock, with the faults it has answered so far. */
export type Seed001Server = MockServer & { faultsServed: string[] };

/** A child list route: 404 for a parent id that does not exist (a wrongly filled path). */
function childList(path: string, byParent: Map<string, Row[]>, param: string, key: string, served: string[]): MockRoute {
  return {
    path,
    handler: (req) => {
      const id = req.params[param];
      const list = byParent.get(id);
      if (!list) return { status: 404, body: { error: { code: 'not_found', message: `no ${param} ${id}` } } };
      return faultOnce(SEED_001.faults, served, `${key}:${id}:${req.query.has('until') ? 'next' : 'first'}`) ?? untilPage(list, req, key, PAGE_CAP);
    },
  };
}

export function seed001Routes(served: string[]): MockRoute[] {
  const list = (path: string, data: Row[], key: string): MockRoute => ({ path, handler: (req) => untilPage(data, req, key, PAGE_CAP) });
  return [
    list('/v9/projects', projects, 'projects'),
    list('/v2/teams', teams, 'teams'),
    { path: '/v2/user', handler: () => ({ body: { user } }) },
    list('/v6/deployments', deployments, 'deployments'),
    childList('/v9/projects/:project/env', envs, 'project', 'envs', served),
    list('/v5/user/tokens', tokens, 'tokens'),
    list('/v4/aliases', aliases, 'aliases'),
    {
      path: '/v3/deployments/:deployment/events',
      handler: (req) => {
        const list = events.get(req.params.deployment);
        return list ? { body: list } : { status: 404, body: { error: { code: 'not_found' } } };
      },
    },
    childList('/v2/teams/:team/members', members, 'team', 'members', served),
  ];
}

export async function startSeed001(port = 0, token = SEED_001.token): Promise<Seed001Server> {
  const faultsServed: string[] = [];
  const server = await startMockServer(seed001Routes(faultsServed), bearerGuard(token), port);
  return { ...server, faultsServed };
}
