// Format checks shared by request schemas and services.

const EMAIL_RE = /^[^\s@"(),:;<>[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const isValidEmail = (v: string) => v.length <= 254 && EMAIL_RE.test(v) && !v.startsWith('.') && !v.split('@')[0].endsWith('.') && !v.includes('..');
// E.164 as Utopia's Phone validator: a + and 7 to 15 digits, no leading zero.
export const isValidPhone = (v: string) => /^\+[1-9]\d{6,14}$/.test(v);
// Appwrite measures password length in bytes (PHP strlen), not characters.
export const isValidPasswordLength = (v: string) => {
  const n = Buffer.byteLength(v);
  return n >= 8 && n <= 256;
};
