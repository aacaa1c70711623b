import { sql } from 'kysely';
import type { Database } from './database.ts';
import * as core from './migrations/2026-11-23T00-00-core.ts';
import * as targets from './migrations/2026-11-24T00-00-targets.ts';
import * as outbox from './migrations/2026-12-07T01-00-outbox.ts';
import * as teams from './migrations/2026-12-08T03-00-teams.ts';
import * as mfa from './migrations/2026-12-08T04-30-mfa.ts';
import * as messaging from './migrations/2026-12-08T01-00-messaging.ts';
import * as audit from './migrations/2026-12-08T04-00-audit.ts';
import * as oauth2 from './migrations/2026-12-08T05-00-oauth2.ts';
import * as webhooks from './migrations/2026-12-08T06-00-webhooks.ts';

type Migration = { up(db: any, dialect: 'sqlite' | 'postgres'): Promise<void> };

// Ordered by name; a migration runs once, inside a transaction, recorded in tessera_migrations.
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-23T00-00-core': core,
  '2026-11-24T00-00-targets': targets,
  '2026-12-07T01-00-outbox': outbox,
  '2026-12-08T03-00-teams': teams,
  '2026-12-08T04-30-mfa': mfa,
  '2026-12-08T01-00-messaging': messaging,
  '2026-12-08T04-00-audit': audit,
  '2026-12-08T05-00-oauth2': oauth2,
  '2026-12-08T06-00-webhooks': webhooks,
};

export async function migrate(database: Database): Promise<string[]> {
  const { db, dialect } = database;
  await db.transaction().execute(async (trx) => {
    // Two PostgreSQL sessions running `create table if not exists` at once can both try to create it
    // (duplicate key on pg_type): concurrent first starts take the migration lock for this too.
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(727274)`.execute(trx);
    await sql`create table if not exists tessera_migrations (name text primary key, applied_at bigint not null)`.execute(trx);
  });
  const applied: string[] = [];
  for (const name of Object.keys(MIGRATIONS).sort()) {
    await db.transaction().execute(async (trx) => {
      // Serialise concurrent starters on PostgreSQL; SQLite transactions already serialise writers.
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(727274)`.execute(trx);
      const done = await sql<{ name: string }>`select name from tessera_migrations where name = ${name}`.execute(trx);
      if (done.rows.length > 0) return;
      await MIGRATIONS[name].up(trx, dialect);
      await sql`insert into tessera_migrations (name, applied_at) values (${name}, ${Date.now()})`.execute(trx);
      applied.push(name);
    });
  }
  return applied;
}
