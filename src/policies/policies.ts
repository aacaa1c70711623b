import type { AuthSettings } from '../projects/projects.ts';
// Settings other features own, read through their owners: membership privacy (teams), MFA factors (MFA).
import { mfaFactorsOf } from '../mfa/mfa.ts';
import { membershipPrivacyPolicyModel } from '../teams/teams.ts';

/** Appwrite's policy ids, in the order its listPolicies answers (Policies/XList.php). */
export const POLICY_IDS = [
  'password-dictionary', 'password-history', 'password-strength', 'password-personal-data', 'session-alert',
  'session-duration', 'session-invalidation', 'session-limit', 'user-limit', 'membership-privacy', 'mfa-factors',
] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

/** The Policy<Id> model of one policy: the value in force, as Appwrite reports it. */
export function policyModel(id: PolicyId, a: AuthSettings): Record<string, unknown> & { $id: PolicyId } {
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
      return membershipPrivacyPolicyModel(a);
    case 'mfa-factors':
      return { $id: id, ...mfaFactorsOf(a) };
  }
}
