import { sql } from 'kysely';
import type { Executor } from '../db/schema.ts';
import type { AuthenticatorRow, ChallengeRow, RecoveryCodeRow } from './mfa.ts';

// Authenticators ------------------------------------------------------------------------------

export async function findAuthenticator(db: Executor, projectId: string, userId: string, type: string): Promise<AuthenticatorRow | undefined> {
  return db
    .selectFrom('mfa_authenticators')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .executeTakeFirst();
}

export async function hasVerifiedAuthenticator(db: Executor, projectId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('mfa_authenticators')
    .select('seq')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('verified', '=', 1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertAuthenticator(db: Executor, row: Omit<AuthenticatorRow, 'seq'>): Promise<void> {
  await db.insertInto('mfa_authenticators').values(row).execute();
}

/** Deletes the user's authenticator of this type; with `unverifiedOnly`, only one not yet verified. */
export async function deleteAuthenticator(db: Executor, projectId: string, userId: string, type: string, unverifiedOnly = false): Promise<boolean> {
  let q = db.deleteFrom('mfa_authenticators').where('project_id', '=', projectId).where('user_id', '=', userId).where('type', '=', type);
  if (unverifiedOnly) q = q.where('verified', '=', 0);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Records that the code of time step `step` was used, and verifies the authenticator when `verify`:
 * one conditional UPDATE, so a step's code is accepted once however many requests race with it.
 */
export async function acceptTotpStep(db: Executor, projectId: string, id: string, step: number, verify: boolean): Promise<boolean> {
  const r = await db
    .updateTable('mfa_authenticators')
    .set({ last_step: step, ...(verify ? { verified: 1 } : {}) })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('verified', '=', verify ? 0 : 1)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// Recovery codes ------------------------------------------------------------------------------

export async function listRecoveryCodes(db: Executor, projectId: string, userId: string): Promise<RecoveryCodeRow[]> {
  return db.selectFrom('mfa_recovery_codes').selectAll().where('project_id', '=', projectId).where('user_id', '=', userId).orderBy('seq').execute();
}

export async function hasRecoveryCodes(db: Executor, projectId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('mfa_recovery_codes')
    .select('seq')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .limit(sql.lit(1))
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertRecoveryCodes(db: Executor, rows: Omit<RecoveryCodeRow, 'seq'>[]): Promise<void> {
  await db.insertInto('mfa_recovery_codes').values(rows).execute();
}

export async function deleteRecoveryCodes(db: Executor, projectId: string, userId: string): Promise<number> {
  const r = await db.deleteFrom('mfa_recovery_codes').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Uses a recovery code: one DELETE, so of any number of racing requests exactly one removes it. */
export async function consumeRecoveryCode(db: Executor, projectId: string, userId: string, codeHash: string): Promise<boolean> {
  const r = await db
    .deleteFrom('mfa_recovery_codes')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// Challenges ----------------------------------------------------------------------------------

export async function insertChallenge(db: Executor, row: Omit<ChallengeRow, 'seq'>): Promise<void> {
  await db.insertInto('mfa_challenges').values(row).execute();
}

export async function findChallenge(db: Executor, projectId: string, userId: string, id: string): Promise<ChallengeRow | undefined> {
  return db
    .selectFrom('mfa_challenges')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Ends a challenge that is still live: true for exactly one of any racing completions. */
export async function consumeChallenge(db: Executor, projectId: string, userId: string, id: string, now: number): Promise<boolean> {
  const r = await db
    .deleteFrom('mfa_challenges')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .where('expire', '>', now)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes one user's expired challenges (at most a few: creation is rate-limited per user). */
export async function deleteExpiredUserChallenges(db: Executor, projectId: string, userId: string, now: number): Promise<void> {
  await db.deleteFrom('mfa_challenges').where('project_id', '=', projectId).where('user_id', '=', userId).where('expire', '<=', now).execute();
}

// Sessions ------------------------------------------------------------------------------------

/** The session's factors, its row locked on PostgreSQL so that two completions do not lose one. */
export async function lockedSessionFactors(db: Executor, dialect: 'sqlite' | 'postgres', projectId: string, userId: string, sessionId: string): Promise<string | undefined> {
  let q = db.selectFrom('sessions').select('factors').where('project_id', '=', projectId).where('user_id', '=', userId).where('id', '=', sessionId);
  if (dialect === 'postgres') q = q.forUpdate();
  return (await q.executeTakeFirst())?.factors;
}
