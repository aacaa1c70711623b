import { sql, type Updateable } from 'kysely';
import type { Executor, SessionsTable } from '../db/schema.ts';
import type { SessionRow } from './sessions.ts';
import type { UserRow } from '../users/users.ts';
import type { TargetRow } from '../targets/targets.ts';
import { listUserTargets } from '../targets/targets.repository.ts';

export function insertSessionQuery(db: Executor, row: Omit<SessionRow, 'seq'>) {
  return db.insertInto('sessions').values(row).returningAll();
}

export async function insertSession(db: Executor, row: Omit<SessionRow, 'seq'>): Promise<SessionRow> {
  return insertSessionQuery(db, row).executeTakeFirstOrThrow();
}

/** Session, its user and the user's targets: what the session cache holds for a warm hit. */
export async function findSessionWithUser(
  db: Executor,
  projectId: string,
  secretHash: string,
): Promise<{ session: SessionRow; user: UserRow; targets: TargetRow[] } | undefined> {
  const session = await db
    .selectFrom('sessions')
    .selectAll()
    .where('secret_hash', '=', secretHash)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  if (!session) return undefined;
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', session.user_id)
    .executeTakeFirst();
  if (!user) return undefined;
  return { session, user, targets: await listUserTargets(db, projectId, user.id) };
}

export async function findUserSession(db: Executor, projectId: string, userId: string, id: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listUserSessions(db: Executor, projectId: string, userId: string): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('project_id', '=', projectId).where('user_id', '=', userId).orderBy('seq').execute();
}

export async function newestUserSession(db: Executor, projectId: string, userId: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .orderBy('seq', 'desc')
    .limit(sql.lit(1))
    .executeTakeFirst();
}

export async function deleteUserSession(db: Executor, projectId: string, userId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('sessions')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes the user's sessions, except the one given. */
export async function deleteUserSessions(db: Executor, projectId: string, userId: string, exceptId?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('project_id', '=', projectId).where('user_id', '=', userId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes the user's sessions beyond the newest `limit` (usually there is nothing to delete). */
export function trimUserSessionsQuery(db: Executor, projectId: string, userId: string, limit: number) {
  return db.deleteFrom('sessions').where('seq', 'in', (eb) =>
    eb
      .selectFrom('sessions')
      .select('seq')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .orderBy('seq', 'desc')
      // Literals, not parameters: SQLite re-prepares a statement on every run when a bound
      // parameter can change its plan, as LIMIT/OFFSET values can.
      .limit(sql.lit(1000))
      .offset(sql.lit(Math.trunc(limit))),
  );
}

/** Keeps the newest `limit` sessions of a user; returns how many older ones it deleted. */
export async function trimUserSessions(db: Executor, projectId: string, userId: string, limit: number): Promise<number> {
  const r = await trimUserSessionsQuery(db, projectId, userId, limit).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function updateSession(
  db: Executor,
  projectId: string,
  id: string,
  changes: Updateable<SessionsTable>,
): Promise<SessionRow | undefined> {
  return db.updateTable('sessions').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteExpiredSessions(db: Executor, now: number): Promise<number> {
  const r = await db.deleteFrom('sessions').where('expire', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
