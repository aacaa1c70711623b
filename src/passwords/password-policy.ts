import type { AuthSettings } from '../projects/projects.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { verifyPassword, type StoredPassword } from './passwords.ts';
import { COMMON_PASSWORD_DESCRIPTION, isCommonPassword } from '../policies/password-dictionary.ts';

/**
 * Strength policy: 400 general_argument_invalid with Appwrite's wording. As Appwrite: lengths in
 * bytes, ASCII letter and digit classes, and a symbol is anything but a letter, digit or space.
 * With the dictionary policy on, a common password fails the same param.
 */
export function checkPasswordStrength(auths: AuthSettings, password: string, param = 'password'): void {
  const s = auths.passwordStrength;
  const needs = [`between ${s.min} and 256 characters long`];
  if (s.uppercase) needs.push('include an uppercase letter');
  if (s.lowercase) needs.push('include a lowercase letter');
  if (s.number) needs.push('include a number');
  if (s.symbols) needs.push('include a symbol');
  const bytes = Buffer.byteLength(password);
  const ok =
    bytes >= Math.max(8, s.min) &&
    bytes <= 256 &&
    (!s.uppercase || /[A-Z]/.test(password)) &&
    (!s.lowercase || /[a-z]/.test(password)) &&
    (!s.number || /\d/.test(password)) &&
    (!s.symbols || /[^\p{L}\p{N}\s]/u.test(password));
  if (!ok) throw argumentInvalid(param, `Password must be ${needs.join(', ')}.`);
  // Appwrite validates strength, then the dictionary, as one param validator.
  if (auths.passwordDictionary && isCommonPassword(password)) throw argumentInvalid(param, COMMON_PASSWORD_DESCRIPTION);
}

/** Personal-data policy: the password may not contain the user's id, email, email local part, name or phone. */
export function checkPersonalData(
  auths: AuthSettings,
  password: string,
  who: { id?: string | null; email?: string | null; name?: string | null; phone?: string | null },
): void {
  if (!auths.personalDataCheck) return;
  const p = password.toLowerCase();
  const parts = [who.id, who.email, who.email?.split('@')[0], who.name, who.phone, who.phone?.replace(/^\+/, '')];
  if (parts.some((x) => x && x.length > 0 && p.includes(x.toLowerCase()))) throw new AppwriteError('password_personal_data');
}

/** Password-history policy: the new password may not match any of the last N hashes. */
export async function checkPasswordHistory(auths: AuthSettings, password: string, history: string[], current: StoredPassword | null): Promise<void> {
  if (auths.passwordHistory <= 0 || history.length === 0) return;
  const algo = current ?? { password: '', hash: 'argon2' as const, hashOptions: {} };
  for (const old of history) {
    if (await verifyPassword(password, { ...algo, password: old })) throw new AppwriteError('password_recently_used');
  }
}

export function appendHistory(auths: AuthSettings, history: string[], newHash: string): string[] {
  const n = auths.passwordHistory;
  if (n <= 0) return [];
  return [...history, newHash].slice(-n);
}
