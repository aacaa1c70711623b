import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Db } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import { AppwriteError } from '../errors/errors.ts';
import { loadSealedSetting } from './jwt.repository.ts';

export interface AccountJwtClaims {
  userId: string;
  sessionId: string;
  projectId: string;
}

const MAX_AGE_S = 3600;

/**
 * Account JWTs: HS256 with payload {userId, sessionId, exp} as Appwrite, plus projectId so that a
 * JWT of one project can never act in another. The key is the operator's (TESSERA_JWT_SECRET or
 * TESSERA_JWT_SECRET_FILE), else shared by every process through the database (server_settings),
 * created once on first start and sealed under the server key.
 */
export class JwtService {
  private key: Uint8Array | null = null;

  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private sealer: Sealer,
    private configuredSecret: string | null,
  ) {}

  async init(): Promise<void> {
    if (this.configuredSecret) {
      this.key = new TextEncoder().encode(this.configuredSecret);
      return;
    }
    const secret = await loadSealedSetting(this.db, this.sealer, 'jwt_secret', () => this.random.bytes(64).toString('hex'));
    this.key = new TextEncoder().encode(secret);
  }

  async sign(claims: AccountJwtClaims, durationSeconds: number): Promise<string> {
    const nowS = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ userId: claims.userId, sessionId: claims.sessionId, projectId: claims.projectId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + durationSeconds)
      .sign(this.requireKey());
  }

  /**
   * Verifies signature and expiry; 401 user_jwt_invalid otherwise, with the reason worded as
   * Appwrite's JWT library words it ("Failed to verify JWT. Invalid token: Expired").
   */
  async verify(token: string, projectId: string): Promise<AccountJwtClaims> {
    const malformed = headerProblem(token);
    if (malformed) throw invalidJwt(malformed);
    const nowS = Math.floor(this.clock.now() / 1000);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.requireKey(), { algorithms: ['HS256'], currentDate: new Date(nowS * 1000), clockTolerance: 0 }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw invalidJwt('Expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') throw invalidJwt('Not now');
      throw invalidJwt('Signature failed');
    }
    // An `iat` older than the longest lifetime is expired; one slightly ahead (another process's
    // clock) is not refused, as Appwrite checks only the age.
    if (typeof payload.iat === 'number' && nowS >= payload.iat + MAX_AGE_S) throw invalidJwt('Expired');
    if (typeof payload.userId !== 'string') throw invalidJwt('Missing userId');
    // Tessera's own addition: a JWT of another project never acts here.
    if (payload.projectId !== projectId) throw invalidJwt('Project mismatch');
    return { userId: payload.userId, sessionId: typeof payload.sessionId === 'string' ? payload.sessionId : '', projectId };
  }

  private requireKey(): Uint8Array {
    if (!this.key) throw new Error('JwtService.init() was not called');
    return this.key;
  }
}

/** Algorithms Appwrite's JWT library knows; any other header `alg` is "Unsupported header algo". */
const KNOWN_ALGS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512']);

/** The checks made before the signature, in the same order: segments, then the header's algorithm. */
function headerProblem(token: string): string | null {
  if (token.split('.').length < 3) return 'Incomplete segments';
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    header = null;
  }
  const alg = header && typeof header === 'object' ? (header as Record<string, unknown>).alg : undefined;
  if (!alg) return 'Missing header algo';
  if (typeof alg !== 'string' || !KNOWN_ALGS.has(alg)) return 'Unsupported header algo';
  return null;
}

function invalidJwt(reason: string): AppwriteError {
  return new AppwriteError('user_jwt_invalid', `Failed to verify JWT. Invalid token: ${reason}`);
}
