import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { parseQueries, wantsTotal, type AttributeMap } from '../http/queries.ts';
import { P, T } from '../schemas/params.ts';
import { listModel } from '../schemas/models.ts';
import { webhookModel } from './webhooks.models.ts';
import type { WebhookInput } from './webhooks.ts';
import { URL_DESCRIPTION } from './webhooks.service.ts';

/** Appwrite's Queries\Webhooks allowed attributes (authUsername and tls map to their columns). */
const WEBHOOK_ATTRIBUTES: AttributeMap = {
  name: { column: 'name', type: 'string' },
  url: { column: 'url', type: 'string' },
  authUsername: { column: 'auth_username', type: 'string' },
  tls: { column: 'tls', type: 'bool' },
  events: { column: 'events', type: 'array' },
  enabled: { column: 'enabled', type: 'bool' },
  logs: { column: 'logs', type: 'string' },
  attempts: { column: 'attempts', type: 'int' },
};

const WebhookPath = T.Object({ webhookId: P.uid() });
type IdPath = { webhookId: string };

const Secret = P.opt(P.text(256, 8));
const WebhookParams = {
  url: T.String({ maxLength: 2048, description: URL_DESCRIPTION }),
  name: P.text(128),
  events: P.array(T.String({ maxLength: 256, description: 'Event is not valid.' }), 100),
  enabled: P.opt(P.bool()),
  tls: P.opt(P.bool()),
  authUsername: P.opt(P.text(256)),
  authPassword: P.opt(P.text(256)),
};
type WebhookBody = { url: string; name: string; events: string[]; enabled?: boolean; tls?: boolean; authUsername?: string; authPassword?: string };

/**
 * Omitted optional fields take their defaults (on update too: Appwrite's PUT rewrites every field).
 * `tls` defaults to true, certificates verified, where Appwrite's default is false (no verification).
 */
function inputOf(b: WebhookBody): WebhookInput {
  return {
    url: b.url,
    name: b.name,
    events: b.events,
    enabled: b.enabled ?? true,
    tls: b.tls ?? true,
    authUsername: b.authUsername ?? '',
    authPassword: b.authPassword ?? '',
  };
}

/** /webhooks (node-appwrite's Webhooks service): API keys with webhooks.read / webhooks.write. */
export function webhookRoutes(c: Pick<Container, 'webhooks'>) {
  return async (app: FastifyInstance) => {
    route<{}, { queries?: string[]; total?: boolean }>(app, {
      method: 'GET',
      url: '/webhooks',
      meta: { scope: 'webhooks.read' },
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, WEBHOOK_ATTRIBUTES);
        const { webhooks, total } = await c.webhooks.list(projectIdOf(req), query, wantsTotal(input.total));
        return listModel('webhooks', total, webhooks.map((w) => webhookModel(w, { showSecret: false })));
      },
    });

    route<{}, WebhookBody & { webhookId: string; secret?: string }>(app, {
      method: 'POST',
      url: '/webhooks',
      meta: { scope: 'webhooks.write' },
      params: T.Object({ webhookId: P.customId(), ...WebhookParams, secret: Secret }),
      handler: async (req, reply, input) => {
        const webhook = await c.webhooks.create(projectIdOf(req), input.webhookId, inputOf(input), input.secret);
        return reply.code(201).send(webhookModel(webhook, { showSecret: true }));
      },
    });

    route<IdPath>(app, {
      method: 'GET',
      url: '/webhooks/:webhookId',
      meta: { scope: 'webhooks.read' },
      path: WebhookPath,
      handler: async (req) => webhookModel(await c.webhooks.get(projectIdOf(req), req.params.webhookId), { showSecret: false }),
    });

    route<IdPath, WebhookBody>(app, {
      method: 'PUT',
      url: '/webhooks/:webhookId',
      meta: { scope: 'webhooks.write' },
      path: WebhookPath,
      params: T.Object(WebhookParams),
      handler: async (req, _reply, input) =>
        webhookModel(await c.webhooks.update(projectIdOf(req), req.params.webhookId, inputOf(input)), { showSecret: false }),
    });

    route<IdPath, { secret?: string }>(app, {
      method: 'PATCH',
      url: '/webhooks/:webhookId/secret',
      meta: { scope: 'webhooks.write' },
      path: WebhookPath,
      params: T.Object({ secret: Secret }),
      handler: async (req, _reply, input) =>
        webhookModel(await c.webhooks.updateSecret(projectIdOf(req), req.params.webhookId, input.secret), { showSecret: true }),
    });

    route<IdPath>(app, {
      method: 'DELETE',
      url: '/webhooks/:webhookId',
      meta: { scope: 'webhooks.write' },
      path: WebhookPath,
      handler: async (req, reply) => {
        await c.webhooks.delete(projectIdOf(req), req.params.webhookId);
        return reply.code(204).send();
      },
    });
  };
}
