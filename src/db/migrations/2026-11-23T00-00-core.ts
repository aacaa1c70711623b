import { sql, type Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const seq = (t: any) =>
    dialect === 'sqlite'
      ? t.addColumn('seq', 'integer', (c: any) => c.primaryKey().autoIncrement())
      : t.addColumn('seq', 'bigserial', (c: any) => c.primaryKey());

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await seq(db.schema.createTable('platforms'))
    .addColumn('project_id', 'text', (c: any) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('type', 'text', (c: any) => c.notNull())
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('hostname', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('key', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('platforms_project_id_uq', ['project_id', 'id'])
    .execute();

  await seq(db.schema.createTable('keys'))
    .addColumn('project_id', 'text', (c: any) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('scopes', 'text', (c: any) => c.notNull())
    .addColumn('secret_hash', 'text', (c: any) => c.notNull().unique())
    .addColumn('expire', 'bigint')
    .addColumn('accessed_at', 'bigint')
    .addColumn('sdks', 'text', (c: any) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('keys_project_id_uq', ['project_id', 'id'])
    .execute();

  await seq(db.schema.createTable('users'))
    .addColumn('project_id', 'text', (c: any) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('name', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('password', 'text')
    .addColumn('hash', 'text')
    .addColumn('hash_options', 'text')
    .addColumn('password_history', 'text', (c: any) => c.notNull().defaultTo('[]'))
    .addColumn('password_update', 'bigint')
    .addColumn('registration', 'bigint', (c: any) => c.notNull())
    .addColumn('status', 'integer', (c: any) => c.notNull().defaultTo(1))
    .addColumn('labels', 'text', (c: any) => c.notNull().defaultTo('[]'))
    .addColumn('email_verification', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('phone_verification', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('mfa', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('prefs', 'text', (c: any) => c.notNull().defaultTo('{}'))
    .addColumn('accessed_at', 'bigint')
    .addColumn('impersonator', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('search', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('users_project_id_uq', ['project_id', 'id'])
    .addUniqueConstraint('users_project_email_uq', ['project_id', 'email'])
    .addUniqueConstraint('users_project_phone_uq', ['project_id', 'phone'])
    .execute();

  await seq(db.schema.createTable('sessions'))
    .addColumn('project_id', 'text', (c: any) => c.notNull())
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('user_id', 'text', (c: any) => c.notNull())
    .addColumn('secret_hash', 'text', (c: any) => c.notNull().unique())
    .addColumn('provider', 'text', (c: any) => c.notNull())
    .addColumn('provider_uid', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('provider_access_token', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('provider_refresh_token', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('provider_access_token_expiry', 'bigint')
    .addColumn('ip', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('user_agent', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('country_code', 'text', (c: any) => c.notNull().defaultTo('--'))
    .addColumn('factors', 'text', (c: any) => c.notNull().defaultTo('[]'))
    .addColumn('mfa_updated_at', 'bigint')
    .addColumn('expire', 'bigint', (c: any) => c.notNull())
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('sessions_project_id_uq', ['project_id', 'id'])
    .addForeignKeyConstraint('sessions_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c: any) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['project_id', 'user_id']).execute();

  await seq(db.schema.createTable('tokens'))
    .addColumn('project_id', 'text', (c: any) => c.notNull())
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('user_id', 'text', (c: any) => c.notNull())
    .addColumn('type', 'integer', (c: any) => c.notNull())
    .addColumn('secret_hash', 'text', (c: any) => c.notNull())
    .addColumn('expire', 'bigint', (c: any) => c.notNull())
    .addColumn('phrase', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('ip', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('user_agent', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('tokens_project_id_uq', ['project_id', 'id'])
    .addForeignKeyConstraint('tokens_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c: any) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('tokens_user_idx').on('tokens').columns(['project_id', 'user_id']).execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('server_settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  void sql;
}
