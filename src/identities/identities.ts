import type { Selectable } from 'kysely';
import type { IdentitiesTable } from '../db/schema.ts';
import type { Sealer } from '../support/sealing.ts';

export type IdentityRow = Selectable<IdentitiesTable>;

/**
 * Provider tokens are sealed under the server key, bound to the project and user, in identities and
 * in sessions alike (so a token flow copies them from one to the other as they are).
 */
export function tokenContext(projectId: string, userId: string): string {
  return `provider-token:${projectId}:${userId}`;
}

export function sealToken(sealer: Sealer, projectId: string, userId: string, token: string): string {
  return token ? sealer.seal(token, tokenContext(projectId, userId)) : '';
}

/** The plain token; '' for none, and for a value that does not open (it is of no use to anyone). */
export function openToken(sealer: Sealer, projectId: string, userId: string, sealed: string): string {
  if (!sealed) return '';
  try {
    return sealer.open(sealed, tokenContext(projectId, userId));
  } catch {
    return '';
  }
}

export function identitySearch(row: Pick<IdentityRow, 'id' | 'user_id' | 'provider' | 'provider_uid' | 'provider_email'>): string {
  return [row.id, row.user_id, row.provider, row.provider_uid, row.provider_email].join(' ').toLowerCase();
}
