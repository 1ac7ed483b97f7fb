import { makeRecords, startMockServer, type MockResponse, type MockRoute, type MockServer } from './server';
import { basicGuard, faultOnce, intParam } from './paging';

/**
 * Seed 002: a project-tracking API with HTTP basic auth and offset pages
 * (`?offset=&limit=50` → `{ "projects": [...] }`, no total: an empty page ends a list). It
 * misbehaves as rate-limited APIs do, once per server: the first page of `projects` answers
 * 429 with `Retry-After: 1`, and the third page of `priorities` a 503. A sync still loads every
 * row exactly once.
 */
export const SEED_002 = {
  username: 'seed002-user',
  password: 'seed002-pass',
  limit: 50,
  counts: { projects: 137, priorities: 105, plans: 12 } as Record<string, number>,
  /** `<resource>@<offset>` → the status answered once for that page */
  faults: { 'projects@0': 429, 'priorities@100': 503 } as Record<string, number>,
};

function dataset(name: string) {
  return makeRecords(SEED_002.counts[name], (i) => ({
    id: 1000 + i,
    name: `${name}-${i + 1}`,
    position: i,
    created_at: new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString(),
    archived: i % 5 === 0,
  }));
}

/** A started seed-002 mock, with the faults it has answered so far. */
export type Seed002Server = MockServer & { faultsServed: string[] };

export function seed002Routes(faultsServed: string[]): MockRoute[] {
  return Object.keys(SEED_002.counts).map((name) => {
    const rows = dataset(name);
    return {
      path: `/v1/${name}`,
      handler: (req): MockResponse => {
        const offset = intParam(req, ['offset'], 0);
        const limit = Math.min(intParam(req, ['limit'], 20), 100);
        const fault = faultOnce(SEED_002.faults, faultsServed, `${name}@${offset}`);
        if (fault) return fault;
        return { body: { [name]: rows.slice(offset, offset + limit) } };
      },
    };
  });
}

export async function startSeed002(port = 0): Promise<Seed002Server> {
  const faultsServed: string[] = [];
  const server = await startMockServer(seed002Routes(faultsServed), basicGuard(SEED_002.username, SEED_002.password), port);
  return { ...server, faultsServed };
}
