import { formatDate } from '../support/clock.ts';
import type { Webhook } from './webhooks.ts';

/**
 * Appwrite's Webhook model. `secret` (the signing key) is shown only by create and updateSecret, as
 * Appwrite removes it from every other response; `authPassword` is returned as stored, as Appwrite does.
 */
export function webhookModel(w: Webhook, opts: { showSecret: boolean }) {
  return {
    $id: w.id,
    $createdAt: formatDate(w.createdAt),
    $updatedAt: formatDate(w.updatedAt),
    name: w.name,
    url: w.url,
    events: w.events,
    tls: w.tls,
    authUsername: w.authUsername,
    authPassword: w.authPassword,
    secret: opts.showSecret ? w.signingKey : '',
    enabled: w.enabled,
    logs: w.logs,
    attempts: w.attempts,
  };
}
