import type { Executor } from '../db/schema.ts';
import { runList } from '../db/list.ts';
import type { ListQuery } from '../db/list-query.ts';
import type { WebhookRow } from './webhooks.ts';

export async function insertWebhook(db: Executor, row: Omit<WebhookRow, 'seq'>): Promise<void> {
  await db.insertInto('webhooks').values(row).execute();
}

export async function findWebhook(db: Executor, projectId: string, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function listWebhooks(db: Executor, projectId: string, query: ListQuery, total: boolean) {
  return runList<WebhookRow>(db, { table: 'webhooks', projectId, query, total });
}

/** The project's enabled webhooks, only what matching needs (the delivery reads the rest when it sends). */
export async function listEnabledWebhooks(db: Executor, projectId: string): Promise<{ id: string; events: string }[]> {
  return db.selectFrom('webhooks').select(['id', 'events']).where('project_id', '=', projectId).where('enabled', '=', 1).orderBy('seq').execute();
}

/** The updated row, or undefined when the project has no such webhook. */
export async function updateWebhook(
  db: Executor,
  projectId: string,
  id: string,
  changes: Partial<Omit<WebhookRow, 'seq' | 'project_id' | 'id' | 'created_at'>>,
): Promise<WebhookRow | undefined> {
  return db.updateTable('webhooks').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

/** The deleted row, or undefined when the project has no such webhook. */
export async function deleteWebhook(db: Executor, projectId: string, id: string): Promise<WebhookRow | undefined> {
  return db.deleteFrom('webhooks').where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

/**
 * One failed attempt: counted in one statement (concurrent failures each count), the log replaced,
 * and the webhook disabled when the count reaches `maxAttempts`. Attempts that were in flight when it
 * was disabled do not count. Returns the row after the change, or undefined when nothing changed.
 */
export async function recordFailure(db: Executor, projectId: string, id: string, logs: string, maxAttempts: number, now: number): Promise<WebhookRow | undefined> {
  return db
    .updateTable('webhooks')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      logs,
      enabled: eb.case().when('attempts', '>=', maxAttempts - 1).then(0).else(eb.ref('enabled')).end(),
      updated_at: now,
    }))
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('enabled', '=', 1)
    .returningAll()
    .executeTakeFirst();
}

/** A success after failures: the count starts again (the last failure's log stays, as in Appwrite). */
export async function resetAttempts(db: Executor, projectId: string, id: string, now: number): Promise<void> {
  await db.updateTable('webhooks').set({ attempts: 0, updated_at: now }).where('project_id', '=', projectId).where('id', '=', id).where('attempts', '>', 0).execute();
}
