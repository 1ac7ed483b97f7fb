import { bearerGuard, makeRecords, startMockServer, type MockRoute, type MockServer } from './server';

/**
 * Seed 000: an analytics API with bearer auth, offset pages of records under `data`, no total in
 * the answer, and a server-side page cap (30) below the `limit` of 100 asked for — a short page
 * is not the last one. Paths carry the account id.
 */
export const SEED_000 = {
  token: 'seed000-token',
  accountId: '4711',
  pageCap: 30,
  counts: { runs: 253, projects: 41, repositories: 7, users: 100, environments: 0 } as Record<string, number>,
};

const paths: Record<string, string> = {
  runs: '/v2/accounts/:account/runs/',
  projects: '/v3/accounts/:account/projects',
  repositories: '/v2/accounts/:account/repositories',
  users: '/v3/accounts/:account/users',
  environments: '/v3/accounts/:account/environments',
};

function dataset(name: string) {
  return makeRecords(SEED_000.counts[name], (i) => ({
    id: i + 1,
    name: `${name}-${i + 1}`,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    accountId: Number(SEED_000.accountId),
    state: i % 3 === 0 ? 'active' : 'archived',
    settings: { tier: i % 2 ? 'free' : 'team' },
  }));
}

export function seed000Routes(): MockRoute[] {
  return Object.entries(paths).map(([name, path]) => {
    const rows = dataset(name);
    return {
      path,
      handler: (req) => {
        if (req.params.account !== SEED_000.accountId) return { status: 404, body: { error: 'no such account' } };
        const offset = Number(req.query.get('offset') ?? 0);
        const limit = Math.min(Number(req.query.get('limit') ?? 100), SEED_000.pageCap);
        return { body: { data: rows.slice(offset, offset + limit), extra: { offset, limit } } };
      },
    };
  });
}

export function startSeed000(port = 0): Promise<MockServer> {
  return startMockServer(seed000Routes(), bearerGuard(SEED_000.token), port);
}
