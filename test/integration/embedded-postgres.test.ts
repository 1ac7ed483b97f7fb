import { cpSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { EmbeddedPostgresError, startEmbedded } from '../../src/infra/embedded-pg';
import { packagedPostgres } from '../../src/infra/pg-binaries';
import { reachableDataDir } from '../../src/infra/postgres';

/**
 * The embedded server from a private folder (a clone inside a 0700 directory, as `mktemp -d` makes):
 * as root (CI) Postgres runs as the `postgres` user, which cannot reach anything in there.
 */
describe('embedded Postgres', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('starts from a build and a data folder inside a 0700 directory', async () => {
    const priv = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-private-'));
    made.push(priv);
    expect(statSync(priv).mode & 0o777).toBe(0o700);
    const build = { dir: path.join(priv, 'node_modules', 'native'), version: `test-${randomBytes(4).toString('hex')}` };
    cpSync(packagedPostgres().dir, build.dir, { recursive: true, verbatimSymlinks: true });
    const pg = await startEmbedded({ dataDir: reachableDataDir(path.join(priv, '.rest-sync', 'postgres')), persistent: false, build });
    made.push(path.dirname(pg.binDir));
    try {
      if (process.getuid?.() === 0) {
        // root: the build was copied to a root-owned folder others can read but not write
        expect(pg.binDir.startsWith(priv)).toBe(false);
        const st = statSync(path.dirname(pg.binDir));
        expect([st.uid, st.mode & 0o777]).toEqual([0, 0o755]);
      }
      const db = knex({ client: 'pg', connection: pg.url });
      expect((await db.raw('SELECT 41 + 1 AS n')).rows[0].n).toBe(42);
      await db.destroy();
    } finally {
      await pg.stop();
    }
  }, 60_000);

  test('a server that cannot start says why and what to do in one paragraph', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-bad-'));
    made.push(dir);
    writeFileSync(path.join(dir, 'file'), 'not a folder');
    const err = await startEmbedded({ dataDir: path.join(dir, 'file', 'pg') }).catch((e) => e);
    expect(err).toBeInstanceOf(EmbeddedPostgresError);
    expect(err.message).toMatch(/^embedded Postgres could not create its cluster \(data in .*\): .*Set DATABASE_URL/s);
  });
});
