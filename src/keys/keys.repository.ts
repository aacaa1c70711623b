import type { Executor } from '../db/schema.ts';
import { runList } from '../db/list.ts';
import type { ListQuery } from '../db/list-query.ts';
import type { KeyRow } from './keys.ts';

export async function findKeyBySecretHash(db: Executor, secretHash: string): Promise<KeyRow | undefined> {
  return db.selectFrom('keys').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
}

export async function findKey(db: Executor, projectId: string, id: string): Promise<KeyRow | undefined> {
  return db.selectFrom('keys').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function listKeys(db: Executor, projectId: string, query: ListQuery, total: boolean) {
  return runList<KeyRow>(db, { table: 'keys', projectId, query, total });
}

export async function insertKey(db: Executor, row: Omit<KeyRow, 'seq'>): Promise<void> {
  await db.insertInto('keys').values(row).execute();
}

/** The updated row, or undefined when the project has no such key. */
export async function updateKey(
  db: Executor,
  projectId: string,
  id: string,
  changes: { name: string; scopes: string; expire: number | null; updated_at: number },
): Promise<KeyRow | undefined> {
  return db.updateTable('keys').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

/** The deleted row, or undefined when the project has no such key. */
export async function deleteKey(db: Executor, projectId: string, id: string): Promise<KeyRow | undefined> {
  return db.deleteFrom('keys').where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function touchKey(db: Executor, projectId: string, id: string, accessedAt: number, sdks: string): Promise<void> {
  await db.updateTable('keys').set({ accessed_at: accessedAt, sdks }).where('project_id', '=', projectId).where('id', '=', id).execute();
}
