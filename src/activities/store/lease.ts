import type { Knex } from 'knex';
import { DatasetBusyError } from '../../errors';
import { qualified, quoteIdent } from './names';

/**
 * One sync of a dataset at a time, guarded in Postgres whatever Temporal server or process runs
 * it: a lease per dataset schema (the identity, after name normalisation, so `CaseDs` and
 * `case_ds` are one dataset). The owner is the source workflow's run; its activities renew the
 * lease while they work. A lease silent for `LEASE_TTL_SECONDS` belongs to a sync whose owner is
 * gone (its process died with an in-memory server, or it was terminated): the next sync takes it
 * over and keeps its sync id, so it resumes from the committed pages instead of starting over.
 */
export const LEASE_SCHEMA = '_rest_sync';
export const LEASE_TABLE = 'dataset_leases';
export const LEASE_TTL_SECONDS = 60;

export interface LeaseOwner {
  /** the source workflow's run id: unique per sync */
  owner: string;
  workflowId: string;
}

export interface LeaseClaim {
  /** the sync id to use: the new one, or the one of the sync taken over */
  syncId: string;
  /** the workflow whose silent sync was taken over */
  takenOver?: { workflowId: string; silentSeconds: number };
}

const table = () => qualified(LEASE_SCHEMA, LEASE_TABLE);

/** Creates the lease table once; concurrent workers serialise on an advisory lock (no DDL race). */
export async function ensureLeaseTable(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('rest-sync ddl'))`);
    await trx.raw(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(LEASE_SCHEMA)}`);
    await trx.raw(`CREATE TABLE IF NOT EXISTS ${table()} (
      dataset text PRIMARY KEY,
      owner text NOT NULL,
      workflow_id text NOT NULL,
      sync_id text NOT NULL,
      claimed_at timestamptz NOT NULL DEFAULT now(),
      seen_at timestamptz NOT NULL DEFAULT now(),
      released_at timestamptz)`);
  });
}

/**
 * Claims the dataset for `who`: a free (released) or silent lease is taken, the caller's own is
 * renewed; a live lease of another sync is refused with a message naming that sync.
 */
export async function claimDataset(db: Knex, dataset: string, who: LeaseOwner, syncId: string): Promise<LeaseClaim> {
  await ensureLeaseTable(db);
  return db.transaction(async (trx) => {
    const fresh = await trx.raw(
      `INSERT INTO ${table()} (dataset, owner, workflow_id, sync_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING sync_id`,
      [dataset, who.owner, who.workflowId, syncId],
    );
    if (fresh.rows.length > 0) return { syncId };
    const cur = (
      await trx.raw(
        `SELECT *, extract(epoch FROM now() - seen_at)::float AS silent FROM ${table()} WHERE dataset = ? FOR UPDATE`,
        [dataset],
      )
    ).rows[0];
    const mine = cur.owner === who.owner;
    const released = cur.released_at !== null;
    if (!mine && !released && cur.silent < LEASE_TTL_SECONDS) {
      throw new DatasetBusyError(
        `dataset "${dataset}" is being synced by ${cur.workflow_id} (run ${cur.owner}, last seen ${Math.round(cur.silent)} s ago): ` +
          `wait for it to finish or follow it with \`rest-sync status ${cur.workflow_id}\`; a sync silent for ${LEASE_TTL_SECONDS} s is taken over`,
      );
    }
    const keep = !released; // the caller's own sync, or a silent one taken over: resume its pages
    const use = keep ? (cur.sync_id as string) : syncId;
    await trx.raw(
      `UPDATE ${table()} SET owner = ?, workflow_id = ?, sync_id = ?, seen_at = now(), released_at = NULL,
         claimed_at = CASE WHEN ? THEN claimed_at ELSE now() END WHERE dataset = ?`,
      [who.owner, who.workflowId, use, mine, dataset],
    );
    return !mine && keep ? { syncId: use, takenOver: { workflowId: cur.workflow_id, silentSeconds: Math.round(cur.silent) } } : { syncId: use };
  });
}

/** Renews the caller's lease; false when it is no longer the caller's (taken over or released). */
export async function renewDataset(db: Knex, dataset: string, owner: string): Promise<boolean> {
  const res = await db.raw(`UPDATE ${table()} SET seen_at = now() WHERE dataset = ? AND owner = ? AND released_at IS NULL RETURNING 1`, [
    dataset,
    owner,
  ]);
  return res.rows.length > 0;
}

/** Ends the caller's lease (idempotent): the next sync of the dataset starts afresh. */
export async function releaseDataset(db: Knex, dataset: string, owner: string): Promise<void> {
  await ensureLeaseTable(db);
  await db.raw(`UPDATE ${table()} SET released_at = now() WHERE dataset = ? AND owner = ? AND released_at IS NULL`, [dataset, owner]);
}

/** The error a sync meets when its lease went to another sync. */
export function leaseLost(dataset: string): DatasetBusyError {
  return new DatasetBusyError(`dataset "${dataset}" was taken over by another sync (this one was silent for over ${LEASE_TTL_SECONDS} s): stopping`);
}

/** How often a working activity renews its sync's lease: well inside the TTL. */
const RENEW_MS = 10_000;

/**
 * Keeps a sync's lease alive while an activity works, and notices when it was lost: the activity
 * checks `lost()` before each commit and stops. Without an owner (syncs started before leases) it
 * does nothing.
 */
export async function keepLease(db: Knex, dataset: string, owner: string | undefined): Promise<{ lost(): boolean; stop(): void }> {
  if (!owner) return { lost: () => false, stop: () => undefined };
  if (!(await renewDataset(db, dataset, owner))) throw leaseLost(dataset);
  let lost = false;
  const timer = setInterval(() => {
    renewDataset(db, dataset, owner).then(
      (ok) => (lost ||= !ok),
      () => undefined, // Postgres down: the commit that follows waits for it or fails on its own
    );
  }, RENEW_MS);
  return { lost: () => lost, stop: () => clearInterval(timer) };
}
