import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import type { EventBus } from '../events/bus.ts';
import type { EventRelay } from '../events/relay.ts';
import type { OutboxService } from '../events/outbox.service.ts';
import { WebhookDispatch, WEBHOOK_CHANNEL } from './webhook-dispatch.ts';
import { webhookChannel } from './webhook-delivery.ts';
import { registerAuthModels, WebhookModels } from './webhook-payloads.ts';
import { WebhooksService } from './webhooks.service.ts';

export interface WebhookDeps {
  database: Database;
  clock: Clock;
  random: Random;
  sealer: Sealer;
  events: EventBus;
  relay: EventRelay;
  outbox: OutboxService;
  logger: Logger;
  allowPrivate: boolean;
  attemptTimeoutMs: number;
}

/** Wires webhooks into the container: the service, the event subscriber that enqueues, and the outbox channel that delivers. */
export function registerWebhooks(d: WebhookDeps): WebhooksService {
  const models = new WebhookModels();
  registerAuthModels(models);
  new WebhookDispatch(d.clock, d.outbox, d.relay, models, d.logger).subscribe(d.events);
  d.outbox.register(WEBHOOK_CHANNEL, webhookChannel({ db: d.database.db, sealer: d.sealer, clock: d.clock, bus: d.events, logger: d.logger, allowPrivate: d.allowPrivate, attemptTimeoutMs: d.attemptTimeoutMs }));
  return new WebhooksService(d.database.db, d.clock, d.random, d.sealer, d.events, d.allowPrivate, models);
}
