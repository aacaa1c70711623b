import { randomBytes, randomInt } from 'node:crypto';

/** Time source; tests replace it to move time forward. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Randomness source; tests may replace it. */
export interface Random {
  bytes(n: number): Buffer;
  int(maxExclusive: number): number;
}

const POOL_SIZE = 16 * 1024;

/**
 * The CSPRNG, drawn from a pool refilled POOL_SIZE bytes at a time (as Node's randomUUID does):
 * one crypto call per many secrets instead of one each. Every byte is handed out once; the
 * caller gets its own copy.
 */
export function systemRandom(): Random {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return {
    bytes(n) {
      if (n > POOL_SIZE / 4) return randomBytes(n);
      if (offset + n > pool.length) {
        pool = randomBytes(POOL_SIZE);
        offset = 0;
      }
      const out = Buffer.from(pool.subarray(offset, offset + n));
      pool.fill(0, offset, offset + n);
      offset += n;
      return out;
    },
    int: (max) => randomInt(max),
  };
}

/** Appwrite's date format: ISO 8601 with milliseconds and a +00:00 offset. */
export function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
