import type { Container } from '../container.ts';
import { keyModel } from '../schemas/models.ts';
import { AppwriteError } from '../errors/errors.ts';

/**
 * Deletes a key and prints what was deleted. Running servers refuse it at once: on PostgreSQL the
 * service's invalidation reaches them through NOTIFY; on SQLite they see the file's data version move.
 */
export async function keysDelete(c: Container, o: { project: string; id: string }) {
  if (!(await c.projects.get(o.project))) throw new AppwriteError('project_not_found');
  return keyModel(await c.keys.delete(o.project, o.id));
}
