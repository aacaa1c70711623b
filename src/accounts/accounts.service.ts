import type { Database } from '../db/database.ts';
import { takeFirstOf } from '../db/sync.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Project } from '../projects/projects.ts';
import { AppwriteError } from '../errors/errors.ts';
import { uniqueId } from '../support/ids.ts';
import { hashPassword, verifyDummy, verifyPassword, type StoredPassword } from '../passwords/passwords.ts';
import { checkPasswordStrength } from '../passwords/password-policy.ts';
import type { SessionsService, IssuedSession } from '../sessions/sessions.service.ts';
import type { TokensService } from '../tokens/tokens.service.ts';
import { SESSION_TOKEN_TYPE_SET, TOKEN_TYPE } from '../tokens/tokens.ts';
import type { UsersService } from '../users/users.service.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import { countUsers, findUserById, loginUserByEmailTemplate, insertUser, updateUser } from '../users/users.repository.ts';
import { hashColumns, storedPassword, type UserRow } from '../users/users.ts';

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export class AccountsService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private users: UsersService,
    private sessions: SessionsService,
    private tokens: TokensService,
    private events: EventBus,
  ) {}

  private async assertUserLimit(project: Project) {
    const limit = project.settings.auths.limit;
    if (limit > 0 && (await countUsers(this.database.db, project.id)) >= limit) throw new AppwriteError('user_count_exceeded');
  }

  /** POST /account: a new user with email and password; no session. */
  async create(project: Project, input: { userId: string; email: string; password: string; name?: string }): Promise<UserRow> {
    // Appwrite's strength policy is part of the `password` param validator, so it answers before the user limit.
    checkPasswordStrength(project.settings.auths, input.password);
    await this.assertUserLimit(project);
    return this.users.create(project, { ...input, accessed: true });
  }

  /**
   * Email/password login. An unknown email costs one argon2id verification like a wrong password,
   * so timing does not tell which accounts exist. Blocked users fail after the credential check.
   */
  async createEmailPasswordSession(project: Project, email: string, password: string, client: ClientInfo): Promise<IssuedSession> {
    const user = await takeFirstOf(this.database.sync, this.database.db, loginUserByEmailTemplate, { project_id: project.id, email: email.toLowerCase() });
    const stored = user ? storedPassword(user) : null;
    const ok = stored ? await verifyPassword(password, stored) : await verifyDummy(password);
    if (!user || !ok) throw new AppwriteError('user_invalid_credentials');
    if (user.status !== 1) throw new AppwriteError('user_blocked');
    let current = user;
    if (stored && stored.hash !== 'argon2') current = await this.rehash(project, user, password);
    return this.sessions.issue(project, current, { userId: user.id, provider: 'email', providerUid: user.email ?? '', factors: ['password'], ...client }, true);
  }

  /** Imported hashes become argon2id on the first successful login. */
  private async rehash(project: Project, user: Pick<UserRow, 'id'>, password: string): Promise<UserRow> {
    return this.users.update(project.id, user.id, hashColumns(await hashPassword(password)), 'users.[userId].rehash');
  }

  async createAnonymousSession(project: Project, client: ClientInfo): Promise<IssuedSession> {
    await this.assertUserLimit(project);
    const id = uniqueId(this.clock, this.random);
    const user = await insertUser(this.database.db, project.id, { id, email: null, phone: null, name: '', password: null, passwordSet: false, accessed: true }, this.clock.now());
    return this.sessions.issue(project, user, { userId: id, provider: 'anonymous', factors: ['anonymous'], ...client }, true);
  }

  /**
   * Exchanges a token secret for a session. The token is deleted in the same transaction that
   * creates the session, and only the request whose delete removed it succeeds, so a token works
   * once however many exchanges race.
   */
  async createSessionFromToken(project: Project, userId: string, secret: string, client: ClientInfo): Promise<IssuedSession> {
    const db = this.database.db;
    const user = await findUserById(db, project.id, userId);
    if (!user) throw new AppwriteError('user_invalid_token');
    const token = await this.tokens.find(db, project.id, userId, SESSION_TOKEN_TYPE_SET, secret);
    if (!token || token.type === TOKEN_TYPE.oauth2) throw new AppwriteError('user_invalid_token');
    const { provider, factor, verify } = tokenSessionKind(token.type);
    return this.events.transaction(async (trx, emit) => {
      if (!(await this.tokens.consume(trx, project.id, token.id))) throw new AppwriteError('user_invalid_token');
      if (verify) {
        await updateUser(trx, project.id, userId, { [verify]: 1, updated_at: this.clock.now() });
        emit(event('users.[userId].update.verification', project.id, { userId }));
      }
      return this.sessions.issueIn(trx, emit, project, user, { userId, provider, factors: [factor], ...client }, true);
    });
  }

  /**
   * PATCH /account/password, in Appwrite's order: the strength policy (a param validator), the old
   * password once one was ever set, then history before personal data (the Users API checks those
   * the other way round). Other sessions end when invalidation is on.
   */
  async updatePassword(project: Project, user: UserRow, currentSessionId: string | null, password: string, oldPassword: string | undefined): Promise<UserRow> {
    const auths = project.settings.auths;
    checkPasswordStrength(auths, password);
    if (user.password_update !== null && !(await this.matches(storedPassword(user), oldPassword ?? ''))) throw new AppwriteError('user_invalid_credentials');
    const row = await this.users.update(project.id, user.id, await this.users.newPassword(project, user, password, 'account'), 'users.[userId].update.password');
    // As Appwrite: only a request with its own session (not a JWT) ends the other sessions.
    if (auths.invalidateSessions && currentSessionId) await this.sessions.deleteAll(project.id, user.id, currentSessionId);
    return row;
  }

  /**
   * Whether `password` is the user's current password. One cleared through the Users API ("") is, in
   * Appwrite, the hash of "" (its handler carries on after answering), so only "" matches it.
   */
  private async matches(stored: StoredPassword | null, password: string): Promise<boolean> {
    if (stored === null) return password === '';
    return password !== '' && verifyPassword(password, stored);
  }

  /**
   * PATCH /account/email and /account/phone: the password is checked when the user has one;
   * otherwise (anonymous or passwordless) it becomes the password.
   */
  async updateContact(project: Project, user: UserRow, field: 'email' | 'phone', value: string, password: string): Promise<UserRow> {
    // Appwrite keys this on passwordUpdate alone: a cleared password (never 8+ chars) still guards the change.
    const hasPassword = user.password_update !== null;
    if (hasPassword && !(await this.matches(storedPassword(user), password))) throw new AppwriteError('user_invalid_credentials');
    const changes: Record<string, unknown> =
      field === 'email' ? { email: value.toLowerCase(), email_verification: 0 } : { phone: value, phone_verification: 0 };
    // The first password comes without policy checks and without a history entry, as in Appwrite.
    if (!hasPassword) Object.assign(changes, { ...hashColumns(await hashPassword(password)), password_update: this.clock.now() });
    // A value held by any messaging target is 409 user_target_already_exists (users.update); a clash
    // on the users table alone (the other user's target was deleted) is what Appwrite answers here.
    return this.users.update(project.id, user.id, changes, field === 'email' ? 'users.[userId].update.email' : 'users.[userId].update.phone', field === 'email' ? 'general_bad_request' : 'user_phone_already_exists');
  }
}

function tokenSessionKind(type: number): { provider: string; factor: string; verify: 'email_verification' | 'phone_verification' | null } {
  switch (type) {
    case TOKEN_TYPE.magicUrl:
      return { provider: 'magic-url', factor: 'email', verify: 'email_verification' };
    case TOKEN_TYPE.email:
      return { provider: 'token', factor: 'email', verify: 'email_verification' };
    case TOKEN_TYPE.phone:
      return { provider: 'phone', factor: 'phone', verify: 'phone_verification' };
    default:
      return { provider: 'token', factor: 'token', verify: null };
  }
}
