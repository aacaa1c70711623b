import type { Project } from '../projects/projects.ts';
import type { UserRow } from '../users/users.ts';
import type { UsersService } from '../users/users.service.ts';
import type { JwtService } from '../jwt/jwt.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { ClientInfo, LoginsService } from '../sessions/logins.service.ts';
import { AppwriteError } from '../errors/errors.ts';

/** Lifetime of the JWT a one-call login returns unless the caller asks for another (Appwrite's createJWT default). */
export const LOCAL_JWT_SECONDS = 900;

export interface LocalLogin {
  jwt: string;
  user: UserRow;
  sessionId: string;
}

/**
 * One-call login for low-code tools (Strapi's POST /auth/local shape): the email/password login,
 * with its checks, then a JWT for the new session. A user whose MFA needs a second factor cannot
 * finish here (a JWT carries no factors), so the session is ended again and the login refused.
 */
export class LocalAuthService {
  constructor(
    private logins: LoginsService,
    private sessions: SessionsService,
    private users: UsersService,
    private jwt: JwtService,
  ) {}

  async login(project: Project, identifier: string, password: string, durationSeconds: number, client: ClientInfo): Promise<LocalLogin> {
    const { session } = await this.logins.createEmailPasswordSession(project, identifier, password, client);
    const user = await this.users.get(project.id, session.user_id);
    if (needsMoreFactors(user, JSON.parse(session.factors) as string[])) {
      await this.sessions.delete(project.id, user.id, session.id);
      throw new AppwriteError(
        'user_more_factors_required',
        'More factors are required to complete the sign in process. This account uses multi-factor authentication: sign in with an Appwrite SDK (createEmailPasswordSession, then the MFA challenge) and call account.createJWT.',
      );
    }
    const jwt = await this.jwt.sign({ user, sessionId: session.id, projectId: project.id }, durationSeconds);
    return { jwt, user, sessionId: session.id };
  }

  /** Ends the session behind the JWT (or the session) that authenticated the logout. */
  async logout(projectId: string, userId: string, sessionId: string): Promise<void> {
    await this.sessions.delete(projectId, userId, sessionId);
  }
}

/** The gate's MFA rule (http/gate.ts lacksFactors): with MFA on and a verified factor, two factors are needed. */
function needsMoreFactors(user: UserRow, factors: readonly string[]): boolean {
  if (user.mfa !== 1) return false;
  const required = user.email_verification === 1 || user.phone_verification === 1 ? 2 : 1;
  return factors.length < required;
}
