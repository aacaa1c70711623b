import { sql, type Kysely } from 'kysely';

// Frozen: never import app code here; later changes go in a new migration file.
// Teams and their memberships. A team's `total` (confirmed members) is not stored: the view
// `teams_listed` counts it, so a membership removed by a user's deletion (cascade) can never leave
// a stale count behind.
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const seq = (t: any) =>
    dialect === 'sqlite'
      ? t.addColumn('seq', 'integer', (c: any) => c.primaryKey().autoIncrement())
      : t.addColumn('seq', 'bigserial', (c: any) => c.primaryKey());

  await seq(db.schema.createTable('teams'))
    .addColumn('project_id', 'text', (c: any) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('prefs', 'text', (c: any) => c.notNull().defaultTo('{}'))
    .addColumn('search', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('teams_project_id_uq', ['project_id', 'id'])
    .execute();

  await seq(db.schema.createTable('memberships'))
    .addColumn('project_id', 'text', (c: any) => c.notNull())
    .addColumn('id', 'text', (c: any) => c.notNull())
    .addColumn('team_id', 'text', (c: any) => c.notNull())
    .addColumn('user_id', 'text', (c: any) => c.notNull())
    .addColumn('roles', 'text', (c: any) => c.notNull().defaultTo('[]'))
    .addColumn('invited', 'bigint', (c: any) => c.notNull())
    .addColumn('joined', 'bigint')
    .addColumn('confirm', 'integer', (c: any) => c.notNull().defaultTo(0))
    // Hash of the pending invitation's secret; '' once accepted or when no invitation was sent.
    .addColumn('secret_hash', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('search', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('memberships_project_id_uq', ['project_id', 'id'])
    .addUniqueConstraint('memberships_team_user_uq', ['project_id', 'team_id', 'user_id'])
    .addForeignKeyConstraint('memberships_team_fk', ['project_id', 'team_id'], 'teams', ['project_id', 'id'], (c: any) => c.onDelete('cascade'))
    .addForeignKeyConstraint('memberships_user_fk', ['project_id', 'user_id'], 'users', ['project_id', 'id'], (c: any) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('memberships_user_idx').on('memberships').columns(['project_id', 'user_id']).execute();

  // billing_plan: an attribute Appwrite's team queries accept; always '' here.
  await sql`
    create view teams_listed as
    select t.seq, t.project_id, t.id, t.name, t.prefs, t.search, t.created_at, t.updated_at, '' as billing_plan,
      (select count(*) from memberships m where m.project_id = t.project_id and m.team_id = t.id and m.confirm = 1) as total
    from teams t
  `.execute(db);
}
