import type { Selectable } from 'kysely';
import type { SessionsTable } from '../db/schema.ts';

export type SessionRow = Selectable<SessionsTable>;

export type SessionProvider = 'email' | 'anonymous' | 'magic-url' | 'phone' | 'token' | 'server' | string;

export interface NewSession {
  userId: string;
  provider: SessionProvider;
  providerUid?: string;
  factors: string[];
  ip: string;
  userAgent: string;
}
