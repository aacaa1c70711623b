import type { Membership } from '../users/roles.ts';

/** What an account JWT stands for once verified. */
export interface AccountJwtClaims {
  userId: string;
  /** '' for a JWT bound to no session (users.createJWT for a user without sessions). */
  sessionId: string;
  projectId: string;
}

/** One signing key as stored (sealed) in server_settings. */
export interface StoredSigningKey {
  kid: string;
  alg: 'EdDSA';
  /** The private key as a JWK (OKP, Ed25519). */
  privateJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string };
  createdAt: number;
  /** When a newer key replaced it; it still verifies until RETIRED_KEY_KEPT_MS after that. */
  retiredAt: number | null;
}

export interface StoredKeyring {
  keys: StoredSigningKey[];
}

/** A public key as GET /.well-known/jwks.json publishes it. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** A user's team memberships, for the `roles` claim (the teams repository provides it). */
export type MembershipsOf = (projectId: string, userId: string) => Promise<readonly Membership[]>;

/** Longest lifetime of an account JWT (Appwrite's `duration` param: 0 to 3600 s). */
export const MAX_JWT_AGE_S = 3600;
