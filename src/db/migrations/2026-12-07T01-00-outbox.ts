import type { Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// The outbox: what must leave the process (mail, SMS, webhook calls), written in the transaction of
// its cause and delivered by a worker. `due_at` is when the row may next be claimed: the time of the
// next attempt while waiting, the end of the lease while a worker holds it.
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const table = db.schema.createTable('outbox');
  const withSeq =
    dialect === 'sqlite'
      ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());

  await withSeq
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    // JSON text, or sealed JSON when `secret` is 1; '' once a secret row can no longer be delivered.
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('secret', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dedupe_key', 'text')
    // pending, delivered (a tombstone kept for its dedupe key) or dead (a dead letter).
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('claim', 'text')
    .addColumn('worker', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // Several NULL keys are allowed on both databases: only messages that carry a key are deduplicated.
    .addUniqueConstraint('outbox_project_dedupe_uq', ['project_id', 'dedupe_key'])
    .execute();
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['status', 'due_at']).execute();
}
