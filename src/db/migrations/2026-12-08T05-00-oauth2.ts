import type { Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// OAuth2 login: each project's provider settings (the secret part sealed under the server key), and
// the identities that tie a provider account to a user (provider tokens sealed).
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('oauth2_providers')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('app_id', 'text', (c) => c.notNull().defaultTo(''))
    // Sealed JSON of the write-only values (client secret, p8 key); '' when none was ever given.
    .addColumn('secret', 'text', (c) => c.notNull().defaultTo(''))
    // Plain JSON of the readable extras (endpoints, tenant, prompt, maxAge…).
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth2_providers_pk', ['project_id', 'provider'])
    .execute();

  const table = db.schema.createTable('identities');
  const withSeq =
    dialect === 'sqlite'
      ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());
  await withSeq
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_uid', 'text', (c) => c.notNull())
    .addColumn('provider_email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('provider_access_token', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('provider_refresh_token', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('provider_access_token_expiry', 'bigint')
    // Words the Users API's `search` matches: id, user id, provider, provider uid and e-mail.
    .addColumn('search', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('identities_project_id_uq', ['project_id', 'id'])
    // One provider account belongs to one user of a project.
    .addUniqueConstraint('identities_provider_uid_uq', ['project_id', 'provider', 'provider_uid'])
    .addForeignKeyConstraint('identities_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('identities_user_idx').on('identities').columns(['project_id', 'user_id']).execute();
  await db.schema.createIndex('identities_email_idx').on('identities').columns(['project_id', 'provider_email']).execute();
  // Finding the user of a returning provider account through its sessions (Appwrite looks there first).
  await db.schema.createIndex('sessions_provider_uid_idx').on('sessions').columns(['project_id', 'provider', 'provider_uid']).execute();
}
