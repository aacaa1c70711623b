import { ARGON2_HASH_OPTIONS } from '../passwords/passwords.ts';
import type { Updateable } from 'kysely';
import type { Executor, UsersTable } from '../db/schema.ts';
import type { NewUser, UserRow } from './users.ts';
import { searchText } from './users.ts';
import { QueryTemplate } from '../db/template.ts';

export async function insertUser(db: Executor, projectId: string, u: NewUser, now: number): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      project_id: projectId,
      id: u.id,
      name: u.name,
      email: u.email,
      phone: u.phone,
      password: u.password?.password ?? null,
      hash: u.password?.hash ?? 'argon2',
      hash_options: JSON.stringify(u.password?.hashOptions ?? ARGON2_HASH_OPTIONS),
      password_history: JSON.stringify(u.password && u.passwordSet && u.keepHistory ? [u.password.password] : []),
      password_update: u.password && u.passwordSet ? now : null,
      registration: now,
      status: 1,
      labels: '[]',
      email_verification: u.emailVerification ? 1 : 0,
      phone_verification: 0,
      mfa: 0,
      prefs: '{}',
      accessed_at: u.accessed ? now : null,
      impersonator: 0,
      search: searchText(u),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUserById(db: Executor, projectId: string, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

/** What an email/password login reads of its user. */
export const LOGIN_USER_COLUMNS = ['id', 'email', 'status', 'password', 'hash', 'hash_options'] as const;
export type LoginUser = Pick<UserRow, (typeof LOGIN_USER_COLUMNS)[number]>;

/**
 * A login's user by (lower-cased) email: the first query of every login, so a template, reading only
 * the columns a login needs (a whole row, with its prefs, history and search text, takes twice as long).
 */
export const loginUserByEmailTemplate = new QueryTemplate(['project_id', 'email'], (db, v: { project_id: string; email: string }) =>
  db.selectFrom('users').select(LOGIN_USER_COLUMNS).where('project_id', '=', v.project_id).where('email', '=', v.email),
);

/** Updates the given columns and returns the new row (undefined when the user is gone). */
export async function updateUser(
  db: Executor,
  projectId: string,
  id: string,
  changes: Updateable<UsersTable>,
): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set(changes)
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Locks the user row for the rest of the transaction (PostgreSQL; SQLite write transactions are serialised already). */
export async function lockUser(db: Executor, projectId: string, id: string): Promise<void> {
  await db.selectFrom('users').select('seq').where('project_id', '=', projectId).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** lockUser as a template step (PostgreSQL only: SQLite has no FOR UPDATE, and its writers are serialised). */
export const lockUserTemplate = new QueryTemplate(['project_id', 'id'], (db, v: { project_id: string; id: string }) =>
  db.selectFrom('users').select('seq').where('project_id', '=', v.project_id).where('id', '=', v.id).forUpdate(),
);

/** Marks the user's email or phone verified (a login by a code sent there proves it), as a template step. */
export const markVerifiedTemplates = {
  email_verification: markVerified('email_verification'),
  phone_verification: markVerified('phone_verification'),
};

function markVerified(column: 'email_verification' | 'phone_verification') {
  return new QueryTemplate(['project_id', 'id', 'updated_at'], (db, v: { project_id: string; id: string; updated_at: number }) =>
    db.updateTable('users').set({ [column]: 1, updated_at: v.updated_at }).where('project_id', '=', v.project_id).where('id', '=', v.id),
  );
}

/** The deleted row (an event carries the user as it was), or undefined when there was none. */
export async function deleteUser(db: Executor, projectId: string, id: string): Promise<UserRow | undefined> {
  return db.deleteFrom('users').where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function countUsers(db: Executor, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
