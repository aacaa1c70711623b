import { sql, type Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// Messaging targets: every user email is an `email` target and every phone an `sms` target;
// identifiers are unique per project, so one address can never reach two users.
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const table = db.schema.createTable('targets');
  const withSeq =
    dialect === 'sqlite'
      ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());

  await withSeq
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('provider_type', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('expired', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('targets_project_id_uq', ['project_id', 'id'])
    .addUniqueConstraint('targets_project_identifier_uq', ['project_id', 'identifier'])
    .addForeignKeyConstraint('targets_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('targets_user_idx').on('targets').columns(['project_id', 'user_id']).execute();

  // Users that existed before this migration get their targets now (20 random hex chars as ids).
  const newId = dialect === 'sqlite' ? sql`lower(hex(randomblob(10)))` : sql`substr(md5(random()::text || clock_timestamp()::text), 1, 20)`;
  for (const [type, column] of [['email', 'email'], ['sms', 'phone']] as const) {
    await sql`
      insert into targets (project_id, id, user_id, provider_type, identifier, provider_id, name, expired, created_at, updated_at)
      select project_id, ${newId}, id, ${type}, ${sql.ref(column)}, null, '', 0, created_at, created_at
      from users where ${sql.ref(column)} is not null and ${sql.ref(column)} <> ''
    `.execute(db);
  }
}
