import type { Database } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { Project } from '../projects/projects.ts';
import type { UserRow } from '../users/users.ts';
import type { SessionRow } from '../sessions/sessions.ts';
import type { MessagingService } from '../messaging/messaging.service.ts';
import { AppwriteError } from '../errors/errors.ts';
import { hashSecret, safeEqual } from '../support/secrets.ts';
import { uniqueId } from '../support/ids.ts';
import { consumeChallenge, consumeRecoveryCode, deleteExpiredUserChallenges, findChallenge, insertChallenge } from './mfa.repository.ts';
import { recoveryCodeHash, type MfaService } from './mfa.service.ts';
import { mfaChallengeModel } from './mfa.models.ts';
import { CHALLENGE_TTL_MS, challengeContext, factorAllowed, mfaFactorsPolicy, parseFactor, type ChallengeRow, type MfaFactor } from './mfa.ts';

/** Factors whose code Tessera makes and sends (or, for `custom`, hands to the project's server). */
const SENT_CODE: ReadonlySet<MfaFactor> = new Set(['email', 'phone', 'custom']);

export interface ChallengeRequest {
  project: Project;
  user: UserRow;
  factor: MfaFactor;
  /** The caller's locale, for the message. */
  locale: string;
}

/**
 * MFA challenges: created for a factor (email and phone get a 6-digit code through the outbox),
 * completed with the code, which adds the factor to the session. A challenge, a recovery code and
 * a TOTP step are each consumed by one conditional write, so racing completions succeed once.
 */
export class ChallengesService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private sealer: Sealer,
    private bus: EventBus,
    private messaging: MessagingService,
    private mfa: MfaService,
  ) {}

  async create({ project, user, factor, locale }: ChallengeRequest): Promise<ChallengeRow> {
    assertFactorAllowed(project, factor);
    this.checkDelivery(project, user, factor);
    const now = this.clock.now();
    const id = uniqueId(this.clock, this.random);
    const code = SENT_CODE.has(factor) ? this.sixDigits() : null;
    const row: Omit<ChallengeRow, 'seq'> = {
      project_id: project.id,
      id,
      user_id: user.id,
      type: factor,
      code_hash: code === null ? null : hashSecret(code),
      code_sealed: factor === 'custom' && code !== null ? this.sealer.seal(code, challengeContext(project.id, id)) : null,
      expire: now + CHALLENGE_TTL_MS,
      created_at: now,
    };
    await this.bus.transaction(async (trx, emit) => {
      // A user's dead challenges go when the next one is made, so the table stays small without a sweep.
      await deleteExpiredUserChallenges(trx, project.id, user.id, now);
      await insertChallenge(trx, row);
      if (code !== null) await this.queueCode(trx, { project, user, factor, locale }, code);
      // The payload is the model: the code's hash and sealed copy stay in this process's database.
      emit(event('users.[userId].challenges.[challengeId].create', project.id, { userId: user.id, challengeId: id }, mfaChallengeModel({ ...row, seq: 0 })));
    });
    if (factor === 'email' || factor === 'phone') this.messaging.sendSoon();
    return { ...row, seq: 0 };
  }

  /**
   * PUT /account/mfa/challenges: the code of a live challenge of this user adds the challenge's
   * factor to the session and stamps mfaUpdatedAt. Anything wrong is 401 user_invalid_token and
   * leaves everything as it was (a wrong recovery code consumes nothing).
   */
  async complete(project: Project, user: UserRow, sessionId: string | null, challengeId: string, otp: string): Promise<SessionRow> {
    const challenge = await findChallenge(this.database.db, project.id, user.id, challengeId);
    const now = this.clock.now();
    if (!challenge || challenge.expire <= now) throw new AppwriteError('user_invalid_token');
    const factor = parseFactor(challenge.type);
    if (!factor) throw new AppwriteError('user_invalid_token');
    // The policy of now: disabling a factor also ends its outstanding challenges.
    assertFactorAllowed(project, factor);
    if (!sessionId) throw new AppwriteError('user_session_not_found');
    return this.bus.transaction(async (trx, emit) => {
      if (!(await this.accepts(trx, challenge, factor, otp))) throw new AppwriteError('user_invalid_token');
      if (!(await consumeChallenge(trx, project.id, user.id, challenge.id, now))) throw new AppwriteError('user_invalid_token');
      const session = await this.mfa.addSessionFactors(trx, project.id, user.id, sessionId, [factor], true);
      if (!session) throw new AppwriteError('user_session_not_found');
      // Appwrite names this users.[userId].sessions.[sessionId].create; it is an update of the session.
      emit(event('users.[userId].sessions.[sessionId].update', project.id, { userId: user.id, sessionId }, session));
      return session;
    });
  }

  /** GET /users/{userId}/mfa/challenges/{challengeId}: a live custom challenge with its code. */
  async customCode(projectId: string, userId: string, challengeId: string): Promise<{ challenge: ChallengeRow; code: string }> {
    await this.mfa.user(projectId, userId);
    const challenge = await findChallenge(this.database.db, projectId, userId, challengeId);
    if (!challenge || challenge.type !== 'custom' || challenge.expire <= this.clock.now() || !challenge.code_sealed) {
      throw new AppwriteError('user_invalid_token');
    }
    return { challenge, code: this.sealer.open(challenge.code_sealed, challengeContext(projectId, challengeId)) };
  }

  private async accepts(trx: Executor, challenge: ChallengeRow, factor: MfaFactor, otp: string): Promise<boolean> {
    const { project_id: projectId, user_id: userId } = challenge;
    switch (factor) {
      case 'totp':
        return this.mfa.acceptTotp(trx, projectId, userId, otp);
      case 'recoveryCode':
        return consumeRecoveryCode(trx, projectId, userId, recoveryCodeHash(projectId, userId, otp));
      default:
        return challenge.code_hash !== null && safeEqual(hashSecret(otp), challenge.code_hash);
    }
  }

  /** Appwrite's checks before sending: the channel is configured, then the user has it, verified. */
  private checkDelivery(project: Project, user: UserRow, factor: MfaFactor): void {
    if (factor === 'email') {
      this.messaging.requireEmail(project);
      if (!user.email) throw new AppwriteError('user_email_not_found');
      if (user.email_verification !== 1) throw new AppwriteError('user_email_not_verified');
    } else if (factor === 'phone') {
      // Mock numbers are not used for MFA (Appwrite): a real SMS provider is needed.
      this.messaging.requireSms();
      if (!user.phone) throw new AppwriteError('user_phone_not_found');
      if (user.phone_verification !== 1) throw new AppwriteError('user_phone_not_verified');
    }
  }

  private async queueCode(trx: Executor, { project, user, factor, locale }: ChallengeRequest, code: string): Promise<void> {
    const variables = { user: user.name, project: project.name, otp: code };
    if (factor === 'email') {
      await this.messaging.queueEmail(trx, project, { templateId: 'mfaChallenge', locale, to: { email: user.email!, name: user.name }, variables });
    } else if (factor === 'phone') {
      await this.messaging.queueSms(trx, project, { templateId: 'mfaChallenge', locale, to: user.phone!, variables });
    }
  }

  private sixDigits(): string {
    return String(this.random.int(1_000_000)).padStart(6, '0');
  }
}

function assertFactorAllowed(project: Project, factor: MfaFactor): void {
  if (!factorAllowed(mfaFactorsPolicy(project), factor)) {
    throw new AppwriteError('user_auth_method_unsupported', 'The requested factor is disabled by the MFA factors policy');
  }
}
