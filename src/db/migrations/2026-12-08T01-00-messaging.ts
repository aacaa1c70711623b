import type { Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// Messaging: a project's mock phone numbers (a fixed code, nothing sent) and its customised email
// templates, one row per template and locale. Templates live in their own table rather than in the
// project's settings: a message may be megabytes, and settings are read on every request.
export async function up(db: Kysely<any>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('mock_phones')
    .addColumn('project_id', 'text', (c) => c.notNull())
    // E.164, matched exactly.
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('otp', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mock_phones_pk', ['project_id', 'phone'])
    .execute();

  await db.schema
    .createTable('email_templates')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // HTML, written by the project's admin; values are escaped into it at delivery.
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('sender_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sender_email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reply_to_email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reply_to_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_templates_pk', ['project_id', 'template_id', 'locale'])
    .execute();
}
