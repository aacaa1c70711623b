import type { Clock } from '../support/clock.ts';
import type { EventActor } from '../events/events.ts';
import type { Project } from '../projects/projects.ts';
import { AppwriteError } from '../errors/errors.ts';
import { hashPassword, verifyPassword, type StoredPassword } from '../passwords/passwords.ts';
import { checkPasswordStrength } from '../passwords/password-policy.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { hashColumns, storedPassword, type UserRow } from '../users/users.ts';

/** The signed-in user's own account: sign-up and the changes that need the current password. Logins are in sessions/logins.service.ts. */
/** Whether an identity of another user (than the one given) holds this provider e-mail. */
export type IdentityEmailCheck = (projectId: string, email: string, exceptUserId?: string) => Promise<boolean>;

export class AccountsService {
  constructor(
    private clock: Clock,
    private users: UsersService,
    private sessions: SessionsService,
    private identityHoldsEmail: IdentityEmailCheck = async () => false,
  ) {}

  /** POST /account: a new user with email and password; no session. */
  async create(project: Project, input: { userId: string; email: string; password: string; name?: string; actor?: EventActor }): Promise<UserRow> {
    // Appwrite's strength policy is part of the `password` param validator, so it answers before the user limit.
    checkPasswordStrength(project.settings.auths, input.password);
    await this.users.assertUserLimit(project);
    if (await this.identityHoldsEmail(project.id, input.email.toLowerCase())) throw new AppwriteError('general_bad_request');
    return this.users.create(project, { ...input, accessed: true, userLimit: project.settings.auths.limit });
  }

  /**
   * PATCH /account/password, in Appwrite's order: the strength policy (a param validator), the old
   * password once one was ever set, then history before personal data (the Users API checks those
   * the other way round). Other sessions end when invalidation is on.
   */
  async updatePassword(project: Project, user: UserRow, currentSessionId: string | null, password: string, oldPassword: string | undefined, actor?: EventActor): Promise<UserRow> {
    const auths = project.settings.auths;
    checkPasswordStrength(auths, password);
    if (user.password_update !== null && !(await this.matches(storedPassword(user), oldPassword ?? ''))) throw new AppwriteError('user_invalid_credentials');
    const row = await this.users.update(project.id, user.id, await this.users.newPassword(project, user, password, 'account'), 'users.[userId].update.password', undefined, actor);
    // As Appwrite: only a request with its own session (not a JWT) ends the other sessions.
    if (auths.invalidateSessions && currentSessionId) await this.sessions.deleteAll(project.id, user.id, currentSessionId, actor);
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
  async updateContact(project: Project, user: UserRow, field: 'email' | 'phone', value: string, password: string, actor?: EventActor): Promise<UserRow> {
    // Appwrite keys this on passwordUpdate alone: a cleared password (never 8+ chars) still guards the change.
    const hasPassword = user.password_update !== null;
    if (hasPassword && !(await this.matches(storedPassword(user), password))) throw new AppwriteError('user_invalid_credentials');
    if (field === 'email' && (await this.identityHoldsEmail(project.id, value.toLowerCase(), user.id))) throw new AppwriteError('general_bad_request');
    const changes: Record<string, unknown> =
      field === 'email' ? { email: value.toLowerCase(), email_verification: 0 } : { phone: value, phone_verification: 0 };
    // The first password comes without policy checks and without a history entry, as in Appwrite.
    if (!hasPassword) Object.assign(changes, { ...hashColumns(await hashPassword(password)), password_update: this.clock.now() });
    // A value held by any messaging target is 409 user_target_already_exists (users.update); a clash
    // on the users table alone (the other user's target was deleted) is what Appwrite answers here.
    return this.users.update(project.id, user.id, changes, field === 'email' ? 'users.[userId].update.email' : 'users.[userId].update.phone', field === 'email' ? 'general_bad_request' : 'user_phone_already_exists', actor);
  }
}
