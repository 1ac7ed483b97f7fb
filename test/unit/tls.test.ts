import { postgresConnection, temporalConnectionOptions } from '../../src/infra/tls';

/** Files as a fake file system: path → content. */
const files: Record<string, string> = { '/ca.pem': 'CA', '/client.pem': 'CRT', '/client.key': 'KEY', '/pg-ca.pem': 'PGCA' };
const read = (f: string) => {
  if (!(f in files)) throw new Error(`ENOENT: no such file '${f}'`);
  return Buffer.from(files[f]);
};
const temporal = (env: Record<string, string>) => temporalConnectionOptions(env, read);
const postgres = (url: string, env: Record<string, string> = {}) => postgresConnection(url, env, read);

/** Environment → Temporal connection options: what a real deployment sets, and what it gets. */
describe('temporalConnectionOptions', () => {
  test('nothing set: localhost, default namespace, plain text', () => {
    expect(temporal({})).toEqual({ address: 'localhost:7233', namespace: 'default' });
  });

  test('an API key turns TLS on (Temporal Cloud)', () => {
    expect(temporal({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k' })).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      namespace: 'ns.acct',
      tls: true,
      apiKey: 'k',
    });
  });

  test('mTLS files, a CA and a server name', () => {
    const o = temporal({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CERT: '/client.pem', TEMPORAL_TLS_KEY: '/client.key', TEMPORAL_TLS_CA: '/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    expect(o.tls).toEqual({ serverNameOverride: 'temporal.internal', serverRootCACertificate: Buffer.from('CA'), clientCertPair: { crt: Buffer.from('CRT'), key: Buffer.from('KEY') } });
    expect(o.apiKey).toBeUndefined();
  });

  test('PEMs given inline (_DATA) win over files', () => {
    const o = temporal({ TEMPORAL_TLS_CERT_DATA: 'inline-crt', TEMPORAL_TLS_KEY_DATA: 'inline-key', TEMPORAL_TLS_CERT: '/client.pem' });
    expect(o.tls).toEqual({ clientCertPair: { crt: Buffer.from('inline-crt'), key: Buffer.from('inline-key') } });
  });

  test('TEMPORAL_TLS=true alone: TLS with the system trust store; a CA alone also turns it on', () => {
    expect(temporal({ TEMPORAL_TLS: 'true' }).tls).toBe(true);
    expect(temporal({ TEMPORAL_TLS_CA: '/ca.pem' }).tls).toEqual({ serverRootCACertificate: Buffer.from('CA') });
    expect(temporal({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: '/ca.pem' }).tls).toBeUndefined();
  });

  test.each([
    [{ TEMPORAL_TLS_CERT: '/client.pem' }, 'mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY'],
    [{ TEMPORAL_TLS_KEY: '/client.key' }, 'mTLS needs both'],
    [{ TEMPORAL_TLS_CA: '/missing.pem' }, 'TEMPORAL_TLS_CA=/missing.pem: cannot read the file'],
    [{ TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS=yes: expected true or false'],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_API_KEY is sent only over TLS'],
  ])('%p is refused with a message naming the variable', (env, message) => {
    expect(() => temporal(env as Record<string, string>)).toThrow(message);
  });
});

/** URL and PGSSL* environment → node-postgres connection config, with libpq's sslmode meanings. */
describe('postgresConnection', () => {
  const URL = 'postgres://u:p@db.example.com:5432/app';

  test('no sslmode: plain text, the URL unchanged', () => {
    expect(postgres(URL)).toEqual({ connectionString: URL, ssl: false });
  });

  test('sslmode=require encrypts without checking the certificate; the param leaves the URL', () => {
    expect(postgres(`${URL}?sslmode=require&application_name=x`)).toEqual({ connectionString: `${URL}?application_name=x`, ssl: { rejectUnauthorized: false } });
  });

  test('verify-full checks the chain (PGSSLROOTCERT) and the host name', () => {
    expect(postgres(URL, { PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/pg-ca.pem' })).toEqual({ connectionString: URL, ssl: { rejectUnauthorized: true, ca: Buffer.from('PGCA') } });
  });

  test('verify-ca checks the chain but not the host name', () => {
    const { ssl } = postgres(`${URL}?sslmode=verify-ca&sslrootcert=/pg-ca.pem`);
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('PGCA') });
    expect((ssl as { checkServerIdentity: () => unknown }).checkServerIdentity()).toBeUndefined();
  });

  test('the URL wins over the environment, as in libpq; client certificates are read', () => {
    expect(postgres(`${URL}?sslmode=disable`, { PGSSLMODE: 'verify-full' }).ssl).toBe(false);
    expect(postgres(URL, { PGSSLMODE: 'require', PGSSLCERT: '/client.pem', PGSSLKEY: '/client.key' }).ssl).toEqual({
      rejectUnauthorized: false,
      cert: Buffer.from('CRT'),
      key: Buffer.from('KEY'),
    });
  });

  test('prefer and allow mean no TLS (node-postgres cannot fall back); ssl=true means require', () => {
    expect(postgres(`${URL}?sslmode=prefer`).ssl).toBe(false);
    expect(postgres(`${URL}?ssl=true`)).toEqual({ connectionString: URL, ssl: { rejectUnauthorized: false } });
  });

  test.each([
    [`${URL}?sslmode=strict`, {}, 'sslmode=strict: expected one of disable, allow, prefer, require, verify-ca, verify-full'],
    [URL, { PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/nope.pem' }, 'Postgres SSL root certificate /nope.pem: cannot read the file'],
  ])('%s %p is refused', (url, env, message) => {
    expect(() => postgres(url, env as Record<string, string>)).toThrow(message);
  });
});
