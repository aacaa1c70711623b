import type { Container } from '../container.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { ListQuery } from '../db/list-query.ts';
import { webhookModel } from '../webhooks/webhooks.models.ts';

const ALL: ListQuery = { filters: [], orders: [], limit: 5000, offset: 0, cursor: null };

/** A project's webhooks as Webhook models (signing secrets hidden), with their failure counts and last log. */
export async function webhooksList(c: Container, o: { project: string }) {
  if (!(await c.projects.get(o.project))) throw new AppwriteError('project_not_found');
  const { webhooks } = await c.webhooks.list(o.project, ALL, false);
  return webhooks.map((w) => webhookModel(w, { showSecret: false }));
}
