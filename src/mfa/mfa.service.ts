import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { Project } from '../projects/projects.ts';
import type { UserRow } from '../users/users.ts';
import type { SessionRow } from '../sessions/sessions.ts';
import { AppwriteError } from '../errors/errors.ts';
import { hashSecret } from '../support/secrets.ts';
import { randomHex, uniqueId } from '../support/ids.ts';
import { findUserById, lockUser, updateUser } from '../users/users.repository.ts';
import { updateSession } from '../sessions/sessions.repository.ts';
import {
  acceptTotpStep,
  deleteAuthenticator,
  deleteRecoveryCodes,
  findAuthenticator,
  hasRecoveryCodes,
  hasVerifiedAuthenticator,
  insertAuthenticator,
  insertRecoveryCodes,
  listRecoveryCodes,
  lockedSessionFactors,
} from './mfa.repository.ts';
import { MFA_RECENT_MS, RECOVERY_CODE_COUNT, RECOVERY_CODE_LENGTH, mfaFactorsPolicy, recoveryContext, totpContext, type AuthenticatorType, type MfaFactors } from './mfa.ts';
import { newTotpSecret, provisioningUri, totpStep } from './totp.ts';

/** The hash a recovery code is found by: salted with its owner, so equal codes of two users differ. */
export const recoveryCodeHash = (projectId: string, userId: string, code: string) => hashSecret(`${projectId}:${userId}:${code}`);

/**
 * Second factors of users: the TOTP authenticator, recovery codes, the MFA switch and the factor
 * list. Challenges are in challenges.service.ts. TOTP seeds and recovery codes are sealed at rest
 * (Appwrite shows them again); recovery codes are also hashed, to be consumed by one DELETE.
 */
export class MfaService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private sealer: Sealer,
    private bus: EventBus,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** The gate asks this only for a user with MFA on and no verified email or phone. */
  hasVerifiedTotp(projectId: string, userId: string): Promise<boolean> {
    return hasVerifiedAuthenticator(this.db, projectId, userId);
  }

  /** MfaFactors of a user; the Users API reports recoveryCode as false, as Appwrite does. */
  async factors(project: Project, user: UserRow, withRecoveryCodes: boolean): Promise<MfaFactors> {
    const policy = mfaFactorsPolicy(project);
    const [totp, recovery] = await Promise.all([
      policy.totp ? hasVerifiedAuthenticator(this.db, project.id, user.id) : false,
      withRecoveryCodes ? hasRecoveryCodes(this.db, project.id, user.id) : false,
    ]);
    return {
      totp,
      email: policy.email && !!user.email && user.email_verification === 1,
      phone: policy.phone && !!user.phone && user.phone_verification === 1,
      recoveryCode: recovery,
      custom: policy.custom,
    };
  }

  async user(projectId: string, userId: string): Promise<UserRow> {
    const user = await findUserById(this.db, projectId, userId);
    if (!user) throw new AppwriteError('user_not_found');
    return user;
  }

  /**
   * PATCH /account/mfa: turning MFA on also adds every factor the user has verified to the session
   * that asked, so that it is not locked out by its own change.
   */
  async updateMfa(projectId: string, userId: string, mfa: boolean, sessionId: string | null): Promise<UserRow> {
    const row = await this.bus.transaction(async (trx, emit) => {
      const user = await updateUser(trx, projectId, userId, { mfa: mfa ? 1 : 0, updated_at: this.clock.now() });
      if (!user) throw new AppwriteError('user_not_found');
      if (mfa && sessionId) {
        const verified: string[] = [];
        if (await hasVerifiedAuthenticator(trx, projectId, userId)) verified.push('totp');
        if (user.email && user.email_verification === 1) verified.push('email');
        if (user.phone && user.phone_verification === 1) verified.push('phone');
        await this.addSessionFactors(trx, projectId, userId, sessionId, verified, false);
      }
      emit(event('users.[userId].update.mfa', projectId, { userId }, user));
      return user;
    });
    return row;
  }

  // Authenticators ----------------------------------------------------------------------------

  /** A new TOTP seed, replacing one never verified; a verified authenticator is 409. */
  async createAuthenticator(project: Project, user: UserRow, type: AuthenticatorType): Promise<{ secret: string; uri: string }> {
    const secret = newTotpSecret(this.random);
    const now = this.clock.now();
    try {
      await this.bus.transaction(async (trx, emit) => {
        // Serialises two creates of one user (PostgreSQL; SQLite writers are serialised already).
        if (this.database.dialect === 'postgres') await lockUser(trx, project.id, user.id);
        const existing = await findAuthenticator(trx, project.id, user.id, type);
        if (existing?.verified === 1) throw new AppwriteError('user_authenticator_already_verified');
        if (existing) await deleteAuthenticator(trx, project.id, user.id, type, true);
        await insertAuthenticator(trx, {
          project_id: project.id,
          id: uniqueId(this.clock, this.random),
          user_id: user.id,
          type,
          verified: 0,
          secret_sealed: this.sealer.seal(secret, totpContext(project.id, user.id)),
          last_step: null,
          created_at: now,
          updated_at: now,
        });
        emit(event('users.[userId].update.mfa', project.id, { userId: user.id }));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('user_authenticator_already_verified');
      throw err;
    }
    return { secret, uri: provisioningUri(secret, project.name, user.email || user.phone || user.id) };
  }

  /** Verifies the new authenticator with a code from it, and adds `totp` to the session that did. */
  async verifyAuthenticator(projectId: string, user: UserRow, type: AuthenticatorType, otp: string, sessionId: string | null): Promise<UserRow> {
    const authenticator = await findAuthenticator(this.db, projectId, user.id, type);
    if (!authenticator) throw new AppwriteError('user_authenticator_not_found');
    if (authenticator.verified === 1) throw new AppwriteError('user_authenticator_already_verified');
    const step = totpStep(this.openSeed(projectId, user.id, authenticator.secret_sealed), otp, this.clock.now());
    if (step === null) throw new AppwriteError('user_invalid_token');
    await this.bus.transaction(async (trx, emit) => {
      if (!(await acceptTotpStep(trx, projectId, authenticator.id, step, true))) throw new AppwriteError('user_invalid_token');
      if (sessionId) await this.addSessionFactors(trx, projectId, user.id, sessionId, ['totp'], false);
      emit(event('users.[userId].update.mfa', projectId, { userId: user.id }));
    });
    return this.user(projectId, user.id);
  }

  async deleteAuthenticator(projectId: string, userId: string, type: AuthenticatorType): Promise<void> {
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deleteAuthenticator(trx, projectId, userId, type))) throw new AppwriteError('user_authenticator_not_found');
      emit(event('users.[userId].delete.mfa', projectId, { userId }));
    });
  }

  /**
   * A TOTP code checked for a challenge: the verified authenticator's code for a step not used
   * before, recorded in `trx` (one conditional UPDATE: a code works once, even under a race).
   */
  async acceptTotp(trx: Executor, projectId: string, userId: string, otp: string): Promise<boolean> {
    const authenticator = await findAuthenticator(trx, projectId, userId, 'totp');
    if (!authenticator || authenticator.verified !== 1) return false;
    const step = totpStep(this.openSeed(projectId, userId, authenticator.secret_sealed), otp, this.clock.now());
    return step !== null && acceptTotpStep(trx, projectId, authenticator.id, step, false);
  }

  private openSeed(projectId: string, userId: string, sealed: string): string {
    return this.sealer.open(sealed, totpContext(projectId, userId));
  }

  // Recovery codes ----------------------------------------------------------------------------

  /** Creates the codes once (409 while any is left); `users` names the Users API event. */
  async createRecoveryCodes(projectId: string, userId: string, via: 'account' | 'users'): Promise<string[]> {
    const codes = this.newRecoveryCodes();
    await this.bus.transaction(async (trx, emit) => {
      await this.lockOwner(trx, projectId, userId);
      if (await hasRecoveryCodes(trx, projectId, userId)) throw new AppwriteError('user_recovery_codes_already_exists');
      await insertRecoveryCodes(trx, this.recoveryRows(projectId, userId, codes));
      emit(event(via === 'users' ? 'users.[userId].create.mfa.recovery-codes' : 'users.[userId].update.mfa', projectId, { userId }));
    });
    return codes;
  }

  /** The codes not used yet, in the order they were made. */
  async recoveryCodes(projectId: string, userId: string): Promise<string[]> {
    const rows = await listRecoveryCodes(this.db, projectId, userId);
    if (rows.length === 0) throw new AppwriteError('user_recovery_codes_not_found');
    return rows.map((r) => this.sealer.open(r.code_sealed, recoveryContext(projectId, userId)));
  }

  /** A new set replacing the old one (404 when there is none). */
  async regenerateRecoveryCodes(projectId: string, userId: string, via: 'account' | 'users'): Promise<string[]> {
    const codes = this.newRecoveryCodes();
    await this.bus.transaction(async (trx, emit) => {
      await this.lockOwner(trx, projectId, userId);
      if ((await deleteRecoveryCodes(trx, projectId, userId)) === 0) throw new AppwriteError('user_recovery_codes_not_found');
      await insertRecoveryCodes(trx, this.recoveryRows(projectId, userId, codes));
      emit(event(via === 'users' ? 'users.[userId].update.mfa.recovery-codes' : 'users.[userId].update.mfa', projectId, { userId }));
    });
    return codes;
  }

  private async lockOwner(trx: Executor, projectId: string, userId: string) {
    if (this.database.dialect === 'postgres') await lockUser(trx, projectId, userId);
    if (!(await findUserById(trx, projectId, userId))) throw new AppwriteError('user_not_found');
  }

  private newRecoveryCodes(): string[] {
    const codes = new Set<string>();
    while (codes.size < RECOVERY_CODE_COUNT) codes.add(randomHex(this.random, RECOVERY_CODE_LENGTH));
    return [...codes];
  }

  private recoveryRows(projectId: string, userId: string, codes: string[]) {
    const now = this.clock.now();
    return codes.map((code) => ({
      project_id: projectId,
      user_id: userId,
      code_hash: recoveryCodeHash(projectId, userId, code),
      code_sealed: this.sealer.seal(code, recoveryContext(projectId, userId)),
      created_at: now,
    }));
  }

  // Sessions ----------------------------------------------------------------------------------

  /**
   * Adds factors to a session (deduplicated), and with `challenged` stamps mfaUpdatedAt: the
   * caller's transaction emits an event about the user, which drops the cached session everywhere.
   */
  async addSessionFactors(trx: Executor, projectId: string, userId: string, sessionId: string, add: string[], challenged: boolean): Promise<SessionRow | undefined> {
    const stored = await lockedSessionFactors(trx, this.database.dialect, projectId, userId, sessionId);
    if (stored === undefined) return undefined;
    const factors = [...new Set([...(JSON.parse(stored) as string[]), ...add])];
    const now = this.clock.now();
    return updateSession(trx, projectId, sessionId, { factors: JSON.stringify(factors), updated_at: now, ...(challenged ? { mfa_updated_at: now } : {}) });
  }

  /** "Recent MFA" routes: a challenge completed on this session within the last 30 minutes. */
  assertRecentMfa(session: SessionRow | null): void {
    const at = session?.mfa_updated_at;
    if (at === null || at === undefined || this.clock.now() - at > MFA_RECENT_MS) throw new AppwriteError('user_challenge_required');
  }
}
