import type { Db, Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import { formatDate } from '../support/clock.ts';
import type { Project } from '../projects/projects.ts';
import { AppwriteError } from '../errors/errors.ts';
import { randomHex } from '../support/ids.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { MessagingService } from '../messaging/messaging.service.ts';
import { checkPasswordStrength } from '../passwords/password-policy.ts';
import { linkWith } from '../platforms/redirects.ts';
import { deleteUserSessions } from '../sessions/sessions.repository.ts';
import { findUserByContact } from '../sessions/secret-logins.repository.ts';
import type { TokensService, IssuedToken } from '../tokens/tokens.service.ts';
import { otpCode, TOKEN_SECRET_LENGTH, TOKEN_TTL_S, TOKEN_TYPE, type TokenRow } from '../tokens/tokens.ts';
import { findUserById, updateUser } from '../users/users.repository.ts';
import type { UserRow } from '../users/users.ts';
import type { UsersService } from '../users/users.service.ts';

export interface Requester {
  ip: string;
  userAgent: string;
  locale: string;
}

/** What differs between the two mailed links: recovery and email verification. */
interface MailedLink {
  type: number;
  secretLength: number;
  ttlSeconds: number;
  templateId: 'recovery' | 'verification';
  event: 'users.[userId].recovery.[tokenId].create' | 'users.[userId].verification.[tokenId].create';
}
const RECOVERY_LINK: MailedLink = {
  type: TOKEN_TYPE.recovery,
  secretLength: TOKEN_SECRET_LENGTH.recovery,
  ttlSeconds: TOKEN_TTL_S.recovery,
  templateId: 'recovery',
  event: 'users.[userId].recovery.[tokenId].create',
};
const VERIFICATION_LINK: MailedLink = {
  type: TOKEN_TYPE.verification,
  secretLength: TOKEN_SECRET_LENGTH.verification,
  ttlSeconds: TOKEN_TTL_S.confirm,
  templateId: 'verification',
  event: 'users.[userId].verification.[tokenId].create',
};

/**
 * Proving an email or phone (verification) and resetting a forgotten password (recovery). Each
 * sends a secret by mail or SMS, written in the same transaction as its token; the confirmation
 * consumes the token with one conditional delete in the transaction that applies the change, so a
 * secret works once however many confirmations race. Both publish Appwrite's token events, whose
 * payload carries the plain secret (for webhooks; never relayed to other processes).
 */
export class ConfirmationsService {
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private tokens: TokensService,
    private messaging: MessagingService,
    private bus: EventBus,
    private users: UsersService,
  ) {}

  /** POST /account/recovery: a link to `url` by mail. An unknown email is 404, as in Appwrite. */
  async createRecovery(project: Project, email: string, url: string, req: Requester): Promise<IssuedToken> {
    this.messaging.requireEmail(project);
    const user = await findUserByContact(this.db, project.id, 'email', email.toLowerCase());
    if (!user) throw new AppwriteError('user_not_found');
    if (user.status !== 1) throw new AppwriteError('user_blocked');
    return this.mailLink(project, user, url, req, RECOVERY_LINK);
  }

  /**
   * PUT /account/recovery: the new password (strength and history policies; personal data is not
   * checked here, as in Appwrite), the email counts as verified, and with the invalidation policy
   * every session of the user ends. Hashing happens before the transaction opens.
   */
  async updateRecovery(project: Project, userId: string, secret: string, password: string): Promise<TokenRow> {
    const auths = project.settings.auths;
    checkPasswordStrength(auths, password);
    const user = await this.userOrNotFound(project, userId);
    const token = await this.liveToken(project, userId, TOKEN_TYPE.recovery, secret);
    const columns = await this.users.newPassword(project, user, password, 'recovery');
    const now = this.clock.now();
    const changes = { ...columns, password_update: now, email_verification: 1, updated_at: now };
    return this.bus.transaction(async (trx, emit) => {
      await this.consume(trx, project, token);
      if (!(await updateUser(trx, project.id, userId, changes))) throw new AppwriteError('user_not_found');
      if (auths.invalidateSessions) await deleteUserSessions(trx, project.id, userId);
      // This event also drops the user's cached sessions everywhere (the password and sessions changed).
      emit(event('users.[userId].recovery.[tokenId].update', project.id, { userId, tokenId: token.id }, { token, secret }));
      return token;
    });
  }

  /** POST /account/verifications/email: a link to `url` sent to the signed-in user's email. */
  async createEmailVerification(project: Project, user: UserRow, url: string, req: Requester): Promise<IssuedToken> {
    this.messaging.requireEmail(project);
    if (!user.email) throw new AppwriteError('user_email_not_found');
    if (user.email_verification === 1) throw new AppwriteError('user_email_already_verified');
    return this.mailLink(project, user, url, req, VERIFICATION_LINK);
  }

  /**
   * POST /account/verifications/phone: a 6-digit code by SMS to the signed-in user's phone. Its
   * token is a phone token (as in Appwrite), so the code also works as a phone login. A mock number
   * gets its fixed code and no SMS, without an SMS provider.
   */
  async createPhoneVerification(project: Project, user: UserRow, req: Requester): Promise<IssuedToken & { mock: boolean }> {
    const mock = user.phone ? await this.messaging.mockOtp(project.id, user.phone) : null;
    if (mock === null) this.messaging.requireSms();
    if (!user.phone) throw new AppwriteError('user_phone_not_found');
    if (user.phone_verification === 1) throw new AppwriteError('user_phone_already_verified');
    const secret = mock ?? otpCode(this.random);
    const phone = user.phone;
    const issued = await this.bus.transaction(async (trx, emit) => {
      const token = await this.issue(trx, project, user, TOKEN_TYPE.phone, secret, TOKEN_TTL_S.confirm, req);
      if (mock === null) {
        const variables = { project: project.name, secret, otp: secret };
        await this.messaging.queueSms(trx, project, { templateId: 'verification', locale: req.locale, to: phone, variables });
      }
      emit(event('users.[userId].verification.[tokenId].create', project.id, { userId: user.id, tokenId: token.token.id }, token));
      return token;
    });
    if (mock === null) this.messaging.sendSoon();
    return { ...issued, mock: mock !== null };
  }

  /** PUT /account/verifications/email and /phone: the secret marks the email or phone verified. */
  async confirm(project: Project, which: 'email' | 'phone', userId: string, secret: string): Promise<TokenRow> {
    await this.userOrNotFound(project, userId);
    const token = await this.liveToken(project, userId, which === 'email' ? TOKEN_TYPE.verification : TOKEN_TYPE.phone, secret);
    const now = this.clock.now();
    const column = which === 'email' ? { email_verification: 1 } : { phone_verification: 1 };
    return this.bus.transaction(async (trx, emit) => {
      await this.consume(trx, project, token);
      if (!(await updateUser(trx, project.id, userId, { ...column, updated_at: now }))) throw new AppwriteError('user_not_found');
      emit(event('users.[userId].verification.[tokenId].update', project.id, { userId, tokenId: token.id }, { token, secret }));
      return token;
    });
  }

  /** A token whose secret travels in a link to `url`, mailed in the token's transaction. */
  private async mailLink(project: Project, user: UserRow, url: string, req: Requester, kind: MailedLink): Promise<IssuedToken> {
    const secret = randomHex(this.random, kind.secretLength);
    const issued = await this.bus.transaction(async (trx, emit) => {
      const token = await this.issue(trx, project, user, kind.type, secret, kind.ttlSeconds, req);
      const redirect = linkWith(url, { userId: user.id, secret, expire: formatDate(token.token.expire) });
      await this.messaging.queueEmail(trx, project, {
        templateId: kind.templateId,
        locale: req.locale,
        to: { email: user.email!, name: user.name },
        variables: { user: user.name, project: project.name, redirect, team: '' },
      });
      emit(event(kind.event, project.id, { userId: user.id, tokenId: token.token.id }, token));
      return token;
    });
    this.messaging.sendSoon();
    return issued;
  }

  private issue(trx: Executor, project: Project, user: UserRow, type: number, secret: string, ttlSeconds: number, req: Requester): Promise<IssuedToken> {
    return this.tokens.issue({ projectId: project.id, userId: user.id, type, secret, ttlSeconds, ip: req.ip, userAgent: req.userAgent }, trx);
  }

  private async userOrNotFound(project: Project, userId: string): Promise<UserRow> {
    const user = await findUserById(this.db, project.id, userId);
    if (!user) throw new AppwriteError('user_not_found');
    return user;
  }

  private async liveToken(project: Project, userId: string, type: number, secret: string): Promise<TokenRow> {
    const token = await this.tokens.find(this.db, project.id, userId, [type], secret);
    if (!token) throw new AppwriteError('user_invalid_token');
    return token;
  }

  /** Single use: only the transaction whose delete removed the token goes on. */
  private async consume(trx: Executor, project: Project, token: TokenRow): Promise<void> {
    if (!(await this.tokens.consume(trx, project.id, token.id))) throw new AppwriteError('user_invalid_token');
  }
}
