import type { Clock, Random } from './clock.ts';

/** A 20-char id in the shape of Appwrite's server ids: hex seconds, hex microseconds, 7 random hex. */
export function uniqueId(clock: Clock, random: Random): string {
  const ms = clock.now();
  const seconds = Math.floor(ms / 1000).toString(16).padStart(8, '0');
  const micros = ((ms % 1000) * 1000 + random.int(1000)).toString(16).padStart(5, '0');
  return seconds + micros + random.bytes(4).toString('hex').slice(0, 7);
}

export function randomHex(random: Random, length: number): string {
  return random.bytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/** Resolves the `unique()` magic value to a generated id; other values pass through. */
export function resolveId(value: string, clock: Clock, random: Random): string {
  return value === 'unique()' ? uniqueId(clock, random) : value;
}
