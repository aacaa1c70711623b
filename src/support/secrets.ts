import { hash, timingSafeEqual } from 'node:crypto';

/** SHA-256 hex of a secret: what the database keeps instead of the secret. */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The session cookie value: base64 of {"id":userId,"secret":secret}. */
export function encodeSessionSecret(userId: string, secret: string): string {
  return Buffer.from(JSON.stringify({ id: userId, secret })).toString('base64');
}

export function decodeSessionSecret(value: string): { id: string; secret: string } | null {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    if (typeof parsed?.id === 'string' && typeof parsed?.secret === 'string' && parsed.secret.length > 0) {
      return { id: parsed.id, secret: parsed.secret };
    }
  } catch {
    /* not ours */
  }
  return null;
}
