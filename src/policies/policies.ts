import type { AuthSettings } from '../projects/projects.ts';

/** Appwrite's policy ids, in the order its listPolicies answers (Policies/XList.php). */
export const POLICY_IDS = [
  'password-dictionary', 'password-history', 'password-strength', 'password-personal-data', 'session-alert',
  'session-duration', 'session-invalidation', 'session-limit', 'user-limit', 'membership-privacy', 'mfa-factors',
] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

export interface MfaFactorsPolicy {
  totp: boolean;
  email: boolean;
  phone: boolean;
  custom: boolean;
}

/**
 * Settings other features own (membership privacy: teams; MFA factors: MFA) read by name from the
 * stored auths, absent keys taking Appwrite's policy-view defaults.
 */
type StoredAuths = AuthSettings & Partial<Record<MembershipKey, boolean>> & { mfaFactors?: Partial<MfaFactorsPolicy> };

/** Membership privacy: policy field → settings key (Appwrite's `auths` names). */
export const MEMBERSHIP_PRIVACY_KEYS = {
  userId: 'membershipsUserId',
  userEmail: 'membershipsUserEmail',
  userPhone: 'membershipsUserPhone',
  userName: 'membershipsUserName',
  userMFA: 'membershipsMfa',
  userAccessedAt: 'membershipsUserAccessedAt',
} as const;
type MembershipKey = (typeof MEMBERSHIP_PRIVACY_KEYS)[keyof typeof MEMBERSHIP_PRIVACY_KEYS];

export const DEFAULT_MFA_FACTORS: MfaFactorsPolicy = { totp: true, email: true, phone: true, custom: false };

export function mfaFactorsOf(auths: AuthSettings): MfaFactorsPolicy {
  return { ...DEFAULT_MFA_FACTORS, ...((auths as StoredAuths).mfaFactors ?? {}) };
}

/** The Policy<Id> model of one policy: the value in force, as Appwrite reports it. */
export function policyModel(id: PolicyId, auths: AuthSettings): Record<string, unknown> & { $id: PolicyId } {
  const a = auths as StoredAuths;
  switch (id) {
    case 'password-dictionary':
      return { $id: id, enabled: a.passwordDictionary };
    case 'password-history':
      return { $id: id, total: a.passwordHistory };
    case 'password-strength':
      return { $id: id, ...a.passwordStrength };
    case 'password-personal-data':
      return { $id: id, enabled: a.personalDataCheck };
    case 'session-alert':
      return { $id: id, enabled: a.sessionAlerts };
    case 'session-duration':
      return { $id: id, duration: a.duration };
    case 'session-invalidation':
      return { $id: id, enabled: a.invalidateSessions };
    case 'session-limit':
      return { $id: id, total: a.maxSessions };
    case 'user-limit':
      return { $id: id, total: a.limit };
    case 'membership-privacy':
      return { $id: id, ...membershipPrivacyOf(a) };
    case 'mfa-factors':
      return { $id: id, ...mfaFactorsOf(a) };
  }
}

function membershipPrivacyOf(a: StoredAuths): Record<keyof typeof MEMBERSHIP_PRIVACY_KEYS, boolean> {
  const out = {} as Record<keyof typeof MEMBERSHIP_PRIVACY_KEYS, boolean>;
  for (const [field, key] of Object.entries(MEMBERSHIP_PRIVACY_KEYS)) out[field as keyof typeof MEMBERSHIP_PRIVACY_KEYS] = a[key] ?? false;
  return out;
}
