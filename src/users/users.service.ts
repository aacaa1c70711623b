import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/database.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Project } from '../projects/projects.ts';
import { AppwriteError } from '../errors/errors.ts';
import { resolveId, randomHex } from '../support/ids.ts';
import { runList } from '../db/list.ts';
import type { ListQuery } from '../db/list-query.ts';
import { hashPassword, type StoredPassword } from '../passwords/passwords.ts';
import { appendHistory, checkPasswordHistory, checkPasswordStrength, checkPersonalData } from '../passwords/password-policy.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { findUserSession } from '../sessions/sessions.repository.ts';
import type { TokensService, IssuedToken } from '../tokens/tokens.service.ts';
import { TOKEN_TYPE } from '../tokens/tokens.ts';
import { countUsers, deleteUser, findUserById, insertUser, lockUser, updateUser } from './users.repository.ts';
import { hashColumns, searchText, storedPassword, type UserRow } from './users.ts';
import type { Updateable } from 'kysely';
import type { UsersTable } from '../db/schema.ts';
import type { JwtService } from '../jwt/jwt.service.ts';
import type { EventBus } from '../events/bus.ts';
import { event, type EventActor, type EventName } from '../events/events.ts';
import type { Executor } from '../db/schema.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import { isTargetClash } from '../targets/targets.repository.ts';
import { contactMoves } from '../targets/targets.ts';
import { assertUnderUserLimit } from '../policies/user-limit.ts';

export interface CreateUserInput {
  userId: string;
  email?: string | null;
  phone?: string | null;
  name?: string;
  /** Plain password, hashed with argon2id. */
  password?: string;
  /** An imported hash, stored as given. */
  imported?: StoredPassword;
  /** Created by the user themself (POST /account), which counts as an access. */
  accessed?: boolean;
  /** Who asked (the audit log). */
  actor?: EventActor;
  /** A sign-up: refused when the project already holds this many users (0: no limit). */
  userLimit?: number;
}

/** The event a user update publishes (Appwrite's name for what changed). */
export type UserChange = Extract<EventName, `users.[userId].update.${string}` | 'users.[userId].rehash'>;

export class UsersService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private sessions: SessionsService,
    private tokens: TokensService,
    private jwt: JwtService,
    private targets: TargetsService,
    private bus: EventBus,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** Sign-ups (not the Users API) stop at the project's user limit. */
  async assertUserLimit(project: Project): Promise<void> {
    const limit = project.settings.auths.limit;
    if (limit > 0 && (await countUsers(this.db, project.id)) >= limit) throw new AppwriteError('user_count_exceeded');
  }

  /** The user limit again inside the transaction that inserts a user (concurrent sign-ups cannot both pass). */
  async assertUserLimitIn(trx: Executor, project: Project): Promise<void> {
    await assertUnderUserLimit(trx, this.database.dialect, project.id, project.settings.auths.limit);
  }

  async create(project: Project, input: CreateUserInput): Promise<UserRow> {
    const id = resolveId(input.userId, this.clock, this.random);
    const email = input.email ? input.email.toLowerCase() : null;
    const phone = input.phone || null;
    const name = input.name ?? '';
    let password: StoredPassword | null = input.imported ?? null;
    if (input.password !== undefined) {
      checkPasswordStrength(project.settings.auths, input.password);
      checkPersonalData(project.settings.auths, input.password, { id, email, name, phone });
      // Hash before any transaction opens.
      password = await hashPassword(input.password);
    }
    const user = { id, email, phone, name, password, passwordSet: password !== null, accessed: input.accessed, keepHistory: project.settings.auths.passwordHistory > 0 };
    // A taken id, email or phone clashes on the users table: 409 user_already_exists. A contact
    // already held by another user's target is not a clash (see addContactTargetsIn).
    // A new user has no sessions yet, so there is no cached account to invalidate.
    try {
      return await this.bus.transaction(async (trx, emit) => {
        await assertUnderUserLimit(trx, this.database.dialect, project.id, input.userLimit ?? 0);
        const row = await insertUser(trx, project.id, user, this.clock.now());
        await this.targets.addContactTargetsIn(trx, row);
        emit({ ...event('users.[userId].create', project.id, { userId: row.id }, row), actor: input.actor });
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('user_already_exists');
      throw err;
    }
  }

  async get(projectId: string, userId: string): Promise<UserRow> {
    const user = await findUserById(this.db, projectId, userId);
    if (!user) throw new AppwriteError('user_not_found');
    return user;
  }

  list(projectId: string, query: ListQuery, search: string | undefined, total: boolean) {
    return runList<UserRow>(this.db, { table: 'users', projectId, query, search, total });
  }

  /** Deleting a user takes its sessions, tokens and targets with it (foreign keys cascade). */
  async delete(projectId: string, userId: string, actor?: EventActor): Promise<void> {
    await this.bus.transaction(async (trx, emit) => {
      const deleted = await deleteUser(trx, projectId, userId);
      if (!deleted) throw new AppwriteError('user_not_found');
      emit({ ...event('users.[userId].delete', projectId, { userId }, deleted), actor });
    });
  }

  /**
   * Applies column changes, keeps `search` and the email/phone targets in step, and drops cached
   * copies of the user. Only changes to the searchable fields read the row first. `uniqueError` answers a clash on the users table; a value already held by
   * a messaging target is 409 user_target_already_exists.
   */
  async update(projectId: string, userId: string, changes: Updateable<UsersTable>, change: UserChange, uniqueError: AppwriteError['type'] = 'user_already_exists', actor?: EventActor): Promise<UserRow> {
    const set = { ...changes, updated_at: this.clock.now() };
    let row: UserRow | undefined;
    try {
      const before = changes.name !== undefined && changes.email === undefined && changes.phone === undefined ? await this.get(projectId, userId) : null;
      row = await this.bus.transaction(async (trx, emit) => {
        const updated =
          changes.email !== undefined || changes.phone !== undefined
            ? await this.updateWithTargets(trx, projectId, userId, set)
            : await updateUser(trx, projectId, userId, before ? { ...set, search: searchText({ ...before, ...set }) } : set);
        if (updated) emit({ ...event(change, projectId, { userId }, updated), actor });
        return updated;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError(isTargetClash(err) ? 'user_target_already_exists' : uniqueError);
      throw err;
    }
    if (!row) throw new AppwriteError('user_not_found');
    return row;
  }

  /**
   * An email/phone change and the move of its target in one transaction. As Appwrite, a value that
   * is already any target's identifier (this user's included) is refused before writing.
   */
  private async updateWithTargets(trx: Executor, projectId: string, userId: string, set: Updateable<UsersTable>): Promise<UserRow | undefined> {
    if (this.database.dialect === 'postgres') await lockUser(trx, projectId, userId);
    const before = await findUserById(trx, projectId, userId);
    if (!before) return undefined;
    const moves = contactMoves(before, set);
    for (const m of moves) if (m.to) await this.targets.assertIdentifierFree(trx, projectId, m.to);
    const row = await updateUser(trx, projectId, userId, { ...set, search: searchText({ ...before, ...set } as UserRow) });
    for (const m of moves) await this.targets.moveContactIn(trx, projectId, userId, m);
    return row;
  }

  updateName(projectId: string, userId: string, name: string, actor?: EventActor) {
    return this.update(projectId, userId, { name }, 'users.[userId].update.name', undefined, actor);
  }

  // A taken value is usually another user's target (409 user_target_already_exists); only a user
  // whose target was deleted clashes on the users table itself.
  updateEmail(projectId: string, userId: string, email: string, actor?: EventActor) {
    return this.update(projectId, userId, { email: email ? email.toLowerCase() : null, email_verification: 0 }, 'users.[userId].update.email', 'user_email_already_exists', actor);
  }

  updatePhone(projectId: string, userId: string, phone: string, actor?: EventActor) {
    return this.update(projectId, userId, { phone: phone || null, phone_verification: 0 }, 'users.[userId].update.phone', 'user_phone_already_exists', actor);
  }

  async updateStatus(projectId: string, userId: string, status: boolean, actor?: EventActor) {
    return this.update(projectId, userId, { status: status ? 1 : 0 }, 'users.[userId].update.status', undefined, actor);
  }

  updateLabels(projectId: string, userId: string, labels: string[], actor?: EventActor) {
    return this.update(projectId, userId, { labels: JSON.stringify([...new Set(labels)]) }, 'users.[userId].update.labels', undefined, actor);
  }

  updatePrefs(projectId: string, userId: string, prefs: Record<string, unknown>) {
    return this.update(projectId, userId, { prefs: JSON.stringify(prefs) }, 'users.[userId].update.prefs');
  }

  updateEmailVerification(projectId: string, userId: string, v: boolean, actor?: EventActor) {
    return this.update(projectId, userId, { email_verification: v ? 1 : 0 }, 'users.[userId].update.verification', undefined, actor);
  }

  updatePhoneVerification(projectId: string, userId: string, v: boolean, actor?: EventActor) {
    return this.update(projectId, userId, { phone_verification: v ? 1 : 0 }, 'users.[userId].update.verification', undefined, actor);
  }

  updateImpersonator(projectId: string, userId: string, v: boolean, actor?: EventActor) {
    return this.update(projectId, userId, { impersonator: v ? 1 : 0 }, 'users.[userId].update.impersonator', undefined, actor);
  }

  updateMfa(projectId: string, userId: string, v: boolean, actor?: EventActor) {
    return this.update(projectId, userId, { mfa: v ? 1 : 0 }, 'users.[userId].update.mfa', undefined, actor);
  }

  /**
   * Users API password change: policies apply, "" clears the password; with session invalidation
   * on, every session of the user ends.
   */
  async updatePassword(project: Project, userId: string, password: string, actor?: EventActor): Promise<UserRow> {
    const auths = project.settings.auths;
    // The strength policy is a param validator in Appwrite, so it fails before the user lookup.
    if (password !== '') checkPasswordStrength(auths, password);
    const user = await this.get(project.id, userId);
    // Appwrite's personal-data validator refuses "" (shorter than 8), so with that policy on a
    // password cannot be cleared (Users/Http/Users/Password/Update.php).
    if (password === '' && auths.personalDataCheck) throw new AppwriteError('password_personal_data');
    // Appwrite answers the cleared user but carries on into the session invalidation below.
    const columns = password === '' ? { password: '', hash: 'argon2', password_update: this.clock.now() } : await this.newPassword(project, user, password);
    const row = await this.update(project.id, userId, columns, 'users.[userId].update.password', undefined, actor);
    if (project.settings.auths.invalidateSessions) await this.sessions.deleteAll(project.id, userId, undefined, actor);
    return row;
  }

  /**
   * A password change's checks (strength, personal data, history) and the columns to write, hashed
   * here, before any transaction opens. A recovery checks no personal data, as in Appwrite.
   */
  async newPassword(project: Project, user: UserRow, password: string, order: 'users' | 'account' | 'recovery' = 'users'): Promise<Updateable<UsersTable>> {
    const auths = project.settings.auths;
    checkPasswordStrength(auths, password);
    const history = JSON.parse(user.password_history) as string[];
    // Appwrite's Users API checks personal data before history; its Account API the other way round.
    if (order === 'users') checkPersonalData(auths, password, user);
    await checkPasswordHistory(auths, password, history, storedPassword(user));
    if (order === 'account') checkPersonalData(auths, password, user);
    const stored = await hashPassword(password);
    return {
      ...hashColumns(stored),
      password_history: JSON.stringify(appendHistory(auths, history, stored.password)),
      password_update: this.clock.now(),
    };
  }


  /** Custom token for `account.createSession(userId, secret)`: `length` hex chars, valid `expire` seconds. */
  async createToken(projectId: string, userId: string, length: number, expire: number, ip: string, userAgent: string, actor?: EventActor): Promise<IssuedToken> {
    await this.get(projectId, userId);
    const secret = randomHex(this.random, length);
    return this.bus.transaction(async (trx, emit) => {
      const issued = await this.tokens.issue({ projectId, userId, type: TOKEN_TYPE.generic, secret, ttlSeconds: expire, ip, userAgent }, trx);
      // The payload carries the plain secret (Appwrite's webhooks send it): never relayed, sealed wherever it is kept.
      emit({ ...event('users.[userId].tokens.[tokenId].create', projectId, { userId, tokenId: issued.token.id }, issued), actor });
      return issued;
    });
  }

  /**
   * JWT for acting as the user; `recent` picks the newest session. As in Appwrite, a user without
   * sessions, or a sessionId that is not one of the user's, yields a JWT bound to no session.
   */
  async createJwt(projectId: string, userId: string, sessionId: string, duration: number): Promise<string> {
    const user = await this.get(projectId, userId);
    const session = sessionId === 'recent' ? await this.sessions.newest(projectId, user.id) : await findUserSession(this.db, projectId, user.id, sessionId);
    return this.jwt.sign({ user, sessionId: session?.id ?? '', projectId }, duration);
  }
}
