import type { Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// The audit log: security events (logins, session ends, password/email/phone/status changes, tokens)
// recorded from domain events. `user_id` is the user the event is about; `actor_*` who caused it (the
// user, an API key, or a guest). Never holds secrets: no token values, passwords or hashes.
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const table = db.schema.createTable('audit_logs');
  const withSeq =
    dialect === 'sqlite'
      ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());

  await withSeq
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    // Appwrite's audit name (session.create, user.update, …) and the domain event it came from.
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('domain_event', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    // user, admin, guest or keyProject (Appwrite's Log.userType); the actor's id ('' for a guest).
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    // default (a user's own request) or admin (API key).
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_logs_user_idx').on('audit_logs').columns(['project_id', 'user_id', 'seq']).execute();
  await db.schema.createIndex('audit_logs_created_idx').on('audit_logs').columns(['created_at']).execute();
}
