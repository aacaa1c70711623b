import type { Container } from '../container.ts';
import { keyModel } from '../schemas/models.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { ListQuery } from '../db/list-query.ts';

/** As GET /v1/project/keys without queries: up to 5000 keys, oldest first. */
const ALL_KEYS: ListQuery = { filters: [], orders: [], limit: 5000, offset: 0, cursor: null };

/** A project's keys as key models; secrets are stored hashed, so every `secret` is "". */
export async function keysList(c: Container, o: { project: string }) {
  if (!(await c.projects.get(o.project))) throw new AppwriteError('project_not_found');
  const { keys } = await c.keys.list(o.project, ALL_KEYS, false);
  return keys.map(keyModel);
}
