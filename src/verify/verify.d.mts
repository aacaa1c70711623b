// Types for verify.mjs (tessera/verify).
import type { JWTPayload } from 'jose';

/** The claims of a verified Tessera account JWT. */
export interface TesseraClaims extends JWTPayload {
  /** Appwrite's claims. */
  userId: string;
  sessionId: string;
  exp: number;
  /** The project (audience), the user (subject) and, for a JWT bound to a session, its id. */
  aud: string;
  sub: string;
  sid?: string;
  iat: number;
  iss: string;
  /** Appwrite permission roles: any, users, users/verified|unverified, user:ID[/…], team:ID[/ROLE], member:ID, label:NAME. */
  roles: string[];
}

export interface VerifierOptions {
  /** Tessera's API base, e.g. https://auth.example.com/v1. */
  endpoint: string;
  /** The project whose tokens are accepted (the `aud` claim). */
  projectId: string;
  /** Expected `iss`; defaults to `endpoint` (Tessera's TESSERA_PUBLIC_URL + /v1); null skips the check. */
  issuer?: string | null;
  timeoutMs?: number;
  /** Least time between two key-set fetches for unknown kids (default 30 s). */
  cooldownMs?: number;
  /** How long a fetched key set is used before it is fetched again (default 10 min). */
  cacheMaxAgeMs?: number;
  clockToleranceSeconds?: number;
  /** The current time (tests). */
  currentDate?: () => Date;
}

export interface Verifier {
  /** Resolves to the claims, or rejects with JwtVerificationError. */
  verify(token: string): Promise<TesseraClaims>;
  /** Verifies `Authorization: Bearer <token>` of a request (`headers` as Node's or as fetch's Headers). */
  verifyRequest(req: { headers: Record<string, string | string[] | undefined> | { get(name: string): string | null } }): Promise<TesseraClaims>;
}

export class JwtVerificationError extends Error {
  readonly reason: 'missing' | 'expired' | 'invalid';
  readonly status: 401;
}

export function createVerifier(options: VerifierOptions): Verifier;
export function bearerToken(header: string | null | undefined): string;
export function parsePermission(permission: string): { action: 'read' | 'create' | 'update' | 'delete' | 'write' | null; role: string };
export function can(claims: Pick<TesseraClaims, 'roles'>, permissions: string | readonly string[], action?: 'read' | 'create' | 'update' | 'delete'): boolean;
