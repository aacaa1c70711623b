import { formatDate } from '../support/clock.ts';
import type { ChallengeRow, MfaFactors } from './mfa.ts';

/** MfaType: a new authenticator's seed and its provisioning URI. */
export function mfaTypeModel(t: { secret: string; uri: string }) {
  return { secret: t.secret, uri: t.uri };
}

/** MfaChallenge; the Users API adds the custom factor's `code` (MFAChallengeSecret). */
export function mfaChallengeModel(c: ChallengeRow, code?: string) {
  const model = { $id: c.id, $createdAt: formatDate(c.created_at), userId: c.user_id, expire: formatDate(c.expire) };
  return code === undefined ? model : { ...model, code };
}

export function mfaFactorsModel(f: MfaFactors) {
  return { totp: f.totp, phone: f.phone, email: f.email, recoveryCode: f.recoveryCode, custom: f.custom };
}

export function mfaRecoveryCodesModel(codes: string[]) {
  return { recoveryCodes: codes };
}
