import { spawn } from 'node:child_process';
import { connectOrStartPostgres } from '../infra/postgres';
import { EMBEDDED_PG_DIR } from './run';

/**
 * `rest-sync db`: the connection string of the database syncs land in — DATABASE_URL, or the
 * embedded server (started on the data `run` keeps, until Ctrl-C). `--psql` opens psql on it
 * (extra arguments after `--` go to psql).
 */
export async function dbCommand(opts: { psql?: boolean }, psqlArgs: string[]): Promise<number> {
  const pg = await connectOrStartPostgres(EMBEDDED_PG_DIR);
  try {
    if (!opts.psql) {
      console.log(pg.url);
      if (process.env.DATABASE_URL) return 0;
      console.error(`embedded Postgres running (data in ${pg.dataDir}); Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return 0;
    }
    return await new Promise<number>((resolve, reject) => {
      const child = spawn('psql', [pg.url, ...psqlArgs], { stdio: 'inherit' });
      child.on('error', (e) => reject(new Error(`psql could not start (${e.message}); is it installed? (apt-get install postgresql-client)`)));
      child.on('close', (code) => resolve(code ?? 1));
    });
  } finally {
    await pg.stop();
  }
}
