import type { Logger } from 'pino';
import type { Executor } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { INTERNAL_EVENTS, type DomainEvent, type EventName } from '../events/events.ts';
import type { EventRelay } from '../events/relay.ts';
import type { OutboxService } from '../events/outbox.service.ts';
import { entityOf, expandEvent, resourceOf } from './webhook-events.ts';
import type { WebhookModels } from './webhook-payloads.ts';
import { listEnabledWebhooks } from './webhooks.repository.ts';

export const WEBHOOK_CHANNEL = 'webhook';

/** One delivery as the outbox keeps it: the webhook's URL, key and auth are read when it is sent. */
export interface WebhookMessage {
  webhookId: string;
  /** Every name the event goes under (X-Appwrite-Webhook-Events). */
  events: string[];
  userId: string;
  /** The exact JSON the signature covers. */
  body: string;
}

interface MatchHook {
  id: string;
  events: ReadonlySet<string>;
}

/** How long a project's webhook list is trusted without the database: the bound if an invalidation is lost. */
const CACHE_TTL_MS = 30_000;
const CACHE_LIMIT = 10_000;

const WEBHOOK_EVENTS: EventName[] = ['webhooks.[webhookId].create', 'webhooks.[webhookId].update', 'webhooks.[webhookId].delete'];

/**
 * Tessera's bookkeeping events are not Appwrite's; webhooks.* events no webhook can subscribe to, and
 * skipping them keeps a webhook write from caching the list its own transaction has not committed.
 */
const deliverable = (name: EventName) => !INTERNAL_EVENTS.has(name) && !name.startsWith('webhooks.');

/**
 * Turns domain events into webhook deliveries: inside the writing transaction, one outbox row per
 * enabled webhook of the project subscribed to one of the event's names, carrying the resource's
 * model. A project's enabled webhooks are cached per process (dropped on every webhooks.* event here
 * and in other processes), so a project without webhooks costs a map lookup per event, and its
 * SQLite logins keep their transaction-free path.
 */
export class WebhookDispatch {
  private cache = new Map<string, { hooks: MatchHook[]; at: number }>();
  /** Counts invalidations: a list read that one overtook is not cached. */
  private generation = 0;
  private enqueued = false;

  constructor(
    private clock: Clock,
    private outbox: Pick<OutboxService, 'enqueue' | 'kick'>,
    private relay: Pick<EventRelay, 'live' | 'catchUp'>,
    readonly models: WebhookModels,
    private logger: Logger,
  ) {}

  subscribe(bus: EventBus): void {
    bus.onTransaction('*', (trx, e) => this.enqueueFor(trx, e), (name, projectId) => this.mayDeliver(name, projectId));
    bus.onCommit('*', () => {
      if (!this.enqueued) return;
      this.enqueued = false;
      this.outbox.kick();
    });
    bus.onCommitEverywhere(WEBHOOK_EVENTS, (e) => this.forget(e.projectId));
    bus.onReset(() => this.forget('*'));
  }

  /** Without waiting: whether an event of this project may go to a webhook (true when the cache does not know). */
  mayDeliver(name: EventName, projectId: string): boolean {
    if (!deliverable(name)) return false;
    const hooks = this.cached(projectId);
    return hooks === undefined || hooks.length > 0;
  }

  private async enqueueFor(trx: Executor, e: DomainEvent): Promise<void> {
    if (!deliverable(e.name)) return;
    const hooks = this.cached(e.projectId) ?? (await this.load(trx, e.projectId));
    if (hooks.length === 0) return;
    const params = e.params as Record<string, string>;
    const names = expandEvent(e.name, params);
    const matching = hooks.filter((h) => names.some((n) => h.events.has(n)));
    if (matching.length === 0) return;
    const model = this.models.get(resourceOf(e.name));
    const body = JSON.stringify((await model.build(trx, e)) ?? {});
    const entity = entityOf(e.name, params);
    for (const hook of matching) {
      const payload: WebhookMessage = { webhookId: hook.id, events: names, userId: params.userId ?? '', body };
      await this.outbox.enqueue(trx, e.projectId, { channel: WEBHOOK_CHANNEL, payload, secret: model.secret === true, orderKey: `webhook:${hook.id}:${entity}` });
    }
    this.enqueued = true;
  }

  private cached(projectId: string): MatchHook[] | undefined {
    this.relay.catchUp();
    // While another process's change could be missed (LISTEN connection down), read the database.
    if (!this.relay.live) return undefined;
    const hit = this.cache.get(projectId);
    if (!hit) return undefined;
    if (this.clock.now() - hit.at < CACHE_TTL_MS) return hit.hooks;
    this.cache.delete(projectId);
    return undefined;
  }

  private async load(trx: Executor, projectId: string): Promise<MatchHook[]> {
    const readAt = this.generation;
    const rows = await listEnabledWebhooks(trx, projectId);
    const hooks = rows.map((r) => ({ id: r.id, events: new Set(JSON.parse(r.events) as string[]) }));
    if (readAt === this.generation && this.relay.live) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(projectId, { hooks, at: this.clock.now() });
    }
    return hooks;
  }

  /** Drops a project's cached list, or every one (`*`). */
  private forget(projectId: string): void {
    this.generation++;
    if (projectId === '*') this.cache.clear();
    else this.cache.delete(projectId);
    this.logger.debug({ projectId }, 'webhooks: matching cache dropped');
  }
}
