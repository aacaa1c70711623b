import type { Executor } from '../db/schema.ts';
import { parseSettings, type Project, type ProjectSettings } from './projects.ts';
import { originRules } from '../platforms/platforms.ts';

export async function findProjectById(db: Executor, id: string): Promise<Project | null> {
  const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const platforms = await db.selectFrom('platforms').select(['type', 'hostname', 'key']).where('project_id', '=', id).execute();
  const origins = originRules(platforms);
  return {
    id: row.id,
    name: row.name,
    settings: parseSettings(row.settings),
    originHosts: origins.hosts,
    originSchemes: origins.schemes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertProject(db: Executor, p: { id: string; name: string; settings: ProjectSettings; now: number }) {
  await db
    .insertInto('projects')
    .values({ id: p.id, name: p.name, settings: JSON.stringify(p.settings), created_at: p.now, updated_at: p.now })
    .execute();
}

export async function countProjects(db: Executor): Promise<number> {
  const row = await db.selectFrom('projects').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The stored settings, locked until the transaction ends on PostgreSQL (SQLite writers are serialised). */
export async function lockProjectSettings(trx: Executor, id: string, dialect: 'sqlite' | 'postgres'): Promise<ProjectSettings | null> {
  let q = trx.selectFrom('projects').select('settings').where('id', '=', id);
  if (dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? parseSettings(row.settings) : null;
}

export async function updateProjectRow(trx: Executor, id: string, changes: { settings?: ProjectSettings; name?: string; now: number }): Promise<void> {
  await trx
    .updateTable('projects')
    .set({
      ...(changes.settings ? { settings: JSON.stringify(changes.settings) } : {}),
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      updated_at: changes.now,
    })
    .where('id', '=', id)
    .execute();
}
