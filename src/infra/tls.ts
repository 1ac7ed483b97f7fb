/**
 * Connection options for real deployments, read from the environment in one place: TLS, mTLS and
 * API keys for Temporal (the temporal CLI's variable names), and libpq-style SSL for Postgres.
 * Pure mapping plus file reads, so the env → options rules are unit-tested without a TLS server.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsSocketOptions } from 'node:tls';

/** The subset of Temporal's TLSConfig (client and worker connections take the same shape). */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** What both `Connection.connect` and `NativeConnection.connect` take. */
export interface TemporalConnectionOptions {
  address: string;
  namespace: string;
  tls?: TemporalTls | true;
  apiKey?: string;
}

type Env = Record<string, string | undefined>;
type ReadFile = (file: string) => Buffer;
const readFile: ReadFile = (file) => readFileSync(file);

const set = (v: string | undefined): v is string => v !== undefined && v !== '';

/** A PEM given inline (`<NAME>_DATA`) or as a file path (`<NAME>`); the inline form wins. */
function pem(env: Env, name: string, read: ReadFile): Buffer | undefined {
  if (set(env[`${name}_DATA`])) return Buffer.from(env[`${name}_DATA`]!);
  if (!set(env[name])) return undefined;
  try {
    return read(env[name]!);
  } catch (err) {
    throw new Error(`${name}=${env[name]}: cannot read the file (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Temporal connection options from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY (mTLS; also `_DATA` forms holding the PEM), TEMPORAL_TLS_CA,
 * TEMPORAL_TLS_SERVER_NAME and TEMPORAL_TLS (`true`/`false`). TLS is on when any TLS variable or
 * an API key is set (API keys are only ever sent over TLS), unless TEMPORAL_TLS=false.
 */
export function temporalConnectionOptions(env: Env = process.env, read: ReadFile = readFile, fallbackAddress = 'localhost:7233'): TemporalConnectionOptions {
  const address = set(env.TEMPORAL_ADDRESS) ? env.TEMPORAL_ADDRESS : fallbackAddress;
  const namespace = set(env.TEMPORAL_NAMESPACE) ? env.TEMPORAL_NAMESPACE : 'default';
  const apiKey = set(env.TEMPORAL_API_KEY) ? env.TEMPORAL_API_KEY : undefined;
  const crt = pem(env, 'TEMPORAL_TLS_CERT', read);
  const key = pem(env, 'TEMPORAL_TLS_KEY', read);
  if (!crt !== !key) throw new Error('mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (or their _DATA forms)');
  const tls: TemporalTls = {
    ...(set(env.TEMPORAL_TLS_SERVER_NAME) ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(pem(env, 'TEMPORAL_TLS_CA', read) ? { serverRootCACertificate: pem(env, 'TEMPORAL_TLS_CA', read) } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
  const flag = env.TEMPORAL_TLS?.toLowerCase();
  if (flag !== undefined && flag !== '' && !['true', '1', 'false', '0'].includes(flag)) {
    throw new Error(`TEMPORAL_TLS=${env.TEMPORAL_TLS}: expected true or false`);
  }
  const off = flag === 'false' || flag === '0';
  if (off && apiKey) throw new Error('TEMPORAL_API_KEY is sent only over TLS: unset TEMPORAL_TLS=false');
  const on = !off && (flag === 'true' || flag === '1' || apiKey !== undefined || Object.keys(tls).length > 0);
  return { address, namespace, ...(on ? { tls: Object.keys(tls).length > 0 ? tls : true } : {}), ...(apiKey ? { apiKey } : {}) };
}

/** libpq's sslmode values; node-postgres cannot fall back, so `allow`/`prefer` mean no TLS. */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const URL_SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat'];

/** A knex/pg connection: the URL without its SSL params, and the SSL options they asked for. */
export interface PostgresConnection {
  connectionString: string;
  ssl: false | TlsSocketOptions;
}

/**
 * Postgres SSL as libpq reads it: `?sslmode=` (and `sslrootcert`, `sslcert`, `sslkey`) in the URL,
 * else PGSSLMODE / PGSSLROOTCERT / PGSSLCERT / PGSSLKEY. `require` encrypts without checking the
 * certificate, `verify-ca` checks it against the CA, `verify-full` also checks the host name. The
 * params are taken out of the URL: node-postgres would read `require` as `verify-full`.
 */
export function postgresConnection(url: string, env: Env = process.env, read: ReadFile = readFile): PostgresConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, ssl: false }; // not a URL (key=value form): pg reads it as is
  }
  const q = parsed.searchParams;
  const pick = (param: string, envName: string) => (set(q.get(param) ?? undefined) ? q.get(param)! : set(env[envName]) ? env[envName] : undefined);
  const mode = pick('sslmode', 'PGSSLMODE') ?? (q.get('ssl') === 'true' ? 'require' : 'disable');
  if (!SSL_MODES.includes(mode)) throw new Error(`sslmode=${mode}: expected one of ${SSL_MODES.join(', ')}`);
  const files = { ca: pick('sslrootcert', 'PGSSLROOTCERT'), cert: pick('sslcert', 'PGSSLCERT'), key: pick('sslkey', 'PGSSLKEY') };
  for (const p of URL_SSL_PARAMS) q.delete(p);
  const connectionString = parsed.toString();
  if (['disable', 'allow', 'prefer'].includes(mode)) return { connectionString, ssl: false };
  const load = (file: string | undefined, what: string) => {
    if (!file) return undefined;
    try {
      return read(file);
    } catch (err) {
      throw new Error(`Postgres SSL ${what} ${file}: cannot read the file (${(err as Error).message})`, { cause: err });
    }
  };
  const ssl: TlsSocketOptions = {
    rejectUnauthorized: mode !== 'require',
    ...(files.ca ? { ca: load(files.ca, 'root certificate') } : {}),
    ...(files.cert ? { cert: load(files.cert, 'client certificate') } : {}),
    ...(files.key ? { key: load(files.key, 'client key') } : {}),
    // verify-ca: the chain is checked, the host name is not
    ...(mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
  };
  return { connectionString, ssl };
}
