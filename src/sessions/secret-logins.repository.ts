import type { Executor } from '../db/schema.ts';
import type { UserRow } from '../users/users.ts';

/** The project's user with this (already normalised) email or phone, if any. */
export async function findUserByContact(db: Executor, projectId: string, field: 'email' | 'phone', value: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('project_id', '=', projectId).where(field, '=', value).executeTakeFirst();
}
