import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RestSyncError } from '../errors';
import { spawnGuarded } from './guarded';
import { reachablePostgres } from './pg-binaries';
import { freePort } from './ports';

/** The embedded server could not start: what happened and what to do, in one paragraph. */
export class EmbeddedPostgresError extends RestSyncError {
  constructor(message: string) {
    super('POSTGRES_START', message);
  }
}

const USER = 'postgres';
const PASSWORD = 'rest-sync';
/** messages in English, so readiness can be read from the log */
const ENV = { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' };

interface Ids {
  uid?: number;
  gid?: number;
}

/** As root: the `postgres` user (created when missing) that the server runs as. */
function postgresUser(): Ids {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('sh', ['-c', `getent group ${USER} >/dev/null || groupadd ${USER}; useradd -g ${USER} ${USER}`], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Runs a short program to its end; its output is the error message when it fails. */
function run(cmd: string, args: string[], ids: Ids): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...ids, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new Error(`${path.basename(cmd)}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} exited with ${code}: ${out.trim().slice(-2000)}`))));
  });
}

/** Creates the cluster (initdb) in `dataDir`, owned by the user the server runs as. */
async function initialise(bin: string, dataDir: string, ids: Ids): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  if (ids.uid !== undefined) chownSync(dataDir, ids.uid, ids.gid!);
  const pwfile = path.join(path.dirname(dataDir), `.pg-password-${process.pid}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await run(path.join(bin, 'initdb'), [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'], ids);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * The server, started under a watchdog (it stops when this process ends, even by SIGKILL), ready
 * once it logs that it accepts connections. Any failure becomes one EmbeddedPostgresError paragraph.
 */
export async function startEmbedded(opts: { dataDir: string; port?: number; persistent?: boolean; build?: { dir: string; version: string } }) {
  const { dataDir } = opts;
  const port = opts.port ?? (await freePort());
  const fail = (step: string, err: unknown) =>
    new EmbeddedPostgresError(
      `embedded Postgres could not ${step} (data in ${dataDir}): ${err instanceof Error ? err.message : String(err)}. ` +
        `Set DATABASE_URL to a Postgres server you run, or fix the cause above and run again.`,
    );
  let bin: string;
  let ids: Ids;
  try {
    bin = path.join(reachablePostgres(opts.build), 'bin');
    ids = postgresUser();
    mkdirSync(path.dirname(dataDir), { recursive: true });
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(bin, dataDir, ids);
  } catch (err) {
    throw fail('create its cluster', err);
  }
  const server = spawnGuarded(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], { signal: 'SIGINT', env: ENV, ...ids });
  const ready = await new Promise<boolean>((resolve) => {
    const onData = () => server.output().includes('ready to accept connections') && resolve(true);
    server.child.stderr!.on('data', onData);
    server.child.stdout!.on('data', onData);
    void server.exited.then(() => resolve(false));
  });
  if (!ready) throw fail('start', new Error(server.output().trim().split('\n').slice(-5).join(' ')));
  return {
    binDir: bin,
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: async () => {
      await server.stop();
      if (opts.persistent === false) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
