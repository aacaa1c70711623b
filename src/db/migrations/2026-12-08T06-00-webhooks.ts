import type { Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// Webhooks: a project's subscriptions to its events. The signing key and the basic-auth password are
// read back (to sign, to authenticate), so they are sealed under the server key, not hashed.
// The outbox gains `order_key`: messages sharing one are delivered one at a time in `seq` order
// (a webhook's events of one user reach its receiver in commit order).
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const table = db.schema.createTable('webhooks');
  const withSeq =
    dialect === 'sqlite'
      ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());

  await withSeq
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    // JSON array of event patterns.
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('tls', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('auth_username', 'text', (c) => c.notNull().defaultTo(''))
    // Sealed; '' when there is none.
    .addColumn('auth_password', 'text', (c) => c.notNull().defaultTo(''))
    // Sealed signing key (HMAC-SHA1 of url + body).
    .addColumn('signing_key', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('logs', 'text', (c) => c.notNull().defaultTo(''))
    // Consecutive failed delivery attempts; the webhook is disabled at 10.
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('webhooks_project_id_uq', ['project_id', 'id'])
    .execute();

  await db.schema.alterTable('outbox').addColumn('order_key', 'text').execute();
  await db.schema.createIndex('outbox_order_idx').on('outbox').columns(['order_key', 'seq']).execute();
}
