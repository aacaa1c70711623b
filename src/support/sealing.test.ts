import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSealer, loadServerKey, parseServerKey } from './sealing.ts';

test('a sealed value opens only under the same key and context, and shows nothing of the plaintext', () => {
  const key = randomBytes(32);
  const s = createSealer(key);
  const sealed = s.seal('magic-link-secret', 'outbox:1');
  assert.ok(!sealed.includes('magic'));
  assert.equal(s.open(sealed, 'outbox:1'), 'magic-link-secret');
  assert.throws(() => s.open(sealed, 'outbox:2'));
  assert.throws(() => createSealer(randomBytes(32)).open(sealed, 'outbox:1'));
  const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
  assert.throws(() => s.open(tampered, 'outbox:1'));
  assert.notEqual(s.seal('x'), s.seal('x'), 'a fresh IV every time');
});

test('a server key shorter than 32 bytes is refused; hex and base64 are read', () => {
  assert.throws(() => parseServerKey('abcd', 'TESSERA_SECRET_KEY'), /at least 32 bytes/);
  assert.equal(parseServerKey(randomBytes(32).toString('hex'), 'k').length, 32);
  assert.equal(parseServerKey(randomBytes(48).toString('base64'), 'k').length, 32);
});

test('without a configured key, one is created in the data dir with mode 0600 and kept across starts', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-key-'));
  try {
    const a = loadServerKey({ secretKey: null, secretKeyFile: null, dataDir });
    const b = loadServerKey({ secretKey: null, secretKeyFile: null, dataDir });
    assert.deepEqual(a, b);
    assert.equal(fs.statSync(path.join(dataDir, 'secret.key')).mode & 0o777, 0o600);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
