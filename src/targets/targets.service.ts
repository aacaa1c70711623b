import type { Db, Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { ListQuery } from '../db/list-query.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { UserRow } from '../users/users.ts';
import { AppwriteError } from '../errors/errors.ts';
import { isForeignKeyViolation } from '../db/database.ts';
import { isValidEmail, isValidPhone } from '../support/validators.ts';
import { resolveId, uniqueId } from '../support/ids.ts';
import { findUserById } from '../users/users.repository.ts';
import type { ContactMove, ProviderType, TargetInput, TargetRow } from './targets.ts';
import {
  deleteTarget,
  findUserTarget,
  findUserTargetByIdentifier,
  identifierTaken,
  insertTarget,
  insertTargetUnlessTaken,
  isTargetClash,
  listTargets,
  listTargetsOfUsers,
  listUserTargets,
  updateTarget,
} from './targets.repository.ts';

/**
 * Messaging targets of users. A user's email and phone are mirrored as `email` and `sms` targets,
 * kept in step inside the transaction that writes the user. The cached account (session cache)
 * carries the user's targets, so every write here drops that user's cached entries afterwards.
 */
export class TargetsService {
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private bus: EventBus,
  ) {}

  ofUser(projectId: string, userId: string): Promise<TargetRow[]> {
    return listUserTargets(this.db, projectId, userId);
  }

  /** The targets of many users in one query, by user id. */
  async ofUsers(projectId: string, userIds: string[]): Promise<Map<string, TargetRow[]>> {
    const byUser = new Map<string, TargetRow[]>();
    for (const t of await listTargetsOfUsers(this.db, projectId, userIds)) {
      const list = byUser.get(t.user_id);
      if (list) list.push(t);
      else byUser.set(t.user_id, [t]);
    }
    return byUser;
  }

  async list(projectId: string, userId: string, query: ListQuery, total: boolean) {
    await this.assertUser(projectId, userId);
    return listTargets(this.db, projectId, userId, query, total);
  }

  async get(projectId: string, userId: string, targetId: string): Promise<TargetRow> {
    await this.assertUser(projectId, userId);
    return this.userTarget(projectId, userId, targetId);
  }

  async create(projectId: string, userId: string, targetId: string, input: TargetInput): Promise<TargetRow> {
    checkIdentifier(input.providerType, input.identifier);
    await this.assertUser(projectId, userId);
    const now = this.clock.now();
    let row: TargetRow;
    try {
      row = await this.bus.transaction(async (trx, emit) => {
        const inserted = await insertTarget(trx, {
        project_id: projectId,
        id: resolveId(targetId, this.clock, this.random),
        user_id: userId,
        provider_type: input.providerType,
        identifier: input.identifier,
        provider_id: input.providerId || null,
        name: input.name ?? '',
        expired: 0,
        created_at: now,
        updated_at: now,
        });
        emit(event('users.[userId].targets.[targetId].create', projectId, { userId, targetId: inserted.id }, inserted));
        return inserted;
      });
    } catch (err) {
      if (isTargetClash(err)) throw new AppwriteError('user_target_already_exists');
      // The user was deleted between assertUser and the insert.
      if (isForeignKeyViolation(err)) throw new AppwriteError('user_not_found');
      throw err;
    }
    return row;
  }

  /** Empty values change nothing, as in Appwrite; a new identifier clears `expired`. */
  async update(projectId: string, userId: string, targetId: string, input: Partial<Omit<TargetInput, 'providerType'>>): Promise<TargetRow> {
    await this.assertUser(projectId, userId);
    const target = await this.userTarget(projectId, userId, targetId);
    const changes: Partial<TargetRow> = { updated_at: this.clock.now() };
    if (input.identifier) {
      checkIdentifier(target.provider_type as ProviderType, input.identifier);
      Object.assign(changes, { identifier: input.identifier, expired: 0 });
    }
    if (input.providerId) changes.provider_id = input.providerId;
    if (input.name) changes.name = input.name;
    let row: TargetRow | undefined;
    try {
      row = await this.bus.transaction(async (trx, emit) => {
        const updated = await updateTarget(trx, projectId, target.id, changes);
        if (updated) emit(event('users.[userId].targets.[targetId].update', projectId, { userId, targetId: target.id }, updated));
        return updated;
      });
    } catch (err) {
      if (isTargetClash(err)) throw new AppwriteError('user_target_already_exists');
      throw err;
    }
    if (!row) throw new AppwriteError('user_target_not_found');
    return row;
  }

  async delete(projectId: string, userId: string, targetId: string): Promise<void> {
    await this.assertUser(projectId, userId);
    const target = await this.userTarget(projectId, userId, targetId);
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deleteTarget(trx, projectId, target.id))) throw new AppwriteError('user_target_not_found');
      emit(event('users.[userId].targets.[targetId].delete', projectId, { userId, targetId: target.id }, target));
    });
  }

  /**
   * The email and sms targets a new user starts with, in the transaction that inserts the user.
   * An identifier that is already another user's target is skipped, not refused: Appwrite creates
   * the user anyway (Modules/Users/Base.php catches the target's Duplicate).
   */
  async addContactTargetsIn(trx: Executor, user: UserRow): Promise<void> {
    if (user.email) await insertTargetUnlessTaken(trx, this.contactTarget(user.project_id, user.id, 'email', user.email));
    if (user.phone) await insertTargetUnlessTaken(trx, this.contactTarget(user.project_id, user.id, 'sms', user.phone));
  }

  /** Appwrite refuses an email/phone that is already any target's identifier (the user's own included). */
  async assertIdentifierFree(trx: Executor, projectId: string, identifier: string): Promise<void> {
    if (await identifierTaken(trx, projectId, identifier)) throw new AppwriteError('user_target_already_exists');
  }

  /**
   * Follows an email/phone change in the caller's transaction: the user's target holding the old
   * value is renamed (same id), or removed when the value is cleared; without one, a target is created.
   */
  async moveContactIn(trx: Executor, projectId: string, userId: string, move: ContactMove): Promise<void> {
    const old = move.from ? await findUserTargetByIdentifier(trx, projectId, userId, move.from) : undefined;
    if (old && move.to) await updateTarget(trx, projectId, old.id, { identifier: move.to, updated_at: this.clock.now() });
    else if (old) await deleteTarget(trx, projectId, old.id);
    else if (move.to) await insertTarget(trx, this.contactTarget(projectId, userId, move.providerType, move.to));
  }

  private contactTarget(projectId: string, userId: string, type: 'email' | 'sms', identifier: string): Omit<TargetRow, 'seq'> {
    const now = this.clock.now();
    return {
      project_id: projectId,
      id: uniqueId(this.clock, this.random),
      user_id: userId,
      provider_type: type,
      identifier,
      provider_id: null,
      name: '',
      expired: 0,
      created_at: now,
      updated_at: now,
    };
  }

  private async assertUser(projectId: string, userId: string): Promise<void> {
    if (!(await findUserById(this.db, projectId, userId))) throw new AppwriteError('user_not_found');
  }

  private async userTarget(projectId: string, userId: string, targetId: string): Promise<TargetRow> {
    const target = await findUserTarget(this.db, projectId, userId, targetId);
    if (!target) throw new AppwriteError('user_target_not_found');
    return target;
  }
}

/** An email target needs a valid email, an sms target an E.164 number; push tokens are free text. */
function checkIdentifier(type: ProviderType, identifier: string): void {
  switch (type) {
    case 'email':
      if (!isValidEmail(identifier)) throw new AppwriteError('general_invalid_email');
      return;
    case 'sms':
      if (!isValidPhone(identifier)) throw new AppwriteError('general_invalid_phone');
      return;
    case 'push':
      return;
    default:
      throw new AppwriteError('provider_incorrect_type');
  }
}
