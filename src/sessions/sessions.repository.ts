import { sql, type Updateable } from 'kysely';
import type { Executor, SessionsTable } from '../db/schema.ts';
import type { SessionRow } from './sessions.ts';
import type { UserRow } from '../users/users.ts';
import type { TargetRow } from '../targets/targets.ts';
import { listUserTargets } from '../targets/targets.repository.ts';
import { QueryTemplate } from '../db/template.ts';

export type NewSessionRow = Omit<SessionRow, 'seq'>;

const SESSION_COLUMNS = [
  'project_id', 'id', 'user_id', 'secret_hash', 'provider', 'provider_uid', 'provider_access_token', 'provider_refresh_token',
  'provider_access_token_expiry', 'ip', 'user_agent', 'country_code', 'factors', 'mfa_updated_at', 'expire', 'created_at', 'updated_at',
] as const satisfies readonly (keyof NewSessionRow)[];
// Every column of a new session is written: a column left out of the list fails to compile here.
const allSessionColumns: Exclude<keyof NewSessionRow, (typeof SESSION_COLUMNS)[number]> extends never ? true : never = true;
void allSessionColumns;

/**
 * Inserts a session row (run with insertedSeq, which reads back its `seq`; the rest of the new row is
 * the values written). A template, so the login hot path runs it without building the query.
 */
export const insertSessionTemplate = new QueryTemplate(SESSION_COLUMNS, (db, row: NewSessionRow) => db.insertInto('sessions').values(row));

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

/** The deleted row (an event carries the session as it was), or undefined when there was none. */
export async function deleteUserSession(db: Executor, projectId: string, userId: string, id: string): Promise<SessionRow | undefined> {
  return db.deleteFrom('sessions').where('project_id', '=', projectId).where('user_id', '=', userId).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Deletes the user's sessions, except the one given. */
export async function deleteUserSessions(db: Executor, projectId: string, userId: string, exceptId?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('project_id', '=', projectId).where('user_id', '=', userId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

const trimTemplates = new Map<number, ReturnType<typeof trimTemplate>>();

/**
 * Deletes a user's sessions but the newest `limit` (usually there is nothing to delete), as a
 * template. One per limit: the limit is a literal, because SQLite re-prepares a statement on every
 * run when a bound parameter can change its plan, as LIMIT/OFFSET values can.
 */
export function trimUserSessionsTemplate(limit: number) {
  const n = Math.trunc(limit);
  let t = trimTemplates.get(n);
  if (!t) trimTemplates.set(n, (t = trimTemplate(n)));
  return t;
}

const trimTemplate = (limit: number) =>
  new QueryTemplate(['project_id', 'user_id'], (db, v: { project_id: string; user_id: string }) =>
    db.deleteFrom('sessions').where('seq', 'in', (eb) =>
      eb.selectFrom('sessions').select('seq').where('project_id', '=', v.project_id).where('user_id', '=', v.user_id).orderBy('seq', 'desc').limit(sql.lit(1000)).offset(sql.lit(limit)),
    ),
  );

export async function updateSession(
  db: Executor,
  projectId: string,
  id: string,
  changes: Updateable<SessionsTable>,
): Promise<SessionRow | undefined> {
  return db.updateTable('sessions').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Deletes up to `batch` expired sessions; returns how many. */
export async function deleteExpiredSessions(db: Executor, now: number, batch: number): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where('seq', 'in', (eb) => eb.selectFrom('sessions').select('seq').where('expire', '<=', now).limit(sql.lit(Math.trunc(batch))))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
