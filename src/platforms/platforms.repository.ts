import type { Executor } from '../db/schema.ts';
import { runList } from '../db/list.ts';
import type { ListQuery } from '../db/list-query.ts';
import type { PlatformRow } from './platforms.ts';

export async function insertPlatform(db: Executor, row: Omit<PlatformRow, 'seq'>): Promise<void> {
  await db.insertInto('platforms').values(row).execute();
}

export async function findPlatform(db: Executor, projectId: string, id: string): Promise<PlatformRow | undefined> {
  return db.selectFrom('platforms').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function updatePlatform(
  db: Executor,
  projectId: string,
  id: string,
  changes: { name: string; hostname?: string; key?: string; updated_at: number },
): Promise<boolean> {
  const res = await db.updateTable('platforms').set(changes).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function deletePlatform(db: Executor, projectId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom('platforms').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function listPlatforms(db: Executor, projectId: string, query: ListQuery, total: boolean) {
  return runList<PlatformRow>(db, { table: 'platforms', projectId, query, total });
}
