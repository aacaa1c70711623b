import type { Updateable } from 'kysely';
import type { Executor, TargetsTable } from '../db/schema.ts';
import { isUniqueViolation, violatedConstraint } from '../db/database.ts';
import { runList } from '../db/list.ts';
import type { ListQuery } from '../db/list-query.ts';
import type { TargetRow } from './targets.ts';

export async function insertTarget(db: Executor, row: Omit<TargetRow, 'seq'>): Promise<TargetRow> {
  return db.insertInto('targets').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Inserts unless the identifier is already some target's; true when a row was written. Never aborts the transaction. */
export async function insertTargetUnlessTaken(db: Executor, row: Omit<TargetRow, 'seq'>): Promise<boolean> {
  const written = await db
    .insertInto('targets')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'identifier']).doNothing())
    .returning('seq')
    .executeTakeFirst();
  return written !== undefined;
}

export async function findUserTarget(db: Executor, projectId: string, userId: string, id: string): Promise<TargetRow | undefined> {
  return db
    .selectFrom('targets')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findUserTargetByIdentifier(db: Executor, projectId: string, userId: string, identifier: string): Promise<TargetRow | undefined> {
  return db
    .selectFrom('targets')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('identifier', '=', identifier)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function identifierTaken(db: Executor, projectId: string, identifier: string): Promise<boolean> {
  const row = await db
    .selectFrom('targets')
    .select('seq')
    .where('project_id', '=', projectId)
    .where('identifier', '=', identifier)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listUserTargets(db: Executor, projectId: string, userId: string): Promise<TargetRow[]> {
  return db.selectFrom('targets').selectAll().where('project_id', '=', projectId).where('user_id', '=', userId).orderBy('seq').execute();
}

export async function listTargetsOfUsers(db: Executor, projectId: string, userIds: string[]): Promise<TargetRow[]> {
  if (userIds.length === 0) return [];
  return db.selectFrom('targets').selectAll().where('project_id', '=', projectId).where('user_id', 'in', userIds).orderBy('seq').execute();
}

export async function updateTarget(db: Executor, projectId: string, id: string, changes: Updateable<TargetsTable>): Promise<TargetRow | undefined> {
  return db.updateTable('targets').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteTarget(db: Executor, projectId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom('targets').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export function listTargets(db: Executor, projectId: string, userId: string, query: ListQuery, total: boolean) {
  return runList<TargetRow>(db, { table: 'targets', projectId, query, where: { user_id: userId }, total });
}

/** Whether a unique violation came from the targets table (an identifier or id already in use). */
export function isTargetClash(err: unknown): boolean {
  return isUniqueViolation(err) && /targets/.test(violatedConstraint(err));
}
