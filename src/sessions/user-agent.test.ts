import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { androidModel, MAX_PARSED_LENGTH, parseUserAgent, readUserAgent } from './user-agent.ts';

/** Generous for CI noise: a parse takes well under a millisecond; the regex this replaced took seconds. */
const PARSE_BOUND_MS = 20;

/** The fastest of three timings of one uncached parse: a real cost shows every time, a preemption once. */
function parseMs(ua: string): number {
  let best = Infinity;
  for (let i = 0; i < 3 && best >= PARSE_BOUND_MS; i++) {
    const started = performance.now();
    readUserAgent(ua);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** The model regex the walk replaced, as the reference on inputs too short for its backtracking to matter. */
const OLD_ANDROID_MODEL = /Android[^;)]*;(?:\s*[a-z]{2}(?:[-_][A-Z]{2})?;)?\s*([^;)]+?)(?:\s+Build\/[^;)]*)?[;)]/i;

const TOKENS = [
  'Android', 'android ', 'Mozilla/5.0 (', 'Linux', 'Windows Phone', 'Windows NT ', 'BlackBerry', 'Trident/', 'rv:', 'CrOS ',
  'KF', 'SM-', ' Build/', 'Chrome/', 'Version/', 'Mac OS X ', 'CPU OS ', 'iPhone', 'Edg/', 'Honor ', 'en-US', 'wv', '1', '.', '_', '-',
];
const SEPARATORS = [';', ' ', '(', ')', '/', ',', '[', ']', '\t', ':'];

const fragment = fc.oneof(
  fc.constantFrom(...TOKENS),
  fc.constantFrom(...SEPARATORS),
  fc.integer({ min: 1, max: 700 }).map((n) => ' '.repeat(n)),
  fc.tuple(fc.constantFrom(...TOKENS, ...SEPARATORS), fc.integer({ min: 2, max: 200 })).map(([token, n]) => token.repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => '('.repeat(n) + 'x'.repeat(n % 7) + ')'.repeat(n)),
  fc.string({ maxLength: 20 }),
);
/** Repeated tokens, separators, long runs of spaces and nested parentheses, as a 1 KB header can carry. */
const hostileAgent = fc.array(fragment, { minLength: 1, maxLength: 40 }).map((parts) => parts.join('').slice(0, 1024));

describe('User-Agent parsing', () => {
  it(`parses every generated hostile agent in under ${PARSE_BOUND_MS} ms`, () => {
    fc.assert(
      fc.property(hostileAgent, (ua) => {
        const ms = parseMs(ua);
        assert.ok(ms < PARSE_BOUND_MS, `${ms.toFixed(1)} ms for ${JSON.stringify(ua.slice(0, 120))}… (${ua.length} chars)`);
      }),
      { numRuns: 400 },
    );
  });

  it('parses the crafted agents of the security review (token, ";", a run of spaces, one character) in linear time', () => {
    const crafted = [
      'Android;' + ' '.repeat(1000) + '!',
      'Mozilla/5.0 (Linux; ' + 'Android '.repeat(60) + ';' + ' '.repeat(500) + 'x',
      'Android 13; en-US;' + ' '.repeat(1000) + 'x',
      'Android'.repeat(140) + ';' + ' '.repeat(40) + '!',
      'Windows Phone;;' + ' '.repeat(1000) + 'x',
      'Trident/'.repeat(128),
      '1' + '.'.repeat(1000) + '1',
      'Mozilla/5.0 (' + '('.repeat(500) + ' '.repeat(500),
    ];
    for (const ua of crafted) {
      const ms = parseMs(ua);
      assert.ok(ms < PARSE_BOUND_MS, `${ms.toFixed(1)} ms for ${JSON.stringify(ua.slice(0, 60))}…`);
    }
  });

  it('reads the same Android model as the replaced regex on short agents', () => {
    const part = fc.oneof(
      fc.constantFrom('Android', 'Android 13', ';', ')', ' ', '  ', 'en-us', 'de_DE', 'Pixel 7 Pro', 'SM-G991B', ' Build/TQ3A', 'Build/x', 'wv', 'Linux', 'x'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const ua = parts.join('');
        const old = OLD_ANDROID_MODEL.exec(ua)?.[1]?.trim() ?? null;
        assert.equal(androidModel(ua), old, JSON.stringify(ua));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the model after the Android version, past a locale and before Build/', () => {
    const model = (ua: string) => parseUserAgent(`Mozilla/5.0 (Linux; ${ua}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36`);
    assert.deepEqual([model('Android 13; Pixel 7 Pro Build/TQ3A.230805.001').deviceModel, model('Android 13; Pixel 7 Pro Build/TQ3A.230805.001').deviceBrand], ['Pixel 7 Pro', 'Google']);
    assert.equal(model('U; Android 4.4; en-us; SM-T530 Build/KOT49H').deviceModel, 'SM-T530');
    assert.equal(model('Android 12; SM-G991B Build/SP1A.210812.016; wv').deviceModel, 'SM-G991B');
    assert.equal(model('Android 10; K').deviceModel, 'K');
  });

  it(`reads only the first ${MAX_PARSED_LENGTH} characters: a token past them changes nothing`, () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
    const padded = chrome + ' '.repeat(MAX_PARSED_LENGTH - chrome.length);
    assert.deepEqual(parseUserAgent(padded + ' Edg/126.0.0.0'), parseUserAgent(padded));
    assert.equal(parseUserAgent(padded + ' Edg/126.0.0.0').clientName, 'Chrome');
    assert.equal(parseUserAgent(chrome + ' Edg/126.0.0.0').clientName, 'Microsoft Edge');
  });

  it('gives the twelve fields as strings for any input, and a cached answer cannot be changed by its caller', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (ua) => {
        const info = parseUserAgent(ua);
        assert.equal(Object.keys(info).length, 12);
        for (const v of Object.values(info)) assert.equal(typeof v, 'string');
      }),
    );
    const first = parseUserAgent('curl/8.5.0');
    first.clientName = 'tampered';
    assert.equal(parseUserAgent('curl/8.5.0').clientName, 'curl');
  });
});
