import { createCipheriv, createHash, scrypt as scryptCb, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { Algorithm, hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { safeEqual } from '../support/secrets.ts';
import { md5Chain } from './phpass-worker.ts';

/** Appwrite's account argon2id parameters (DESIGN.md): m=7168 KiB, t=5, p=1. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 7168, timeCost: 5, parallelism: 1 } as const;
export const ARGON2_HASH_OPTIONS = { type: 'argon2', memory_cost: 7168, time_cost: 5, threads: 1 };

export type HashAlgorithm = 'argon2' | 'bcrypt' | 'md5' | 'sha' | 'phpass' | 'scrypt' | 'scryptMod';

export interface StoredPassword {
  password: string;
  hash: HashAlgorithm;
  hashOptions: Record<string, unknown>;
}

export async function hashPassword(plain: string): Promise<StoredPassword> {
  return { password: await argonHash(plain, ARGON2_OPTIONS), hash: 'argon2', hashOptions: ARGON2_HASH_OPTIONS };
}

let dummyHash: Promise<string> | null = null;

/** Burns the time of one argon2id verification, so an unknown account answers as slowly as a wrong password. */
export async function verifyDummy(plain: string): Promise<false> {
  dummyHash ??= argonHash('tessera-dummy-password', ARGON2_OPTIONS);
  await argonVerify(await dummyHash, plain).catch(() => false);
  return false;
}

export const SHA_VERSIONS: Record<string, string> = {
  sha1: 'sha1', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', 'sha512/224': 'sha512-224',
  'sha512/256': 'sha512-256', sha512: 'sha512', 'sha3-224': 'sha3-224', 'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384', 'sha3-512': 'sha3-512',
};

function scrypt(password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * The most one verification may cost. An imported hash carries its own parameters, and the first
 * caller to try its email (no sign-in needed) pays them: unbounded, a phpass count of 2^30 blocks
 * the event loop for about half an hour, a bcrypt cost of 31 takes a day of main-thread slices, and
 * argon2 or scrypt can ask for gigabytes. Each limit is about a second here and 256 MiB at most,
 * well above what password stores use (bcrypt 10-12, phpass 2^8-2^11, argon2 64 MiB, scrypt 2^14-2^17).
 */
export const HASH_COST_LIMITS = {
  bcryptCost: 14,
  phpassLog2: 16,
  argon2MemoryKiB: 256 * 1024,
  /** memory (KiB) × passes. */
  argon2Work: 256 * 1024 * 8,
  argon2Parallelism: 16,
  scryptMemoryBytes: 256 * 1024 * 1024,
  /** N × r × p. */
  scryptWork: 1 << 22,
} as const;

// PHC parameters, in any order (every login reads them).
const PHC_MEMORY = /[$,]m=(\d+)[$,]/;
const PHC_PASSES = /[$,]t=(\d+)[$,]/;
const PHC_LANES = /[$,]p=(\d+)[$,]/;

/** Why verifying against this stored hash would cost more than HASH_COST_LIMITS allow, or null. */
export function hashCostProblem(stored: Pick<StoredPassword, 'password' | 'hash' | 'hashOptions'>): string | null {
  const L = HASH_COST_LIMITS;
  const hash = String(stored.password);
  const bcryptCost = (h: string) => {
    const m = /^\$2[abxy]?\$(\d+)\$/.exec(h);
    return m && Number(m[1]) > L.bcryptCost ? `bcrypt cost at most ${L.bcryptCost}` : null;
  };
  switch (stored.hash) {
    case 'bcrypt':
      return bcryptCost(hash);
    case 'phpass': {
      if (hash.startsWith('$2')) return bcryptCost(hash);
      const log2 = /^\$[PH]\$/.test(hash) ? ITOA64.indexOf(hash[3]) : -1;
      return log2 > L.phpassLog2 ? `phpass iteration count at most 2^${L.phpassLog2}` : null;
    }
    case 'argon2': {
      const param = (re: RegExp) => Number(re.exec(hash)?.[1] ?? 0);
      const m = param(PHC_MEMORY), t = param(PHC_PASSES), p = param(PHC_LANES);
      if (m > L.argon2MemoryKiB || m * Math.max(t, 1) > L.argon2Work || p > L.argon2Parallelism) {
        return `argon2 memory at most ${L.argon2MemoryKiB} KiB, memory × iterations at most ${L.argon2Work}, parallelism at most ${L.argon2Parallelism}`;
      }
      return null;
    }
    case 'scrypt': {
      const o = stored.hashOptions;
      const N = Number(o.costCpu), r = Number(o.costMemory), p = Number(o.costParallel);
      if (!(128 * N * r <= L.scryptMemoryBytes && N * r * p <= L.scryptWork)) {
        return `scrypt memory (128 × N × r) at most ${L.scryptMemoryBytes} bytes, N × r × p at most ${L.scryptWork}`;
      }
      return null;
    }
    default:
      return null;
  }
}

/** Checks a password against any stored algorithm Appwrite can import. Malformed stored hashes just fail. */
export async function verifyPassword(plain: string, stored: StoredPassword): Promise<boolean> {
  if (hashCostProblem(stored)) return false;
  try {
    switch (stored.hash) {
      case 'argon2':
        return await argonVerify(stored.password, plain);
      case 'bcrypt':
        return await verifyBcrypt(plain, stored.password);
      case 'md5':
        return safeEqual(createHash('md5').update(plain).digest('hex'), stored.password.toLowerCase());
      case 'sha': {
        const algo = SHA_VERSIONS[String(stored.hashOptions.version ?? 'sha3-512')] ?? 'sha3-512';
        return safeEqual(createHash(algo).update(plain).digest('hex'), stored.password.toLowerCase());
      }
      case 'phpass':
        return verifyPhpass(plain, stored.password);
      case 'scrypt': {
        const o = stored.hashOptions as { salt: string; costCpu: number; costMemory: number; costParallel: number; length: number };
        const N = Number(o.costCpu), r = Number(o.costMemory), p = Number(o.costParallel);
        const key = await scrypt(plain, String(o.salt), Number(o.length), { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 });
        return safeEqual(key.toString('hex'), stored.password.toLowerCase());
      }
      case 'scryptMod': {
        const o = stored.hashOptions as { salt: string; saltSeparator: string; signerKey: string };
        const salt = Buffer.concat([Buffer.from(o.salt, 'base64'), Buffer.from(o.saltSeparator, 'base64')]);
        const derived = await scrypt(plain, salt, 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
        const cipher = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16));
        const out = Buffer.concat([cipher.update(Buffer.from(o.signerKey, 'base64')), cipher.final()]);
        return safeEqual(out.toString('base64'), stored.password);
      }
      default:
        return false;
    }
  } catch {
    return false;
  }
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** bcrypt in native code on libuv's thread pool: a cost-14 hash takes ~1 s of CPU, never the event loop's. */
function verifyBcrypt(plain: string, stored: string): Promise<boolean> {
  return bcryptVerify(plain, stored.replace(/^\$2y\$/, '$2b$'));
}

/** WordPress-style portable phpass ($P$/$H$), with bcrypt hashes handed to bcrypt; the rounds run in a worker. */
async function verifyPhpass(plain: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$2')) return verifyBcrypt(plain, stored);
  if (!/^\$[PH]\$/.test(stored) || stored.length !== 34) return false;
  const countLog2 = ITOA64.indexOf(stored[3]);
  if (countLog2 < 7 || countLog2 > 30) return false;
  const hash = await md5Chain(plain, stored.slice(4, 12), 2 ** countLog2);
  return safeEqual(stored.slice(0, 12) + encode64(hash, 16), stored);
}

function encode64(input: Buffer, count: number): string {
  let out = '';
  let i = 0;
  do {
    let value = input[i++];
    out += ITOA64[value & 0x3f];
    if (i < count) value |= input[i] << 8;
    out += ITOA64[(value >> 6) & 0x3f];
    if (i++ >= count) break;
    if (i < count) value |= input[i] << 16;
    out += ITOA64[(value >> 12) & 0x3f];
    if (i++ >= count) break;
    out += ITOA64[(value >> 18) & 0x3f];
  } while (i < count);
  return out;
}
