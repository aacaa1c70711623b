import { sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';
import type { OutboxRow } from './outbox.ts';

export type NewOutboxRow = Omit<OutboxRow, 'seq'>;

/** Inserts the message; null when a message with the same dedupe key already exists (nothing written). */
export async function insertMessage(db: Executor, row: NewOutboxRow): Promise<string | null> {
  const r = await db
    .insertInto('outbox')
    .values(row)
    // DO NOTHING rather than a unique violation, which would abort the caller's PostgreSQL transaction.
    .onConflict((oc) => oc.columns(['project_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r?.id ?? null;
}

export async function findIdByDedupeKey(db: Executor, projectId: string, dedupeKey: string): Promise<string | null> {
  const r = await db.selectFrom('outbox').select('id').where('project_id', '=', projectId).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
  return r?.id ?? null;
}

export interface ClaimRequest {
  channels: readonly string[];
  limit: number;
  now: number;
  leaseUntil: number;
  claim: string;
  worker: string;
}

/**
 * Takes a lease on up to `limit` due messages in one statement and counts the attempt. On PostgreSQL
 * the rows are picked FOR UPDATE SKIP LOCKED, so concurrent workers in other processes take
 * different rows without waiting; SQLite runs one writer at a time, so the statement is the lock.
 */
export async function claimDue(db: Executor, dialect: Dialect, req: ClaimRequest): Promise<OutboxRow[]> {
  if (req.channels.length === 0 || req.limit <= 0) return [];
  const due = db
    .selectFrom('outbox')
    .select('seq')
    .where('status', '=', 'pending')
    .where('due_at', '<=', req.now)
    .where('channel', 'in', req.channels)
    // Only the first pending message of an ordered sequence: a later one waits while an earlier one
    // is pending (waiting for a retry or being delivered).
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outbox as earlier')
            .select('earlier.seq')
            .whereRef('earlier.order_key', '=', 'outbox.order_key')
            .whereRef('earlier.seq', '<', 'outbox.seq')
            .where('earlier.status', '=', 'pending'),
        ),
      ),
    )
    .orderBy('due_at')
    .limit(sql.lit(Math.trunc(req.limit)));
  return db
    .updateTable('outbox')
    .set((eb) => ({
      due_at: req.leaseUntil,
      claim: req.claim,
      worker: req.worker,
      attempts: eb('attempts', '+', 1),
      updated_at: req.now,
    }))
    .where('seq', 'in', dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
    .returningAll()
    .execute();
}

/** The receiver accepted it: the row goes, or stays as a payload-less tombstone while its dedupe key must hold. */
export async function markDelivered(db: Executor, id: string, keepTombstone: boolean, now: number): Promise<void> {
  if (!keepTombstone) {
    await db.deleteFrom('outbox').where('id', '=', id).execute();
    return;
  }
  await db
    .updateTable('outbox')
    .set({ status: 'delivered', payload: '', claim: null, last_error: null, due_at: now, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Schedules the next attempt, if this claim still holds the lease (a worker past its lease must not cut another's). */
export async function reschedule(db: Executor, id: string, claim: string, dueAt: number, error: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set({ due_at: dueAt, claim: null, last_error: error, updated_at: now })
    .where('id', '=', id)
    .where('claim', '=', claim)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** No more attempts: kept as a dead letter, without its payload when that holds a secret. */
export async function markDead(db: Executor, id: string, claim: string, clearPayload: boolean, error: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set({ status: 'dead', claim: null, last_error: error, due_at: now, updated_at: now, ...(clearPayload ? { payload: '' } : {}) })
    .where('id', '=', id)
    .where('claim', '=', claim)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes up to `batch` rows in `status` finished before `before` (their due_at: set when they finished); returns how many. */
export async function deleteFinishedBefore(db: Executor, status: 'delivered' | 'dead', before: number, batch: number): Promise<number> {
  const r = await db
    .deleteFrom('outbox')
    .where('seq', 'in', (eb) =>
      eb.selectFrom('outbox').select('seq').where('status', '=', status).where('due_at', '<', before).limit(sql.lit(Math.trunc(batch))),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function findMessage(db: Executor, id: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}
