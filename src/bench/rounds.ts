import pg from 'pg';
import type { SyncOptions } from '../workflows/types';
import { restApiConfig, type ApiProcess, type Variant } from './api';
import { runDlt } from './dlt';
import { cpuNow, cpuSince, trackPeakRss, verifyRows } from './measure';
import { plainLoop, type RunFigures } from './plain';
import { phase, type Phase, type VariantResult } from './report';
import type { KillReport } from './kill';
import { historyFigures, type HistoryFigures, type RestSyncHarness } from './restsync';

/** One contender's run, measured: wall time, API requests, CPU per component, peak RSS; then the row check. */
export async function measured(
  api: ApiProcess,
  db: pg.Pool,
  schema: string,
  n: number,
  run: () => Promise<RunFigures & { extraCpu?: number; peakRssMb?: number; history?: HistoryFigures; kill?: KillReport }>,
): Promise<Phase & { history?: HistoryFigures }> {
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.query(`DROP SCHEMA IF EXISTS "${schema}_staging" CASCADE`);
  await db.query('CHECKPOINT').catch(() => undefined);
  const requests = await api.requests();
  api.resetStats();
  const cpu = cpuNow(api.pid);
  const rss = trackPeakRss();
  const figures = await run();
  const peak = rss.stop();
  const used = cpuSince(cpu, api.pid);
  used.bench = Math.round((used.bench + (figures.extraCpu ?? 0)) * 100) / 100;
  await verifyRows((sql) => db.query(sql), schema, schema, 'items', n);
  const rest = {
    requests: (await api.requests()) - requests,
    cpu: used,
    peakRssMb: figures.peakRssMb ?? peak.peakMb,
    api: await api.stats(),
    ...(figures.kill ? { kill: figures.kill } : {}),
  };
  return { ...phase(figures, figures.peakRssMb ? rest : { ...rest, startRssMb: peak.startMb }), history: figures.history };
}

/** The fastest of a contender's runs, its ratio to the fastest plain loop, and every run's rows/s. */
export function best<P extends Phase>(runs: P[], plainRate?: number): P {
  const top = runs.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
  const ratio = Math.round((top.rowsPerSecond / (plainRate ?? top.rowsPerSecond)) * 100) / 100;
  return { ...top, ratio, ...(runs.length > 1 ? { runsRowsPerSecond: runs.map((r) => r.rowsPerSecond) } : {}) };
}

/** What one variant's rounds run against. */
export interface BenchContext {
  n: number;
  repeat: number;
  api: ApiProcess;
  pgUrl: string;
  db: pg.Pool;
  rs: RestSyncHarness;
  options?: SyncOptions;
  /** the API's rate limit, given to rest-sync's config as `rate_limit` */
  rateLimit?: number;
  /** the venv's python with dlt, the reason dlt is skipped, or undefined without --peers */
  python?: string | { skipped: string };
  log(line: string): void;
}

/**
 * One variant: `repeat` rounds of plain loop, rest-sync and (with --peers) dlt in turn, each into
 * a fresh schema, each checked for exactly N distinct rows; the fastest round of each is reported.
 */
export async function benchVariant(v: Variant, ctx: BenchContext): Promise<VariantResult> {
  const { n, repeat, api, pgUrl, db, rs, python, log } = ctx;
  const config = restApiConfig(api.url, v, ctx.rateLimit);
  const runs = { plain: [] as Phase[], restSync: [] as (Phase & { history?: HistoryFigures })[], afterParent: [] as Phase[], dlt: [] as Phase[] };
  // the children variant's resource workflows: the parent's history counts too
  const resources = v === 'children' ? ['parents', 'items'] : ['items'];
  const syncInto = (schema: string, options?: SyncOptions) =>
    measured(api, db, schema, n, async () => {
      const r = await rs.sync({ source: config, dataset: schema, options });
      return { ...r, history: await historyFigures(rs.client, [r.workflowId, ...resources.map((x) => `${r.workflowId}:${x}`)]) };
    });
  for (let i = 1; i <= repeat; i++) {
    const tag = repeat > 1 ? ` (round ${i}/${repeat})` : '';
    log(`${v}: plain loop${tag}`);
    runs.plain.push(await measured(api, db, `plain_${v}`, n, () => plainLoop(api.url, pgUrl, `plain_${v}`, v)));
    log(`${v}: rest-sync${tag}`);
    runs.restSync.push(await syncInto(`rs_${v}`, ctx.options));
    if (v === 'children') {
      // the same sync with each child started only after its parent has finished: what pipelining gains
      log(`${v}: rest-sync, children after their parent${tag}`);
      runs.afterParent.push(await syncInto(`rs_${v}_after`, { ...ctx.options, pipelineChildren: false }));
    }
    if (typeof python !== 'string') continue;
    log(`${v}: dlt rest_api${tag}`);
    const d = await measured(api, db, `dlt_${v}`, n, async () => {
      // dlt has no client-side rate limit: it meets the API's 429s and retries after Retry-After
      const d = await runDlt(python, restApiConfig(api.url, v), pgUrl, `dlt_${v}`);
      return { rows: n, pages: 0, seconds: d.seconds, extraCpu: d.cpu, peakRssMb: d.peakRssMb };
    });
    runs.dlt.push({ ...d, pages: d.requests });
  }
  const plain = best(runs.plain);
  const { history: h, ...restSync } = best(runs.restSync, plain.rowsPerSecond);
  const per1k = (x: number) => Math.round((x / restSync.pages) * 1000);
  const history = { ...h!, eventsPer1kPages: per1k(h!.events), bytesPer1kPages: per1k(h!.bytes) };
  const dlt = typeof python === 'object' ? python : runs.dlt.length ? best(runs.dlt, plain.rowsPerSecond) : undefined;
  const afterParent = runs.afterParent.length ? best(runs.afterParent, plain.rowsPerSecond) : undefined;
  return { variant: v, plain, restSync: { ...restSync, history }, ...(afterParent ? { afterParent } : {}), ...(dlt ? { dlt } : {}) };
}
