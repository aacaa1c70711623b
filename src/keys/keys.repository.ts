import type { Executor } from '../db/schema.ts';
import type { KeyRow } from './keys.ts';

export async function findKeyBySecretHash(db: Executor, secretHash: string): Promise<KeyRow | undefined> {
  return db.selectFrom('keys').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
}

export async function insertKey(db: Executor, row: Omit<KeyRow, 'seq'>): Promise<void> {
  await db.insertInto('keys').values(row).execute();
}

export async function touchKey(db: Executor, projectId: string, id: string, accessedAt: number, sdks: string): Promise<void> {
  await db.updateTable('keys').set({ accessed_at: accessedAt, sdks }).where('project_id', '=', projectId).where('id', '=', id).execute();
}
