import { sql } from 'kysely';
import type { Executor } from '../db/schema.ts';
import type { TokenRow } from './tokens.ts';
import { QueryTemplate } from '../db/template.ts';

export async function insertToken(db: Executor, row: Omit<TokenRow, 'seq'>): Promise<TokenRow> {
  return db.insertInto('tokens').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findLiveTokens(db: Executor, projectId: string, userId: string, types: readonly number[], now: number): Promise<TokenRow[]> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('type', 'in', types)
    .where('expire', '>', now)
    .execute();
}

/**
 * Single-use consumption, as a step of the login's transaction: only the request whose delete removes
 * the row may use the token.
 */
export const consumeTokenTemplate = new QueryTemplate(['project_id', 'id'], (db, v: { project_id: string; id: string }) =>
  db.deleteFrom('tokens').where('project_id', '=', v.project_id).where('id', '=', v.id),
);

/** Deletes the user's live tokens of these types (a user whose tokens are being guessed); returns how many. */
export async function deleteUserTokens(db: Executor, projectId: string, userId: string, types: readonly number[]): Promise<number> {
  const r = await db.deleteFrom('tokens').where('project_id', '=', projectId).where('user_id', '=', userId).where('type', 'in', types).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes up to `batch` expired tokens; returns how many. */
export async function deleteExpiredTokens(db: Executor, now: number, batch: number): Promise<number> {
  const r = await db
    .deleteFrom('tokens')
    .where('seq', 'in', (eb) => eb.selectFrom('tokens').select('seq').where('expire', '<=', now).limit(sql.lit(Math.trunc(batch))))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes one token; whether this call removed it (single use: only one of racing consumers sees true). */
export async function deleteToken(db: Executor, projectId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('tokens').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
