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
