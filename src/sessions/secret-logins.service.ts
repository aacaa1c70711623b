import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import { formatDate } from '../support/clock.ts';
import type { Project } from '../projects/projects.ts';
import { AppwriteError } from '../errors/errors.ts';
import { randomHex, resolveId } from '../support/ids.ts';
import type { EventBus, Emit } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { MessagingService } from '../messaging/messaging.service.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { TokensService, IssuedToken } from '../tokens/tokens.service.ts';
import { otpCode, TOKEN_SECRET_LENGTH, TOKEN_TTL_S, TOKEN_TYPE } from '../tokens/tokens.ts';
import type { UsersService } from '../users/users.service.ts';
import { assertUnderUserLimit } from '../policies/user-limit.ts';
import { insertUser } from '../users/users.repository.ts';
import type { UserRow } from '../users/users.ts';
import { linkWith } from '../platforms/redirects.ts';
import type { ClientInfo } from './logins.service.ts';
import { findUserByContact } from './secret-logins.repository.ts';
import { securityPhrase } from './security-phrase.ts';

/** What a token request names: the user to create for a new contact, and how the request came. */
export interface SecretRequest extends ClientInfo {
  userId: string;
  locale: string;
}

export interface IssuedLoginToken extends IssuedToken {
  /** Set for phone tokens sent to a project's mock number: no SMS went out. */
  mock?: boolean;
}

type Contact = { field: 'email'; value: string; addTarget: boolean } | { field: 'phone'; value: string; addTarget: true };

/**
 * The first half of the passwordless logins: a secret sent by mail (magic URL, email OTP) or SMS
 * (phone OTP), later exchanged for a session by LoginsService.createSessionFromToken. An unknown
 * email or phone gets a new user with the given id (an existing user's is ignored), so the answer
 * never tells whether an account existed; both branches cost one lookup and one transaction.
 * The token, a new user and the message are written in one transaction: no mail without its token.
 */
export class SecretLoginsService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private users: Pick<UsersService, 'assertUserLimit'>,
    private tokens: TokensService,
    private targets: Pick<TargetsService, 'addContactTargetsIn'>,
    private messaging: MessagingService,
    private bus: EventBus,
  ) {}

  /** POST /account/tokens/magic-url: a 64-hex secret in a link to `url`, valid an hour. */
  async createMagicUrlToken(project: Project, req: SecretRequest & { email: string; url: string; phrase: boolean }): Promise<IssuedToken> {
    this.messaging.requireEmail(project);
    const phrase = req.phrase ? securityPhrase(this.random) : '';
    const secret = randomHex(this.random, TOKEN_SECRET_LENGTH.magicUrl);
    // As Appwrite, a user created by a magic URL gets no email target (an email OTP sign-up does).
    const contact: Contact = { field: 'email', value: req.email.toLowerCase(), addTarget: false };
    const issued = await this.issueFor(project, contact, req, async (trx, user, token) => {
      const expire = formatDate(token.token.expire);
      const redirect = linkWith(req.url, { userId: user.id, secret, expire, project: project.id });
      await this.messaging.queueEmail(trx, project, {
        templateId: 'magicSession',
        locale: req.locale,
        to: { email: user.email!, name: user.name },
        variables: { user: user.name, project: project.name, redirect, phrase, team: '' },
      });
    }, { type: TOKEN_TYPE.magicUrl, secret, ttl: TOKEN_TTL_S.confirm, phrase });
    this.messaging.sendSoon();
    return issued;
  }

  /** POST /account/tokens/email: a 6-digit code by mail, valid 15 minutes. */
  async createEmailToken(project: Project, req: SecretRequest & { email: string; phrase: boolean }): Promise<IssuedToken> {
    this.messaging.requireEmail(project);
    const phrase = req.phrase ? securityPhrase(this.random) : '';
    const secret = otpCode(this.random);
    const contact: Contact = { field: 'email', value: req.email.toLowerCase(), addTarget: true };
    const issued = await this.issueFor(project, contact, req, async (trx, user) => {
      await this.messaging.queueEmail(trx, project, {
        templateId: 'otpSession',
        locale: req.locale,
        to: { email: user.email!, name: user.name },
        variables: { user: user.name, project: project.name, otp: secret, phrase, team: '' },
      });
    }, { type: TOKEN_TYPE.email, secret, ttl: TOKEN_TTL_S.otp, phrase });
    this.messaging.sendSoon();
    return issued;
  }

  /**
   * POST /account/tokens/phone: a 6-digit code by SMS, valid 15 minutes. A project's mock number
   * gets its fixed code and no SMS, and needs no SMS provider (Tessera's contract; Appwrite asks for
   * a provider even then).
   */
  async createPhoneToken(project: Project, req: SecretRequest & { phone: string }): Promise<IssuedLoginToken> {
    const mock = await this.messaging.mockOtp(project.id, req.phone);
    if (mock === null) this.messaging.requireSms();
    const secret = mock ?? otpCode(this.random);
    const contact: Contact = { field: 'phone', value: req.phone, addTarget: true };
    const issued = await this.issueFor(project, contact, req, async (trx) => {
      if (mock !== null) return;
      await this.messaging.queueSms(trx, project, {
        templateId: 'login',
        locale: req.locale,
        to: req.phone,
        // Appwrite's SMS text names the code {{secret}}; `otp` as in the mail templates.
        variables: { project: project.name, secret, otp: secret },
      });
    }, { type: TOKEN_TYPE.phone, secret, ttl: TOKEN_TTL_S.otp, phrase: '' });
    if (mock === null) this.messaging.sendSoon();
    return { ...issued, mock: mock !== null };
  }

  /**
   * The contact's user (created when new), the token and the message in one transaction. Two
   * requests racing to create the same new user: the loser's insert clashes, and it runs again
   * against the user the winner created. A clash on the id alone is 409 user_already_exists.
   */
  private async issueFor(
    project: Project,
    contact: Contact,
    req: SecretRequest,
    queue: (trx: Executor, user: UserRow, token: IssuedToken) => Promise<void>,
    spec: { type: number; secret: string; ttl: number; phrase: string },
  ): Promise<IssuedToken> {
    for (let attempt = 0; ; attempt++) {
      const existing = await findUserByContact(this.database.db, project.id, contact.field, contact.value);
      if (!existing) await this.users.assertUserLimit(project);
      try {
        return await this.bus.transaction(async (trx, emit) => {
          const user = existing ?? (await this.createUser(trx, emit, project, contact, req.userId));
          const input = { projectId: project.id, userId: user.id, type: spec.type, secret: spec.secret, ttlSeconds: spec.ttl, ip: req.ip, userAgent: req.userAgent, phrase: spec.phrase };
          const token = await this.tokens.issue(input, trx);
          await queue(trx, user, token);
          return token;
        });
      } catch (err) {
        if (!isUniqueViolation(err) || existing) throw err;
        const now = await findUserByContact(this.database.db, project.id, contact.field, contact.value);
        if (!now || attempt > 0) throw new AppwriteError('user_already_exists');
      }
    }
  }

  private async createUser(trx: Executor, emit: Emit, project: Project, contact: Contact, userId: string): Promise<UserRow> {
    const id = resolveId(userId, this.clock, this.random);
    const email = contact.field === 'email' ? contact.value : null;
    const phone = contact.field === 'phone' ? contact.value : null;
    await assertUnderUserLimit(trx, this.database.dialect, project.id, project.settings.auths.limit);
    const row = await insertUser(trx, project.id, { id, email, phone, name: '', password: null, passwordSet: false, accessed: true }, this.clock.now());
    if (contact.addTarget) await this.targets.addContactTargetsIn(trx, row);
    emit(event('users.[userId].create', project.id, { userId: id }, row));
    return row;
  }
}
