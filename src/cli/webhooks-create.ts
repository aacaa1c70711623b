import type { Container } from '../container.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { webhookModel } from '../webhooks/webhooks.models.ts';

export interface WebhooksCreateOptions {
  project: string;
  name: string;
  url: string;
  events: string;
  id?: string;
  secret?: string;
  authUsername?: string;
  authPassword?: string;
  /** commander's --no-tls */
  tls: boolean;
  disabled?: boolean;
}

/** As POST /v1/webhooks; prints the webhook with its signing secret (shown this once). */
export async function webhooksCreate(c: Container, o: WebhooksCreateOptions) {
  if (!(await c.projects.get(o.project))) throw new AppwriteError('project_not_found');
  const events = o.events.split(',').map((e) => e.trim()).filter(Boolean);
  if (o.name.length > 128) throw argumentInvalid('name', 'Value must be a valid string and no longer than 128 chars');
  if (o.secret !== undefined && (o.secret.length < 8 || o.secret.length > 256)) throw argumentInvalid('secret', 'Value must be a valid string and at least 8 chars and no longer than 256 chars');
  const input = { name: o.name, url: o.url, events, enabled: !o.disabled, tls: o.tls, authUsername: o.authUsername ?? '', authPassword: o.authPassword ?? '' };
  const webhook = await c.webhooks.create(o.project, o.id ?? 'unique()', input, o.secret);
  return webhookModel(webhook, { showSecret: true });
}
