import type { Selectable } from 'kysely';
import type { Executor, OAuth2ProvidersTable } from '../db/schema.ts';

export type ProviderRow = Selectable<OAuth2ProvidersTable>;

export async function findProviderRow(db: Executor, projectId: string, provider: string): Promise<ProviderRow | undefined> {
  return db.selectFrom('oauth2_providers').selectAll().where('project_id', '=', projectId).where('provider', '=', provider).executeTakeFirst();
}

export async function listProviderRows(db: Executor, projectId: string): Promise<ProviderRow[]> {
  return db.selectFrom('oauth2_providers').selectAll().where('project_id', '=', projectId).execute();
}

/** Writes the whole row (insert, or replace the stored one). */
export async function upsertProviderRow(db: Executor, row: ProviderRow): Promise<void> {
  const { project_id: _p, provider: _v, created_at: _c, ...changes } = row;
  await db
    .insertInto('oauth2_providers')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'provider']).doUpdateSet(changes))
    .execute();
}
