import type { Container } from '../container.ts';
import { AppwriteError } from '../errors/errors.ts';
import { webhookModel } from '../webhooks/webhooks.models.ts';

/** Deletes a webhook and prints what was deleted; its pending deliveries are dropped. */
export async function webhooksDelete(c: Container, o: { project: string; id: string }) {
  if (!(await c.projects.get(o.project))) throw new AppwriteError('project_not_found');
  const webhook = await c.webhooks.get(o.project, o.id);
  await c.webhooks.delete(o.project, o.id);
  return webhookModel(webhook, { showSecret: false });
}
