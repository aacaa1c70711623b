import type { Random } from '../support/clock.ts';

/**
 * The optional security phrase of a magic URL or email OTP: "<Adjective> <noun>", shown in the
 * response and in the mail, so the user can check the mail answers the request they made. It guards
 * nothing by itself and is not secret; Tessera's own word lists (Appwrite uses the same shape).
 */
const ADJECTIVES = [
  'Amber', 'Brave', 'Calm', 'Clever', 'Cosy', 'Crisp', 'Curious', 'Daring', 'Eager', 'Fancy', 'Gentle', 'Glad',
  'Golden', 'Happy', 'Honest', 'Humble', 'Jolly', 'Kind', 'Lively', 'Lucky', 'Merry', 'Mighty', 'Noble', 'Polite',
  'Proud', 'Quick', 'Quiet', 'Rapid', 'Shiny', 'Silent', 'Silver', 'Smart', 'Steady', 'Sunny', 'Swift', 'Tidy',
  'Vivid', 'Warm', 'Wise', 'Witty',
];
const NOUNS = [
  'badger', 'beacon', 'breeze', 'canyon', 'comet', 'coral', 'falcon', 'fern', 'forest', 'garden', 'glacier', 'harbor',
  'heron', 'island', 'lantern', 'lemon', 'meadow', 'meteor', 'otter', 'owl', 'panda', 'pebble', 'pine', 'planet',
  'puffin', 'quartz', 'raven', 'river', 'robin', 'saddle', 'sparrow', 'squirrel', 'summit', 'thistle', 'tiger',
  'tulip', 'valley', 'walrus', 'willow', 'zephyr',
];

export function securityPhrase(random: Pick<Random, 'int'>): string {
  return `${ADJECTIVES[random.int(ADJECTIVES.length)]} ${NOUNS[random.int(NOUNS.length)]}`;
}
