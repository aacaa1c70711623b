import { sql } from 'kysely';
import type { Executor } from '../db/schema.ts';
import type { AuditLogEntry, AuditLogRow } from './audit.ts';

export async function insertAuditLogs(db: Executor, rows: Omit<AuditLogRow, 'seq'>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('audit_logs').values(rows).execute();
}

/** A user's entries, newest first, with the acting user's current email and name (a key's name). */
export async function listUserAuditLogs(db: Executor, projectId: string, userId: string, limit: number, offset: number): Promise<AuditLogEntry[]> {
  return db
    .selectFrom('audit_logs as a')
    .leftJoin('users as u', (j) => j.onRef('u.project_id', '=', 'a.project_id').onRef('u.id', '=', 'a.actor_id').on('a.actor_type', '=', 'user'))
    .leftJoin('keys as k', (j) => j.onRef('k.project_id', '=', 'a.project_id').onRef('k.id', '=', 'a.actor_id').on('a.actor_type', '=', 'keyProject'))
    .selectAll('a')
    .select((eb) => ['u.email as actor_email', eb.fn.coalesce('u.name', 'k.name').as('actor_name')])
    .where('a.project_id', '=', projectId)
    .where('a.user_id', '=', userId)
    .orderBy('a.seq', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function countUserAuditLogs(db: Executor, projectId: string, userId: string): Promise<number> {
  const row = await db
    .selectFrom('audit_logs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes up to `batch` entries older than `before`; returns how many went. */
export async function deleteAuditLogsBefore(db: Executor, before: number, batch: number): Promise<number> {
  const res = await db
    .deleteFrom('audit_logs')
    .where('seq', 'in', (eb) => eb.selectFrom('audit_logs').select('seq').where('created_at', '<', before).limit(sql.lit(Math.trunc(batch))))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
