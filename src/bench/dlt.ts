import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../infra/temporal-cli';

/** The dlt pipeline the bench runs: the same rest_api config, merged into Postgres; prints its timings as JSON. */
const DLT_SCRIPT = `
import json, os, resource, time
t0 = time.perf_counter()
import dlt
from dlt.sources.rest_api import rest_api_source
t1 = time.perf_counter()
pipeline = dlt.pipeline(
    pipeline_name=os.environ["BENCH_PIPELINE"],
    destination=dlt.destinations.postgres(os.environ["BENCH_PG_URL"]),
    dataset_name=os.environ["BENCH_DATASET"],
    pipelines_dir=os.environ["BENCH_PIPELINES_DIR"],
)
pipeline.run(rest_api_source(json.loads(os.environ["BENCH_CONFIG"])))
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "cpu_s": time.process_time(), "maxrss_kb": rss}))
`;

export interface DltFigures {
  /** wall time of `pipeline.run` (extract, normalize, load), without interpreter start and imports */
  seconds: number;
  /** CPU seconds of the Python process */
  cpu: number;
  importSeconds: number;
  /** peak RSS of the Python process */
  peakRssMb: number;
}

const venvDir = () => path.join(projectRoot(), 'tools', 'venv');
const venvPython = () => path.join(venvDir(), 'bin', 'python');

function lastLine(out: { stderr?: Buffer | string | null; error?: Error }): string {
  const text = out.error?.message ?? String(out.stderr ?? '').trim();
  return text.split('\n').filter(Boolean).pop() ?? 'no output';
}

/**
 * The venv's python with dlt[postgres], installing it into tools/venv (git-ignored) the first time.
 * Returns the reason instead when python3 or pip fails.
 */
export function ensureDlt(log: (line: string) => void): { python: string } | { skipped: string } {
  const ready = () => spawnSync(venvPython(), ['-c', 'import dlt, psycopg2'], { stdio: 'pipe' }).status === 0;
  if (existsSync(venvPython()) && ready()) return { python: venvPython() };
  if (!existsSync(venvPython())) {
    log(`dlt: creating ${venvDir()}`);
    const venv = spawnSync('python3', ['-m', 'venv', venvDir()], { stdio: 'pipe' });
    if (venv.status !== 0) return { skipped: `python3 -m venv failed: ${lastLine(venv)}` };
  }
  log('dlt: pip install dlt[postgres] into tools/venv (once)');
  const pip = spawnSync(venvPython(), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'dlt[postgres]'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 15 * 60_000,
  });
  if (pip.status !== 0) return { skipped: `pip install dlt[postgres] failed: ${lastLine(pip)}` };
  return ready() ? { python: venvPython() } : { skipped: 'dlt installed but `import dlt, psycopg2` fails' };
}

/**
 * Runs dlt's rest_api on `config` into `dataset` (dlt names the Postgres schema after it).
 * `pipelinesDir` keeps dlt's local pipeline state for a later run (the parity check runs twice).
 */
export async function runDlt(python: string, config: unknown, pgUrl: string, dataset: string, pipelinesDir?: string): Promise<DltFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-bench-dlt-'));
  const script = path.join(dir, 'bench_dlt.py');
  writeFileSync(script, DLT_SCRIPT);
  try {
    const child = spawn(python, [script], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        BENCH_PIPELINE: `bench_${dataset}`,
        BENCH_PG_URL: pgUrl.replace(/^postgres:\/\//, 'postgresql://'),
        BENCH_DATASET: dataset,
        BENCH_PIPELINES_DIR: pipelinesDir ?? path.join(dir, 'pipelines'),
        BENCH_CONFIG: JSON.stringify(config),
        RUNTIME__DLTHUB_TELEMETRY: 'false',
        RUNTIME__LOG_LEVEL: 'WARNING',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`dlt pipeline failed (exit ${code}): ${stderr.trim().split('\n').slice(-5).join('\n')}`);
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    return { seconds: r.run_s, cpu: r.cpu_s, importSeconds: r.import_s, peakRssMb: Math.round(r.maxrss_kb / 1024) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
