import type { Knex } from 'knex';
import type { AxiosInstance } from 'axios';
import type { SecretResolver } from './secrets';
import type { Limits } from './http/limits';

export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** What activities close over: one pool, one keep-alive HTTP client and the secrets, per worker. */
export interface ActivityDeps {
  db: Knex;
  http: AxiosInstance;
  secrets: SecretResolver;
  /** per-source rate limits and concurrency caps of this worker process */
  limits?: Limits;
  log?: Logger;
}
