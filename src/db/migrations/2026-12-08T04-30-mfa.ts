import type { Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// MFA: a user's TOTP authenticator (seed sealed under the server key), recovery codes one row each
// (a hash to find and consume one with a single DELETE, the sealed code to show the set again), and
// outstanding challenges (code hashed; the custom factor's code sealed, the Users API reads it back).
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const seqTable = (name: string) => {
    const table = db.schema.createTable(name);
    return dialect === 'sqlite'
      ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());
  };

  await seqTable('mfa_authenticators')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    // The TOTP time step of the last accepted code: a code is accepted once, even within its window.
    .addColumn('last_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('mfa_authenticators_project_id_uq', ['project_id', 'id'])
    .addUniqueConstraint('mfa_authenticators_user_type_uq', ['project_id', 'user_id', 'type'])
    .addForeignKeyConstraint('mfa_authenticators_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();

  await seqTable('mfa_recovery_codes')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('code_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('mfa_recovery_codes_code_uq', ['project_id', 'user_id', 'code_hash'])
    .addForeignKeyConstraint('mfa_recovery_codes_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();

  await seqTable('mfa_challenges')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text')
    .addColumn('code_sealed', 'text')
    .addColumn('expire', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('mfa_challenges_project_id_uq', ['project_id', 'id'])
    .addForeignKeyConstraint('mfa_challenges_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('mfa_challenges_expire_idx').on('mfa_challenges').column('expire').execute();
}
