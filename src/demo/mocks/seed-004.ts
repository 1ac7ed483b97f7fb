import { bearerGuard, makeRecords, startMockServer, type MockRoute, type MockServer } from './server';
import { intParam } from './paging';

/**
 * Seed 004: a sequencing platform's API (Illumina BaseSpace's shape) with bearer auth and offset
 * pages: `?Offset=&Limit=` → `{ "Response": { "Items": [...], "DisplayedCount", "Offset",
 * "Limit", "TotalCount" }, "Notifications": [] }`. The server caps a page at 100 (the config asks
 * for 1024), so a short page is not the last; without a limit it answers 10. Child lists hang off
 * parent ids: samples of a project, files of a sample or run, app results of an app session,
 * files of an app result. Field names are neutral lower-case (`id`, `name`, `date_created`).
 */
const CAP = 100;
const DEFAULT_LIMIT = 10;
const when = (i: number) => new Date(Date.UTC(2023, 8, 1) + i * 600_000).toISOString();

type Row = Record<string, unknown> & { id: number };
let nextId = 1;
/** Rows with ids unique across the whole API (BaseSpace ids are global). */
function rows(n: number, make: (i: number) => Record<string, unknown>): Row[] {
  return makeRecords(n, (i) => ({ id: nextId++, date_created: when(i), ...make(i) })) as Row[];
}
/** a child list for each parent, `count(i)` records for the i-th parent */
function children(parents: Row[], count: (i: number) => number, make: (p: Row, j: number) => Record<string, unknown>): Map<string, Row[]> {
  return new Map(parents.map((p, i) => [String(p.id), rows(count(i), (j) => make(p, j))]));
}

const projects = rows(105, (i) => ({ name: `project-${i + 1}`, user_owned_by: { id: 7, name: 'ada' } }));
const runs = rows(12, (i) => ({ name: `run-${i + 1}`, status: i % 4 ? 'Complete' : 'Failed', experiment_name: `exp-${i}` }));
const appsessions = rows(9, (i) => ({ name: `session-${i + 1}`, status: 'Complete', application: { id: 55, name: 'aligner' } }));
/** samples: three for every seventh project, 130 for the 22nd (a full page, a short one, an empty one) */
const samples = children(projects, (i) => (i === 21 ? 130 : i % 7 === 0 ? 3 : 0), (p, j) => ({ name: `sample-${p.id}-${j}`, project_id: p.id }));
const allSamples = [...samples.values()].flat();
const sampleFiles = children(allSamples, (i) => (i % 10 === 0 ? 2 : 0), (s, j) => ({ name: `s${s.id}_R${j + 1}.fastq.gz`, size: 1000 * (j + 1) }));
const runFiles = children(runs, (i) => [0, 1, 104][i % 3], (r, j) => ({ name: `r${r.id}/file-${j}.bcl`, size: 512 }));
const appresults = children(appsessions, (i) => i % 3, (s, j) => ({ name: `result-${s.id}-${j}`, app_session_id: s.id }));
const allResults = [...appresults.values()].flat();
/** files of an app result: fewer than the default page size, as auto-detection sees one page */
const resultFiles = children(allResults, (i) => (i % 4) + 1, (r, j) => ({ name: `${r.name}.bam.${j}`, size: 2048 }));

const total = (m: Map<string, Row[]>) => [...m.values()].reduce((n, l) => n + l.length, 0);

export const SEED_004 = {
  token: 'seed004-token',
  pageCap: CAP,
  counts: {
    projects: projects.length,
    runs: runs.length,
    samples: total(samples),
    sample_files: total(sampleFiles),
    run_files: total(runFiles),
    appsessions: appsessions.length,
    appresults: total(appresults),
    appresults_files: total(resultFiles),
  } as Record<string, number>,
};

function page(list: Row[], query: URLSearchParams): { body: unknown } {
  const req = { query } as Parameters<typeof intParam>[0];
  const offset = intParam(req, ['Offset', 'offset'], 0);
  const limit = Math.min(intParam(req, ['Limit', 'limit'], DEFAULT_LIMIT), CAP);
  const items = list.slice(offset, offset + limit);
  return {
    body: {
      Response: { Items: items, DisplayedCount: items.length, Offset: offset, Limit: limit, TotalCount: list.length, SortDir: 'Asc', SortBy: 'Id' },
      Notifications: [],
    },
  };
}

export function seed004Routes(): MockRoute[] {
  const list = (path: string, data: Row[]): MockRoute => ({ path, handler: (req) => page(data, req.query) });
  const child = (path: string, byParent: Map<string, Row[]>): MockRoute => ({
    path,
    handler: (req) => {
      const found = byParent.get(req.params.id);
      return found ? page(found, req.query) : { status: 404, body: { ResponseStatus: { ErrorCode: 'NotFound', Message: `no ${req.params.id}` } } };
    },
  });
  return [
    list('/users/current/projects', projects),
    list('/users/current/runs', runs),
    list('/users/current/appsessions', appsessions),
    child('/projects/:id/samples', samples),
    child('/samples/:id/files', sampleFiles),
    child('/runs/:id/files', runFiles),
    child('/appsessions/:id/appresults', appresults),
    child('/appresults/:id/files', resultFiles),
  ];
}

export function startSeed004(port = 0, token = SEED_004.token): Promise<MockServer> {
  return startMockServer(seed004Routes(), bearerGuard(token), port);
}
