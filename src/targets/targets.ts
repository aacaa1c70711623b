import type { Selectable } from 'kysely';
import type { TargetsTable } from '../db/schema.ts';
import type { UserRow } from '../users/users.ts';

export type TargetRow = Selectable<TargetsTable>;

export type ProviderType = 'email' | 'sms' | 'push';
export const PROVIDER_TYPES: readonly ProviderType[] = ['email', 'sms', 'push'];

export interface TargetInput {
  providerType: ProviderType;
  identifier: string;
  providerId?: string | null;
  name?: string;
}

/** A change of a user's email or phone, as seen by the target that mirrors it. */
export interface ContactMove {
  providerType: 'email' | 'sms';
  /** The stored value before the change (null: none). */
  from: string | null;
  /** The new value (null: cleared). */
  to: string | null;
}

/** Which contact targets a user update moves: one per changed email/phone column present in `changes`. */
export function contactMoves(before: UserRow, changes: { email?: unknown; phone?: unknown }): ContactMove[] {
  const moves: ContactMove[] = [];
  if (changes.email !== undefined) moves.push({ providerType: 'email', from: before.email, to: (changes.email as string | null) || null });
  if (changes.phone !== undefined) moves.push({ providerType: 'sms', from: before.phone, to: (changes.phone as string | null) || null });
  return moves;
}
