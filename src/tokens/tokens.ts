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
