import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemRandom } from './clock.ts';

test('pooled randomness hands out each byte once: thousands of 128-byte secrets are all distinct', () => {
  const random = systemRandom();
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const b = random.bytes(128);
    assert.equal(b.length, 128);
    seen.add(b.toString('hex'));
  }
  assert.equal(seen.size, 2000);
});

test('a drawn buffer is the caller\'s own: later draws do not change it', () => {
  const random = systemRandom();
  const first = random.bytes(64);
  const copy = Buffer.from(first);
  for (let i = 0; i < 500; i++) random.bytes(100);
  assert.deepEqual(first, copy);
});

test('draws larger than the pool slice and odd sizes are served with the requested length', () => {
  const random = systemRandom();
  assert.equal(random.bytes(10_000).length, 10_000);
  assert.equal(random.bytes(1).length, 1);
  assert.equal(random.bytes(0).length, 0);
});
