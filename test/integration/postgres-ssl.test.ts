import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { createDb } from '../../src/infra/db';
import { freePort, reachableDataDir } from '../../src/infra/postgres';
import { startPostgresProcess, type PostgresProcess } from '../helpers/pg-process';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/**
 * Postgres over SSL with libpq's sslmode meanings, against an embedded server with `ssl = on` and
 * a self-signed certificate (made with openssl) for the name `db.internal` only: `require`
 * encrypts, `verify-ca` accepts the certificate given its CA, `verify-full` also wants the name.
 */
(hasOpenssl ? describe : describe.skip)('Postgres SSL (sslmode in DATABASE_URL)', () => {
  let dir: string;
  let pg: PostgresProcess;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rest-sync-pgssl-'));
    chmodSync(dir, 0o755);
    cert = path.join(dir, 'server.crt');
    const key = path.join(dir, 'server.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=db.internal', '-addext', 'subjectAltName=DNS:db.internal'], { stdio: 'ignore' });
    chmodSync(key, 0o600);
    if (process.getuid?.() === 0) {
      // as root the server runs as `postgres`, which must own its key
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(key, uid, gid);
    }
    pg = await startPostgresProcess(path.join(dir, 'pg'), await freePort());
    const admin = knex({ client: 'pg', connection: pg.url, pool: { min: 0, max: 1 } });
    await admin.raw(`ALTER SYSTEM SET ssl_cert_file = '${cert}'`);
    await admin.raw(`ALTER SYSTEM SET ssl_key_file = '${key}'`);
    await admin.raw(`ALTER SYSTEM SET ssl = on`);
    await admin.raw(`SELECT pg_reload_conf()`);
    await admin.destroy();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    if (dir) {
      rmSync(reachableDataDir(path.join(dir, 'pg')), { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Whether this connection is encrypted, as the server sees it. */
  async function encrypted(query: string): Promise<boolean> {
    const db: Knex = createDb(`${pg.url}?${query}`, 1);
    try {
      return (await db.raw(`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`)).rows[0].ssl;
    } finally {
      await db.destroy();
    }
  }

  test('no sslmode: plain text', async () => {
    expect(await encrypted('application_name=plain')).toBe(false);
  });

  test('sslmode=require: encrypted without checking the self-signed certificate', async () => {
    expect(await encrypted('sslmode=require')).toBe(true);
  });

  test('verify-ca: the certificate checks out against its CA, whatever the host name', async () => {
    expect(await encrypted(`sslmode=verify-ca&sslrootcert=${cert}`)).toBe(true);
  });

  test('verify-full refuses a certificate for another name, and one from an unknown CA', async () => {
    await expect(encrypted(`sslmode=verify-full&sslrootcert=${cert}`)).rejects.toThrow(/db\.internal|altnames/i);
    await expect(encrypted('sslmode=verify-full')).rejects.toThrow(/self.signed/i);
  });
});
