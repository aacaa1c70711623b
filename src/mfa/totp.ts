import * as OTPAuth from 'otpauth';
import type { Random } from '../support/clock.ts';
import { TOTP_PARAMS } from './mfa.ts';

/** A new TOTP seed, Base32 (unpadded, upper case) as authenticator apps read it. */
export function newTotpSecret(random: Random): string {
  return OTPAuth.Secret.fromHex(random.bytes(TOTP_PARAMS.secretBytes).toString('hex')).base32;
}

function totp(secret: string, issuer = '', label = '') {
  return new OTPAuth.TOTP({
    issuer,
    label,
    // The issuer also prefixes the label; without one, no "issuer:" prefix and no issuer param.
    issuerInLabel: issuer !== '',
    algorithm: TOTP_PARAMS.algorithm,
    digits: TOTP_PARAMS.digits,
    period: TOTP_PARAMS.period,
    secret: OTPAuth.Secret.fromBase32(secret),
  });
}

/** The otpauth:// provisioning URI: label = the user's email, issuer = the project's name. */
export function provisioningUri(secret: string, issuer: string, label: string): string {
  return totp(secret, issuer, label).toString();
}

/**
 * The time step whose code `otp` is, within TOTP_PARAMS.window steps of `now`; null when it is no
 * such code. The caller then records the step so that the code works once.
 */
export function totpStep(secret: string, otp: string, now: number): number | null {
  if (!/^\d+$/.test(otp) || otp.length !== TOTP_PARAMS.digits) return null;
  const delta = totp(secret).validate({ token: otp, timestamp: now, window: TOTP_PARAMS.window });
  if (delta === null) return null;
  return Math.floor(now / 1000 / TOTP_PARAMS.period) + delta;
}

/** The current code of a seed (tests and tools; a server never needs to show it). */
export function totpCode(secret: string, now: number): string {
  return totp(secret).generate({ timestamp: now });
}
