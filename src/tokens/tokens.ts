import type { Selectable } from 'kysely';
import type { TokensTable } from '../db/schema.ts';

export type TokenRow = Selectable<TokensTable>;

/** Appwrite's token type numbers. */
export const TOKEN_TYPE = {
  verification: 2,
  recovery: 3,
  magicUrl: 5,
  phone: 6,
  oauth2: 7,
  generic: 8,
  email: 9,
} as const;

/** Token types `POST /account/sessions/token` accepts. */
export const SESSION_TOKEN_TYPE_SET: readonly number[] = [TOKEN_TYPE.magicUrl, TOKEN_TYPE.phone, TOKEN_TYPE.oauth2, TOKEN_TYPE.generic, TOKEN_TYPE.email];

/** How long each flow's token lives, in seconds (Appwrite's TOKEN_EXPIRATION_* constants). */
export const TOKEN_TTL_S = {
  /** Magic URL, email and phone verification (TOKEN_EXPIRATION_CONFIRM). */
  confirm: 3600,
  recovery: 3600,
  /** Email and phone one-time codes. */
  otp: 900,
} as const;

/** Secret lengths in hex characters (Appwrite's TOKEN_LENGTH_*). */
export const TOKEN_SECRET_LENGTH = {
  magicUrl: 64,
  verification: 256,
  recovery: 256,
} as const;

/** A one-time code: six decimal digits, uniformly drawn (leading zeros kept). */
export function otpCode(random: { int(maxExclusive: number): number }): string {
  return String(random.int(1_000_000)).padStart(6, '0');
}
