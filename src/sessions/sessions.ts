import type { Selectable } from 'kysely';
import type { SessionsTable } from '../db/schema.ts';

export type SessionRow = Selectable<SessionsTable>;

export type SessionProvider = 'email' | 'anonymous' | 'magic-url' | 'phone' | 'token' | 'server' | string;

export interface NewSession {
  userId: string;
  provider: SessionProvider;
  providerUid?: string;
  factors: string[];
  /** OAuth2 logins: the provider's tokens, already sealed (identities.ts tokenContext). */
  providerAccessToken?: string;
  providerRefreshToken?: string;
  providerAccessTokenExpiry?: number | null;
  ip: string;
  userAgent: string;
}
