import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** The temporal CLI release that `go install` accepts (later tags carry a replace directive). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** Project-local, git-ignored folder where the CLI is built when nothing else provides it. */
export function toolsBinDir(root = projectRoot()): string {
  return path.join(root, 'tools', 'bin');
}

/** The repository root: the folder above dist/ or src/. */
export function projectRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = found.stdout.trim();
  return found.status === 0 && p ? p : undefined;
}

/**
 * Where the temporal CLI is: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the project's
 * tools folder. Undefined when none has it.
 */
export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const local = path.join(toolsBinDir(), 'temporal');
  return onPath('temporal') ?? (existsSync(local) ? local : undefined);
}

/** Finds the CLI, building it with `go install` into tools/bin when it is missing (~2 min once). */
export function ensureTemporalCli(log: (line: string) => void = console.error): string {
  const found = findTemporalCli();
  if (found) return found;
  const bin = toolsBinDir();
  mkdirSync(bin, { recursive: true });
  log(`temporal CLI not found: building ${TEMPORAL_CLI_MODULE} into ${bin} (takes a few minutes once)`);
  execFileSync('go', ['install', TEMPORAL_CLI_MODULE], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: bin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
  });
  const built = path.join(bin, 'temporal');
  if (!existsSync(built)) throw new Error(`go install finished but ${built} is missing`);
  return built;
}
