import type { Selectable } from 'kysely';
import type { MfaAuthenticatorsTable, MfaChallengesTable, MfaRecoveryCodesTable } from '../db/schema.ts';
import type { AuthSettings, Project } from '../projects/projects.ts';

export type AuthenticatorRow = Selectable<MfaAuthenticatorsTable>;
export type RecoveryCodeRow = Selectable<MfaRecoveryCodesTable>;
export type ChallengeRow = Selectable<MfaChallengesTable>;

/** Appwrite's factor names (Auth/MFA/Type.php). */
export const MFA_FACTORS = ['email', 'phone', 'totp', 'recoveryCode', 'custom'] as const;
export type MfaFactor = (typeof MFA_FACTORS)[number];

/** Authenticator types a user can add (only TOTP in Appwrite). */
export const AUTHENTICATOR_TYPES = ['totp'] as const;
export type AuthenticatorType = (typeof AUTHENTICATOR_TYPES)[number];

/** A challenge lives an hour (TOKEN_EXPIRATION_CONFIRM). */
export const CHALLENGE_TTL_MS = 3_600_000;
/** Routes that show or change second factors want a challenge completed this recently (MFA_RECENT_DURATION). */
export const MFA_RECENT_MS = 1_800_000;
/** Six codes of ten lowercase hex characters (Type::generateBackupCodes). */
export const RECOVERY_CODE_COUNT = 6;
export const RECOVERY_CODE_LENGTH = 10;

/**
 * TOTP as spomky-labs/otphp's defaults (6 digits, 30 s, SHA1; 64 random bytes of seed). Appwrite
 * accepts the current code only; Tessera also accepts the previous and next step (clock drift, a code
 * typed at the turn of the period), and each step's code once.
 */
export const TOTP_PARAMS = { digits: 6, period: 30, algorithm: 'SHA1', secretBytes: 64, window: 1 } as const;

/** Which second factors the project allows (Appwrite's `auths.mfaFactors`; recovery codes always). */
export interface MfaFactorsPolicy {
  totp: boolean;
  email: boolean;
  phone: boolean;
  custom: boolean;
}

export const DEFAULT_MFA_FACTORS: MfaFactorsPolicy = { totp: true, email: true, phone: true, custom: false };

/** The MFA factor policy stored in a project's auths; a project that never set one has Appwrite's defaults. */
export function mfaFactorsOf(auths: AuthSettings): MfaFactorsPolicy {
  const stored = (auths as { mfaFactors?: Partial<MfaFactorsPolicy> }).mfaFactors;
  return { ...DEFAULT_MFA_FACTORS, ...(stored ?? {}) };
}

/** The project's MFA factor policy. */
export function mfaFactorsPolicy(project: Project): MfaFactorsPolicy {
  return mfaFactorsOf(project.settings.auths);
}

export function factorAllowed(policy: MfaFactorsPolicy, factor: MfaFactor): boolean {
  return factor === 'recoveryCode' ? true : policy[factor];
}

/**
 * The factor a client named, case-insensitively: SDK 27's enum sends `recoverycode` where Appwrite's
 * server compares with `recoveryCode` (and so fails); Tessera accepts both.
 */
export function parseFactor(value: string): MfaFactor | null {
  const lower = value.toLowerCase();
  return MFA_FACTORS.find((f) => f.toLowerCase() === lower) ?? null;
}

/** Sealing contexts: a sealed value copied to another user's row will not open. */
export const totpContext = (projectId: string, userId: string) => `mfa-totp:${projectId}:${userId}`;
export const recoveryContext = (projectId: string, userId: string) => `mfa-recovery:${projectId}:${userId}`;
export const challengeContext = (projectId: string, challengeId: string) => `mfa-challenge:${projectId}:${challengeId}`;

/** What the factor list reports (MfaFactors model). */
export interface MfaFactors {
  totp: boolean;
  email: boolean;
  phone: boolean;
  recoveryCode: boolean;
  custom: boolean;
}
