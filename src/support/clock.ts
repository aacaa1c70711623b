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

export const systemRandom: Random = {
  bytes: (n) => randomBytes(n),
  int: (max) => randomInt(max),
};

/** Appwrite's date format: ISO 8601 with milliseconds and a +00:00 offset. */
export function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
