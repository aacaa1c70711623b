import type { Executor } from '../db/schema.ts';
import { parseSettings, type Project, type ProjectSettings } from './projects.ts';

export async function findProjectById(db: Executor, id: string): Promise<Project | null> {
  const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const hosts = await db.selectFrom('platforms').select('hostname').where('project_id', '=', id).where('type', '=', 'web').execute();
  return {
    id: row.id,
    name: row.name,
    settings: parseSettings(row.settings),
    webHosts: hosts.map((h) => h.hostname.toLowerCase()).filter(Boolean),
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
