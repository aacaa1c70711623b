/** A confirmed or pending team membership, as the teams repository lists a user's. */
export interface Membership {
  /** The membership's own id (role `member:ID`). */
  id: string;
  teamId: string;
  roles: readonly string[];
  confirmed: boolean;
}

export interface RoleSubject {
  id: string;
  emailVerification: boolean;
  phoneVerification: boolean;
  labels: readonly string[];
}

/**
 * The permission roles of a signed-in user, in the order Appwrite's User::getRoles lists them, with
 * `any` first (Appwrite's authorization always holds it). A verified email or phone makes the user
 * verified. Pending memberships give nothing; a confirmed one gives `team:T`, `member:M` and
 * `team:T/R` for each of its roles. Labels give `label:NAME`.
 */
export function rolesOf(user: RoleSubject, memberships: readonly Membership[] = []): string[] {
  const dimension = user.emailVerification || user.phoneVerification ? 'verified' : 'unverified';
  const roles = ['any', `user:${user.id}`, 'users', `user:${user.id}/${dimension}`, `users/${dimension}`];
  for (const m of memberships) {
    if (!m.confirmed) continue;
    roles.push(`team:${m.teamId}`, `member:${m.id}`);
    for (const role of m.roles) roles.push(`team:${m.teamId}/${role}`);
  }
  for (const label of user.labels) roles.push(`label:${label}`);
  return [...new Set(roles)];
}

/** The roles of a caller who is not signed in. */
export const GUEST_ROLES: readonly string[] = Object.freeze(['any', 'guests']);

/** The subject of a users-table row (verification flags are 0/1, labels a JSON array). */
export function roleSubjectOf(row: { id: string; email_verification: number; phone_verification: number; labels: string }): RoleSubject {
  let labels: unknown;
  try {
    labels = JSON.parse(row.labels || '[]');
  } catch {
    labels = [];
  }
  return {
    id: row.id,
    emailVerification: row.email_verification === 1,
    phoneVerification: row.phone_verification === 1,
    labels: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [],
  };
}
