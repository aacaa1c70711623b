import type { Executor } from '../db/schema.ts';
import type { DomainEvent } from '../events/events.ts';
import { sessionModel, targetModel, tokenModel, userModel } from '../schemas/models.ts';
import type { UserRow } from '../users/users.ts';
import type { SessionRow } from '../sessions/sessions.ts';
import type { TokenRow } from '../tokens/tokens.ts';
import type { TargetRow } from '../targets/targets.ts';

/** Builds the response model an event carries, inside the writing transaction; null when the resource is gone. */
export type ModelBuilder = (trx: Executor, e: DomainEvent) => Promise<object | null>;

export interface WebhookModel {
  build: ModelBuilder;
  /** The model holds a secret (a token's): the outbox row is sealed, and purged once delivered. */
  secret?: boolean;
}

/** Already a response model (an emitter passed one): sent as it is. */
const isModel = (p: unknown): p is { $id: string } => typeof p === 'object' && p !== null && '$id' in p;
const params = (e: DomainEvent) => e.params as Record<string, string>;

/**
 * Which model each resource's events carry, keyed by resource (`users`, `users.sessions`,
 * `teams.memberships`: the event name without ids and action). Domains that add events register
 * theirs here (`container.webhooks.models.register('teams', …)`); an event of an unregistered
 * resource carries its payload when that is already a model (has `$id`), else `{}`.
 */
export class WebhookModels {
  private readonly byResource = new Map<string, WebhookModel>();

  register(resource: string, model: WebhookModel): void {
    this.byResource.set(resource, model);
  }

  get(resource: string): WebhookModel {
    return this.byResource.get(resource) ?? { build: async (_trx, e) => (isModel(e.payload) ? e.payload : {}) };
  }
}

/** The auth models Tessera has today: users, sessions, tokens (custom, verification, recovery), targets. */
export function registerAuthModels(models: WebhookModels): void {
  models.register('users', { build: buildUser });
  models.register('users.sessions', { build: buildSession });
  models.register('users.targets', { build: buildTarget });
  for (const r of ['users.tokens', 'users.verification', 'users.recovery']) models.register(r, { build: buildToken, secret: true });
}

/**
 * The User model as an API key sees it, with its targets, minus the password hash: a receiver has no
 * use for it, and a webhook may travel over plain HTTP. A delete's payload is the row as it was.
 */
async function buildUser(trx: Executor, e: DomainEvent): Promise<object | null> {
  if (isModel(e.payload)) return 'password' in e.payload ? { ...e.payload, password: '' } : e.payload;
  const userId = params(e).userId;
  const given = e.payload as UserRow | undefined;
  const row = given?.id === userId ? given : await trx.selectFrom('users').selectAll().where('project_id', '=', e.projectId).where('id', '=', userId).executeTakeFirst();
  if (!row) return null;
  const targets = await trx.selectFrom('targets').selectAll().where('project_id', '=', e.projectId).where('user_id', '=', userId).orderBy('seq').execute();
  return { ...userModel(row, targets), password: '' };
}

/** The Session model; its secret is never sent (a session secret is a bearer credential). */
async function buildSession(trx: Executor, e: DomainEvent): Promise<object | null> {
  if (isModel(e.payload)) return { ...e.payload, secret: '' };
  const { userId, sessionId } = params(e);
  const given = e.payload as SessionRow | undefined;
  const row = given?.id === sessionId ? given : await trx.selectFrom('sessions').selectAll().where('project_id', '=', e.projectId).where('user_id', '=', userId).where('id', '=', sessionId).executeTakeFirst();
  return row ? sessionModel(row, { current: false }) : null;
}

async function buildTarget(trx: Executor, e: DomainEvent): Promise<object | null> {
  if (isModel(e.payload)) return e.payload;
  const { targetId } = params(e);
  const given = e.payload as TargetRow | undefined;
  const row = given?.id === targetId ? given : await trx.selectFrom('targets').selectAll().where('project_id', '=', e.projectId).where('id', '=', targetId).executeTakeFirst();
  return row ? targetModel(row) : null;
}

/**
 * The Token model with its plain secret, as Appwrite's webhooks carry it (how a developer sends their
 * own verification or magic-link mail). Emitters pass `{ token: TokenRow, secret }` or a Token model.
 */
async function buildToken(_trx: Executor, e: DomainEvent): Promise<object | null> {
  if (isModel(e.payload)) return e.payload;
  const issued = e.payload as { token?: TokenRow; secret?: string } | undefined;
  if (!issued?.token) return null;
  return tokenModel(issued.token, issued.secret ?? '');
}
