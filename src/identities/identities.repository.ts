import type { Updateable } from 'kysely';
import type { Executor, IdentitiesTable } from '../db/schema.ts';
import { runList } from '../db/list.ts';
import type { ListQuery } from '../db/list-query.ts';
import type { IdentityRow } from './identities.ts';

export async function findIdentity(db: Executor, projectId: string, id: string): Promise<IdentityRow | undefined> {
  return db.selectFrom('identities').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function findIdentityByProviderUid(db: Executor, projectId: string, provider: string, providerUid: string): Promise<IdentityRow | undefined> {
  return db
    .selectFrom('identities')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('provider', '=', provider)
    .where('provider_uid', '=', providerUid)
    .executeTakeFirst();
}

/** Any identity (of any provider) whose provider e-mail is this one, compared case-insensitively. */
export async function findIdentityByEmail(db: Executor, projectId: string, email: string, exceptUserId?: string): Promise<IdentityRow | undefined> {
  let q = db.selectFrom('identities').selectAll().where('project_id', '=', projectId).where('provider_email', '=', email.toLowerCase());
  if (exceptUserId) q = q.where('user_id', '!=', exceptUserId);
  return q.orderBy('seq').executeTakeFirst();
}

export async function findUserIdentity(db: Executor, projectId: string, userId: string, provider: string): Promise<IdentityRow | undefined> {
  return db
    .selectFrom('identities')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .orderBy('seq', 'desc')
    .executeTakeFirst();
}

export async function insertIdentity(db: Executor, row: Omit<IdentityRow, 'seq'>): Promise<IdentityRow> {
  return db.insertInto('identities').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateIdentity(db: Executor, projectId: string, id: string, changes: Updateable<IdentitiesTable>): Promise<IdentityRow | undefined> {
  return db.updateTable('identities').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteIdentity(db: Executor, projectId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('identities').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function listIdentities(db: Executor, projectId: string, query: ListQuery, search: string | undefined, total: boolean, userId?: string) {
  return runList<IdentityRow>(db, { table: 'identities', projectId, query, search, total, where: userId ? { user_id: userId } : undefined });
}

/**
 * Whether an identity (of another user than `exceptUserId`) has this provider e-mail: such an e-mail
 * cannot be taken by a sign-up or an e-mail change (Appwrite answers general_bad_request, so as not to
 * tell which accounts exist).
 */
export async function identityHoldsEmail(db: Executor, projectId: string, email: string, exceptUserId?: string): Promise<boolean> {
  return (await findIdentityByEmail(db, projectId, email, exceptUserId)) !== undefined;
}
