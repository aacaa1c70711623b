import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Encryption at rest for the secrets Tessera must read back (signing keys, outbox messages that carry
 * links or codes, TOTP seeds, provider tokens): AES-256-GCM under the server key, which never enters
 * the database, so a dump of it shows no live secret.
 */
export interface Sealer {
  /** `context` binds the ciphertext to where it is stored (e.g. "outbox:<id>"): moved elsewhere, it will not open. */
  seal(plaintext: string, context?: string): string;
  /** Throws when the value was not sealed under this key and context, or was altered. */
  open(sealed: string, context?: string): string;
}

const PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SERVER_KEY_BYTES = 32;

export function createSealer(key: Buffer): Sealer {
  if (key.length !== SERVER_KEY_BYTES) throw new Error(`the server key must be ${SERVER_KEY_BYTES} bytes`);
  return {
    seal(plaintext, context = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, context = '') {
      if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed value');
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

/** Reads a key given as base64 or hex; at least 32 bytes of it, reduced to 32 by SHA-256 when longer. */
export function parseServerKey(text: string, source: string): Buffer {
  const t = text.trim();
  const bytes = /^[0-9a-f]+$/i.test(t) && t.length % 2 === 0 ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (bytes.length < SERVER_KEY_BYTES) throw new Error(`${source} must hold at least ${SERVER_KEY_BYTES} bytes (base64 or hex)`);
  if (bytes.length === SERVER_KEY_BYTES) return bytes;
  return createHash('sha256').update(bytes).digest();
}

export interface ServerKeySource {
  /** TESSERA_SECRET_KEY: the key itself. */
  secretKey: string | null;
  /** TESSERA_SECRET_KEY_FILE: a file holding it. */
  secretKeyFile: string | null;
  dataDir: string;
}

/**
 * The server key: from the environment, else from TESSERA_SECRET_KEY_FILE, else `<dataDir>/secret.key`,
 * created (mode 0600) on first start. Processes sharing a PostgreSQL database must share the key.
 */
export function loadServerKey(src: ServerKeySource): Buffer {
  if (src.secretKey) return parseServerKey(src.secretKey, 'TESSERA_SECRET_KEY');
  if (src.secretKeyFile) return parseServerKey(fs.readFileSync(src.secretKeyFile, 'utf8'), src.secretKeyFile);
  const file = path.join(src.dataDir, 'secret.key');
  fs.mkdirSync(src.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(SERVER_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseServerKey(fs.readFileSync(file, 'utf8'), file);
}
