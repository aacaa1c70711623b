import { SignJWT, jwtVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import type { UserRow } from '../users/users.ts';
import { AppwriteError } from '../errors/errors.ts';
import { hashSecret } from '../support/secrets.ts';
import { roleSubjectOf, rolesOf } from '../users/roles.ts';
import { JwtKeyring } from './jwt-keyring.ts';
import { MAX_JWT_AGE_S, type AccountJwtClaims, type MembershipsOf, type PublicJwk } from './jwt.ts';

export type { AccountJwtClaims } from './jwt.ts';

/** How many verified tokens each process remembers (about 300 bytes each). */
const VERIFIED_CACHE_ENTRIES = 20_000;
/** How stale the published key set may be; requests for it within this time share one read. */
const JWKS_FRESH_MS = 5_000;

export interface JwtServiceOptions {
  /** The server's public URL (TESSERA_PUBLIC_URL); the issuer is `<publicUrl>/v1`. */
  publicUrl: string;
  /** A user's team memberships for the `roles` claim; none until the teams feature provides them. */
  membershipsOf?: MembershipsOf;
}

/** What of a user a JWT's claims need. */
export type JwtSubject = Pick<UserRow, 'id' | 'email_verification' | 'phone_verification' | 'labels'>;

interface Verified {
  claims: AccountJwtClaims;
  expS: number;
}

/**
 * Account JWTs signed with Ed25519 (EdDSA) keys from the shared keyring, so any backend can verify
 * them offline against GET /v1/.well-known/jwks.json. Claims: Appwrite's `userId`, `sessionId`, `exp`,
 * plus `iss`, `aud` (the project), `sub`, `sid`, `iat`, `roles`; the header names the key (`kid`).
 * A verified token is remembered by its hash until it expires, so a request carrying it again costs
 * a hash and a map look-up rather than a signature check.
 */
export class JwtService {
  readonly keyring: JwtKeyring;
  readonly issuer: string;
  private membershipsOf: MembershipsOf;
  private verified = new Map<string, Verified>();

  constructor(
    db: Db,
    private clock: Clock,
    sealer: Sealer,
    opts: JwtServiceOptions,
  ) {
    this.keyring = new JwtKeyring(db, clock, sealer);
    this.issuer = `${opts.publicUrl.replace(/\/+$/, '')}/v1`;
    this.membershipsOf = opts.membershipsOf ?? (async () => []);
  }

  async init(): Promise<void> {
    await this.keyring.load();
  }

  /** Sets where memberships come from (the composition root wires the teams repository here). */
  useMemberships(membershipsOf: MembershipsOf): void {
    this.membershipsOf = membershipsOf;
  }

  get jwksUri(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keyring.jwks() };
  }

  /** The JWKS as the database holds it now, give or take JWKS_FRESH_MS (another process may have rotated). */
  async currentJwks(): Promise<{ keys: PublicJwk[] }> {
    await this.keyring.refresh(JWKS_FRESH_MS);
    return this.jwks();
  }

  async sign(input: { user: JwtSubject; sessionId: string; projectId: string }, durationSeconds: number): Promise<string> {
    const { user, sessionId, projectId } = input;
    const nowS = Math.floor(this.clock.now() / 1000);
    const roles = rolesOf(roleSubjectOf(user), await this.membershipsOf(projectId, user.id));
    const { kid, key } = await this.keyring.signingKey();
    // `sid` only when the JWT stands for a session (OpenID's session id claim).
    const payload = sessionId ? { userId: user.id, sessionId, sid: sessionId, roles } : { userId: user.id, sessionId, roles };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid })
      .setIssuer(this.issuer)
      .setAudience(projectId)
      .setSubject(user.id)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + durationSeconds)
      .sign(key);
  }

  /**
   * The claims of a token this process verified before and that has not expired, synchronously;
   * undefined otherwise (verify it). Throws for a token of another project.
   */
  peek(token: string, projectId: string): AccountJwtClaims | undefined {
    const hash = hashSecret(token);
    const hit = this.verified.get(hash);
    if (!hit) return undefined;
    if (Math.floor(this.clock.now() / 1000) >= hit.expS) {
      this.verified.delete(hash);
      return undefined;
    }
    if (hit.claims.projectId !== projectId) throw invalidJwt('Project mismatch');
    return hit.claims;
  }

  /**
   * Verifies signature, expiry and audience; 401 user_jwt_invalid otherwise, with the reason worded as
   * Appwrite's JWT library words it ("Failed to verify JWT. Invalid token: Expired").
   */
  async verify(token: string, projectId: string): Promise<AccountJwtClaims> {
    const known = this.peek(token, projectId);
    if (known) return known;
    const malformed = headerProblem(token);
    if (malformed) throw invalidJwt(malformed);
    const kid = decodeProtectedHeader(token).kid;
    const key = typeof kid === 'string' ? (this.keyring.publicKey(kid) ?? (await this.keyring.publicKeyAfterReload(kid))) : undefined;
    if (!key) throw invalidJwt('Signature failed');
    const nowS = Math.floor(this.clock.now() / 1000);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], currentDate: new Date(nowS * 1000), clockTolerance: 0 }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw invalidJwt('Expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') throw invalidJwt('Not now');
      throw invalidJwt('Signature failed');
    }
    const claims = claimsOf(payload, nowS);
    // Tessera's own addition: a JWT of another project never acts here.
    if (claims.projectId !== projectId) throw invalidJwt('Project mismatch');
    this.remember(hashSecret(token), { claims, expS: payload.exp as number });
    return claims;
  }

  private remember(hash: string, entry: Verified) {
    if (this.verified.size >= VERIFIED_CACHE_ENTRIES) {
      // Oldest insertion first (Map order): the cache only saves signature checks, any loss is cheap.
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(hash, entry);
  }
}

function claimsOf(payload: Record<string, unknown>, nowS: number): AccountJwtClaims {
  // An `iat` older than the longest lifetime is expired; one slightly ahead (another process's
  // clock) is not refused, as Appwrite checks only the age.
  if (typeof payload.iat === 'number' && nowS >= payload.iat + MAX_JWT_AGE_S) throw invalidJwt('Expired');
  if (typeof payload.exp !== 'number') throw invalidJwt('Expired');
  if (typeof payload.userId !== 'string') throw invalidJwt('Missing userId');
  const aud = payload.aud;
  return {
    userId: payload.userId,
    sessionId: typeof payload.sessionId === 'string' ? payload.sessionId : '',
    projectId: typeof aud === 'string' ? aud : '',
  };
}

/** Algorithms Appwrite's JWT library knows, and Tessera's EdDSA; any other header `alg` is "Unsupported header algo". */
const KNOWN_ALGS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'EdDSA']);

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
