import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Db } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import { AppwriteError } from '../http/errors.ts';

export interface AccountJwtClaims {
  userId: string;
  sessionId: string;
  projectId: string;
}

const MAX_AGE_S = 3600;

/**
 * Account JWTs: HS256 with payload {userId, sessionId, exp} as Appwrite, plus projectId so that a
 * JWT of one project can never act in another. The key is shared by every process through the
 * database (server_settings), created once on first start.
 */
export class JwtService {
  private key: Uint8Array | null = null;

  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private configuredSecret: string | null,
  ) {}

  async init(): Promise<void> {
    if (this.configuredSecret) {
      this.key = new TextEncoder().encode(this.configuredSecret);
      return;
    }
    const fresh = this.random.bytes(64).toString('hex');
    await this.db.insertInto('server_settings').values({ name: 'jwt_secret', value: fresh }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const row = await this.db.selectFrom('server_settings').select('value').where('name', '=', 'jwt_secret').executeTakeFirstOrThrow();
    this.key = new TextEncoder().encode(row.value);
  }

  async sign(claims: AccountJwtClaims, durationSeconds: number): Promise<string> {
    const nowS = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ userId: claims.userId, sessionId: claims.sessionId, projectId: claims.projectId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + durationSeconds)
      .sign(this.requireKey());
  }

  /** Verifies signature and expiry; 401 user_jwt_invalid otherwise. */
  async verify(token: string, projectId: string): Promise<AccountJwtClaims> {
    try {
      const { payload } = await jwtVerify(token, this.requireKey(), {
        algorithms: ['HS256'],
        currentDate: new Date(this.clock.now()),
        maxTokenAge: MAX_AGE_S,
        clockTolerance: 0,
      });
      if (typeof payload.userId !== 'string' || payload.projectId !== projectId) throw new Error('claims');
      return { userId: payload.userId, sessionId: typeof payload.sessionId === 'string' ? payload.sessionId : '', projectId };
    } catch (err) {
      const reason = err instanceof joseErrors.JWTExpired ? 'Expired token.' : 'Invalid token.';
      throw new AppwriteError('user_jwt_invalid', `Failed to verify JWT. ${reason}`);
    }
  }

  private requireKey(): Uint8Array {
    if (!this.key) throw new Error('JwtService.init() was not called');
    return this.key;
  }
}
