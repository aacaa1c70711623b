import { createRequire } from 'node:module';

/**
 * The common-passwords list of @zxcvbn-ts/language-common (about 49,000 passwords; a superset of
 * the 10k list Appwrite ships). Decompressing it takes ~100 ms, so it is loaded once, the first
 * time a project switches the policy on or a password is checked against it.
 */
let dictionary: ReadonlySet<string> | null = null;

export function loadPasswordDictionary(): ReadonlySet<string> {
  if (dictionary) return dictionary;
  const require = createRequire(import.meta.url);
  const common = require('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]> };
  dictionary = new Set(common.dictionary['passwords-common']);
  return dictionary;
}

/** Appwrite's PasswordDictionary: an exact, case-sensitive match. */
export function isCommonPassword(password: string): boolean {
  return loadPasswordDictionary().has(password);
}

/** Appwrite's validator text (its "265" included): the param error a common password gets. */
export const COMMON_PASSWORD_DESCRIPTION = 'Password must be between 8 and 265 characters long, and should not be one of the commonly used password.';
