import type { Database } from '../db/database.ts';
import { takeFirstOf } from '../db/sync.ts';
import { changedRows, type Steps } from '../db/steps.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Project } from '../projects/projects.ts';
import { AppwriteError } from '../errors/errors.ts';
import { uniqueId } from '../support/ids.ts';
import { hashPassword, verifyDummy, verifyPassword } from '../passwords/passwords.ts';
import type { RateLimitsService } from '../rate-limits/rate-limits.service.ts';
import type { TokensService } from '../tokens/tokens.service.ts';
import { SESSION_TOKEN_TYPE_SET, TOKEN_TYPE } from '../tokens/tokens.ts';
import type { UsersService } from '../users/users.service.ts';
import { findUserById, insertUser, loginUserByEmailTemplate, markVerifiedTemplates } from '../users/users.repository.ts';
import { hashColumns, storedPassword, type UserRow } from '../users/users.ts';
import type { IssuedSession, SessionsService } from './sessions.service.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import { assertUnderUserLimit } from '../policies/user-limit.ts';

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

/**
 * Token exchanges allowed per user per window, from every address together (the route's own rule
 * counts per address and user, which many addresses multiply). A default token is 6 hex characters
 * (2^24) valid 15 minutes: 10 guesses per 15 minutes gives one chance in about 1.7 million per
 * token's life, and at most ~960 guesses a day against a user whatever the attacker's addresses.
 */
export const TOKEN_EXCHANGE_LIMIT = 10;
export const TOKEN_EXCHANGE_WINDOW_S = 900;

/**
 * Every way to log in. Each checks its credential, then ends in one SessionsService.issueSession,
 * which writes the session (and whatever the login consumes) in one transaction.
 */
export class LoginsService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private users: UsersService,
    private sessions: SessionsService,
    private tokens: TokensService,
    private rateLimits: RateLimitsService,
    private bus: EventBus,
  ) {}

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
    const input = { userId: user.id, provider: 'email', providerUid: user.email ?? '', factors: ['password'], ...client };
    return this.sessions.issueSession(project, current, input, { applyLimit: true });
  }

  /** Imported hashes become argon2id on the first successful login. */
  private async rehash(project: Project, user: Pick<UserRow, 'id'>, password: string): Promise<UserRow> {
    return this.users.update(project.id, user.id, hashColumns(await hashPassword(password)), 'users.[userId].rehash');
  }

  async createAnonymousSession(project: Project, client: ClientInfo): Promise<IssuedSession> {
    await this.users.assertUserLimit(project);
    const id = uniqueId(this.clock, this.random);
    const user = await this.bus.transaction(async (trx, emit) => {
      await assertUnderUserLimit(trx, this.database.dialect, project.id, project.settings.auths.limit);
      const row = await insertUser(trx, project.id, { id, email: null, phone: null, name: '', password: null, passwordSet: false, accessed: true }, this.clock.now());
      emit({ ...event('users.[userId].create', project.id, { userId: id }, row), actor: { type: 'guest', id: '', ...client } });
      return row;
    });
    return this.sessions.issueSession(project, user, { userId: id, provider: 'anonymous', factors: ['anonymous'], ...client }, { applyLimit: true });
  }

  /**
   * Exchanges a token secret for a session. The token is deleted in the same transaction that
   * creates the session, and only the request whose delete removed it succeeds, so a token works
   * once however many exchanges race. A blocked user is refused before the token is consumed.
   * Unless an API key calls, exchanges are counted per user across addresses (guessGuard).
   */
  async createSessionFromToken(project: Project, userId: string, secret: string, caller: ClientInfo & { trusted?: boolean }): Promise<IssuedSession> {
    const { trusted, ...client } = caller;
    const db = this.database.db;
    const user = await findUserById(db, project.id, userId);
    if (!user) throw new AppwriteError('user_invalid_token');
    const guard = trusted || !this.rateLimits.enabled ? null : await this.guessGuard(project.id, userId);
    const token = await this.tokens.find(db, project.id, userId, SESSION_TOKEN_TYPE_SET, secret);
    if (!token || token.type === TOKEN_TYPE.oauth2) {
      await guard?.failed();
      throw new AppwriteError('user_invalid_token');
    }
    if (user.status !== 1) {
      await guard?.succeeded(); // the secret was right: not a guess
      throw new AppwriteError('user_blocked');
    }
    const { provider, factor, verify } = tokenSessionKind(token.type);
    const tokens = this.tokens;
    const now = this.clock.now();
    const issued = await this.sessions.issueSession(project, user, { userId, provider, factors: [factor], ...client }, {
      applyLimit: true,
      *prelude(): Steps<void> {
        if (!(yield* tokens.consumeSteps(project.id, token.id))) throw new AppwriteError('user_invalid_token');
        if (verify) yield* changedRows(markVerifiedTemplates[verify], { project_id: project.id, id: userId, updated_at: now });
      },
      preludeEvents: verify ? [event('users.[userId].update.verification', project.id, { userId })] : [],
    });
    await guard?.succeeded();
    return issued;
  }

  /**
   * Counts this exchange against the user's budget before the secret is compared, so that however
   * many guesses race, only TOKEN_EXCHANGE_LIMIT are judged per window. Past it the exchange is
   * refused outright (429); the failure that reaches it deletes the user's outstanding login tokens,
   * so whatever was being guessed is gone. A success gives its attempt back.
   */
  private async guessGuard(projectId: string, userId: string) {
    const name = `token-exchanges:${userId}`;
    const { count, reset } = await this.rateLimits.countAttempt(projectId, name, TOKEN_EXCHANGE_WINDOW_S);
    if (count > TOKEN_EXCHANGE_LIMIT) {
      const err = new AppwriteError('general_rate_limit_exceeded');
      (err as any).rateLimit = { limit: TOKEN_EXCHANGE_LIMIT, remaining: 0, reset };
      throw err;
    }
    return {
      failed: async () => {
        if (count >= TOKEN_EXCHANGE_LIMIT) await this.tokens.deleteOfUser(projectId, userId, SESSION_TOKEN_TYPE_SET);
      },
      succeeded: () => this.rateLimits.uncountAttempt(projectId, name, TOKEN_EXCHANGE_WINDOW_S),
    };
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
