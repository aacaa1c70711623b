import { sql } from 'kysely';
import type { Executor } from '../db/schema.ts';
import { AppwriteError } from '../errors/errors.ts';
import { countUsers } from '../users/users.repository.ts';

/**
 * The user-limit policy, inside the transaction that inserts the user, so simultaneous sign-ups cannot
 * pass it together: on PostgreSQL a per-project advisory lock orders them (only while a limit is set);
 * SQLite runs one write transaction at a time anyway.
 */
export async function assertUnderUserLimit(trx: Executor, dialect: 'sqlite' | 'postgres', projectId: string, limit: number): Promise<void> {
  if (limit <= 0) return;
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${'user-limit:' + projectId}))`.execute(trx);
  if ((await countUsers(trx, projectId)) >= limit) throw new AppwriteError('user_count_exceeded');
}
