import type { Db } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import type { ListQuery } from '../db/list-query.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import { isUniqueViolation } from '../db/database.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { randomHex, resolveId } from '../support/ids.ts';
import { publicUrlProblem } from './address-guard.ts';
import { isValidEventPattern } from './webhook-events.ts';
import type { WebhookModels } from './webhook-payloads.ts';
import { authPasswordContext, signingKeyContext, toWebhook, type Webhook, type WebhookInput, type WebhookRow } from './webhooks.ts';
import { deleteWebhook, findWebhook, insertWebhook, listWebhooks, updateWebhook } from './webhooks.repository.ts';

/** Appwrite generates 64 random bytes as hex when no secret is given. */
const GENERATED_SECRET_HEX = 128;

export const URL_DESCRIPTION = 'Value must be a valid URL with following schemes (http, https) and Value must be a valid public domain.';
export const EVENTS_DESCRIPTION = 'Value must a valid array no longer than 100 items and Event is not valid.';

/**
 * A project's webhooks (Appwrite's /v1/webhooks). URLs must be public unless the server allows
 * private targets; every write publishes its event so each process's matching cache reloads.
 */
export class WebhooksService {
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private sealer: Sealer,
    private bus: EventBus,
    private allowPrivate: boolean,
    /** Which model each resource's events carry: domains adding events register theirs here. */
    readonly models: WebhookModels,
  ) {}

  async create(projectId: string, id: string, input: WebhookInput, secret: string | undefined): Promise<Webhook> {
    await this.checkInput(input);
    const now = this.clock.now();
    const webhookId = resolveId(id, this.clock, this.random);
    const row: Omit<WebhookRow, 'seq'> = {
      project_id: projectId,
      id: webhookId,
      ...this.columns(projectId, webhookId, input),
      signing_key: this.sealer.seal(secret ?? randomHex(this.random, GENERATED_SECRET_HEX), signingKeyContext(projectId, webhookId)),
      logs: '',
      attempts: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.bus.transaction(async (trx, emit) => {
        await insertWebhook(trx, row);
        emit(event('webhooks.[webhookId].create', projectId, { webhookId }));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('webhook_already_exists');
      throw err;
    }
    return toWebhook({ ...row, seq: 0 }, this.sealer);
  }

  async list(projectId: string, query: ListQuery, total: boolean): Promise<{ webhooks: Webhook[]; total: number }> {
    const res = await listWebhooks(this.db, projectId, query, total);
    return { webhooks: res.rows.map((r) => toWebhook(r, this.sealer)), total: res.total };
  }

  async get(projectId: string, id: string): Promise<Webhook> {
    const row = await findWebhook(this.db, projectId, id);
    if (!row) throw new AppwriteError('webhook_not_found');
    return toWebhook(row, this.sealer);
  }

  /** Rewrites every field (Appwrite's PUT); enabling it starts the failure count again. */
  async update(projectId: string, id: string, input: WebhookInput): Promise<Webhook> {
    await this.checkInput(input);
    return this.write(projectId, id, {
      ...this.columns(projectId, id, input),
      ...(input.enabled ? { attempts: 0 } : {}),
      updated_at: this.clock.now(),
    });
  }

  /** A new signing key (given, or 128 random hex chars), shown once in the answer. */
  async updateSecret(projectId: string, id: string, secret: string | undefined): Promise<Webhook> {
    const key = secret ?? randomHex(this.random, GENERATED_SECRET_HEX);
    return this.write(projectId, id, { signing_key: this.sealer.seal(key, signingKeyContext(projectId, id)), updated_at: this.clock.now() });
  }

  async delete(projectId: string, id: string): Promise<void> {
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deleteWebhook(trx, projectId, id))) throw new AppwriteError('webhook_not_found');
      emit(event('webhooks.[webhookId].delete', projectId, { webhookId: id }));
    });
  }

  private async write(projectId: string, id: string, changes: Parameters<typeof updateWebhook>[3]): Promise<Webhook> {
    const row = await this.bus.transaction(async (trx, emit) => {
      const updated = await updateWebhook(trx, projectId, id, changes);
      if (!updated) throw new AppwriteError('webhook_not_found');
      emit(event('webhooks.[webhookId].update', projectId, { webhookId: id }));
      return updated;
    });
    return toWebhook(row, this.sealer);
  }

  private columns(projectId: string, id: string, input: WebhookInput) {
    return {
      name: input.name,
      url: input.url,
      events: JSON.stringify([...new Set(input.events)]),
      tls: input.tls ? 1 : 0,
      auth_username: input.authUsername,
      auth_password: input.authPassword ? this.sealer.seal(input.authPassword, authPasswordContext(projectId, id)) : '',
      enabled: input.enabled ? 1 : 0,
    };
  }

  /** Events must be Appwrite event patterns; the URL http(s) and, unless allowed, public (checked before any transaction). */
  private async checkInput(input: WebhookInput): Promise<void> {
    if (input.events.some((e) => !isValidEventPattern(e))) throw argumentInvalid('events', EVENTS_DESCRIPTION);
    if (!isHttpUrl(input.url)) throw argumentInvalid('url', URL_DESCRIPTION);
    if (!this.allowPrivate && (await publicUrlProblem(input.url))) throw argumentInvalid('url', URL_DESCRIPTION);
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
