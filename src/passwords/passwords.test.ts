import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, scryptSync } from 'node:crypto';
import { Algorithm, hash as argonHash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { hashPassword, verifyPassword, type StoredPassword } from './passwords.ts';

/**
 * Each vector is computed here independently of passwords.ts (node:crypto, bcryptjs, @node-rs/argon2,
 * a phpass written out below) or is a published one, so a wrong algorithm in verifyPassword shows.
 */

const PHPASS_ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** phpass portable hash (the WordPress $P$ format), written as a little-endian 6-bit stream. */
function phpassPortable(password: string, salt8: string, countLog2: number, prefix = '$P$'): string {
  let digest = createHash('md5').update(salt8 + password, 'binary').digest();
  for (let round = 0; round < 2 ** countLog2; round++) {
    digest = createHash('md5').update(Buffer.concat([digest, Buffer.from(password, 'binary')])).digest();
  }
  let out = '';
  for (let i = 0; i < 16; i += 3) {
    const chunk = digest.subarray(i, i + 3);
    let bits = 0;
    chunk.forEach((byte, k) => (bits |= byte << (8 * k)));
    const chars = chunk.length + 1; // 3 bytes → 4 chars, the trailing single byte → 2 chars
    for (let c = 0; c < chars; c++) out += PHPASS_ITOA64[(bits >> (6 * c)) & 0x3f];
  }
  return prefix + PHPASS_ITOA64[countLog2] + salt8 + out;
}

/** Firebase scrypt as described in behaviours.md §5. */
function firebaseScrypt(password: string, saltB64: string, separatorB64: string, signerKeyB64: string): string {
  const salt = Buffer.concat([Buffer.from(saltB64, 'base64'), Buffer.from(separatorB64, 'base64')]);
  const derived = scryptSync(password, salt, 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  const aes = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16, 0));
  return Buffer.concat([aes.update(Buffer.from(signerKeyB64, 'base64')), aes.final()]).toString('base64');
}

const stored = (hash: StoredPassword['hash'], password: string, hashOptions: Record<string, unknown> = {}): StoredPassword => ({ password, hash, hashOptions });

async function assertVerifies(s: StoredPassword, right: string, wrong = right + 'x') {
  assert.equal(await verifyPassword(right, s), true, `${s.hash} accepts the right password`);
  assert.equal(await verifyPassword(wrong, s), false, `${s.hash} rejects a wrong password`);
}

describe('verifyPassword', () => {
  it('argon2: accepts argon2id and argon2i hashes of any parameters', async () => {
    const id = await argonHash('correct horse', { algorithm: Algorithm.Argon2id, memoryCost: 4096, timeCost: 2, parallelism: 2 });
    await assertVerifies(stored('argon2', id), 'correct horse');
    const i = await argonHash('correct horse', { algorithm: Algorithm.Argon2i, memoryCost: 1024, timeCost: 3, parallelism: 1 });
    assert.match(i, /^\$argon2i\$/);
    await assertVerifies(stored('argon2', i), 'correct horse');
  });

  it('argon2: hashPassword produces an argon2id hash with the declared options that verifies', async () => {
    const s = await hashPassword('s3cret-pass');
    assert.equal(s.hash, 'argon2');
    assert.match(s.password, /^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
    assert.deepEqual(s.hashOptions, { type: 'argon2', memory_cost: 7168, time_cost: 5, threads: 1 });
    await assertVerifies(s, 's3cret-pass');
  });

  it('bcrypt: accepts $2a$, $2b$ and PHP-style $2y$ hashes', async () => {
    const h = await bcrypt.hash('bcrypt-pass', 6);
    await assertVerifies(stored('bcrypt', h), 'bcrypt-pass');
    const b = h.replace(/^\$2[aby]\$/, '$2b$');
    await assertVerifies(stored('bcrypt', b), 'bcrypt-pass');
    const y = h.replace(/^\$2[aby]\$/, '$2y$');
    await assertVerifies(stored('bcrypt', y), 'bcrypt-pass');
  });

  it('md5: hex digest, in either case', async () => {
    const hex = createHash('md5').update('md5-pass').digest('hex');
    await assertVerifies(stored('md5', hex, { type: 'md5' }), 'md5-pass');
    await assertVerifies(stored('md5', hex.toUpperCase(), { type: 'md5' }), 'md5-pass');
    // RFC 1321 test suite: MD5("abc")
    assert.equal(await verifyPassword('abc', stored('md5', '900150983cd24fb0d6963f7d28e17f72')), true);
  });

  it('sha: every passwordVersion, against node:crypto and published "abc" vectors', async () => {
    const nodeNames: Record<string, string> = {
      sha1: 'sha1', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512',
      'sha512/224': 'sha512-224', 'sha512/256': 'sha512-256',
      'sha3-224': 'sha3-224', 'sha3-256': 'sha3-256', 'sha3-384': 'sha3-384', 'sha3-512': 'sha3-512',
    };
    for (const [version, nodeName] of Object.entries(nodeNames)) {
      const hex = createHash(nodeName).update('sha-pass').digest('hex');
      await assertVerifies(stored('sha', hex, { version }), 'sha-pass');
    }
    // FIPS 180-4 / FIPS 202 example vectors for "abc"
    const abc: Record<string, string> = {
      sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      'sha512/224': '4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa',
      'sha512/256': '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23',
      'sha3-256': '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
    };
    for (const [version, hex] of Object.entries(abc)) {
      assert.equal(await verifyPassword('abc', stored('sha', hex, { version })), true, version);
    }
  });

  it('sha: a missing version means sha3-512; a digest of another version fails', async () => {
    const sha3 = createHash('sha3-512').update('sha-pass').digest('hex');
    assert.equal(await verifyPassword('sha-pass', stored('sha', sha3, {})), true);
    const sha256 = createHash('sha256').update('sha-pass').digest('hex');
    assert.equal(await verifyPassword('sha-pass', stored('sha', sha256, { version: 'sha512' })), false);
  });

  it('phpass: portable $P$ and $H$ hashes built in the test, and the phpass reference vector', async () => {
    const p = phpassPortable('wordpress-pass', 'AbCd1234', 8);
    assert.equal(p.length, 34);
    await assertVerifies(stored('phpass', p), 'wordpress-pass');
    const h = phpassPortable('wordpress-pass', 'zz./99Qq', 10, '$H$');
    await assertVerifies(stored('phpass', h), 'wordpress-pass');
    // From phpass 0.3 test.php: a correct portable hash for "test12345".
    await assertVerifies(stored('phpass', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'), 'test12345');
  });

  it('phpass: a bcrypt hash stored as phpass verifies with bcrypt', async () => {
    const h = (await bcrypt.hash('phpass-bcrypt', 5)).replace(/^\$2[ab]\$/, '$2y$');
    await assertVerifies(stored('phpass', h), 'phpass-bcrypt');
  });

  it('scrypt: hex output with the stored salt and costs, and the RFC 7914 vector', async () => {
    const opts = { N: 1024, r: 8, p: 1 };
    const hex = scryptSync('scrypt-pass', 'my-salt', 32, opts).toString('hex');
    const s = stored('scrypt', hex, { type: 'scrypt', salt: 'my-salt', costCpu: 1024, costMemory: 8, costParallel: 1, length: 32 });
    await assertVerifies(s, 'scrypt-pass');
    assert.equal(await verifyPassword('scrypt-pass', { ...s, hashOptions: { ...s.hashOptions, salt: 'other-salt' } }), false);
    // RFC 7914 §12: scrypt("password", "NaCl", N=1024, r=8, p=16, dkLen=64)
    const rfc =
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640';
    const rfcStored = stored('scrypt', rfc, { type: 'scrypt', salt: 'NaCl', costCpu: 1024, costMemory: 8, costParallel: 16, length: 64 });
    await assertVerifies(rfcStored, 'password');
  });

  it('scryptMod: Firebase scrypt computed in the test', async () => {
    const salt = Buffer.from('firebase-salt-16').toString('base64');
    const separator = Buffer.from([1]).toString('base64');
    const signerKey = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef').toString('base64');
    const hash = firebaseScrypt('firebase-pass', salt, separator, signerKey);
    const s = stored('scryptMod', hash, { type: 'scryptMod', salt, saltSeparator: separator, signerKey });
    await assertVerifies(s, 'firebase-pass');
    assert.equal(await verifyPassword('firebase-pass', { ...s, hashOptions: { ...s.hashOptions, saltSeparator: 'Ag==' } }), false);
  });

  it('scryptMod: the example vector published in firebase/scrypt', async () => {
    const s = stored('scryptMod', 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==', {
      type: 'scryptMod',
      salt: '42xEC+ixf3L2lw==',
      saltSeparator: 'Bw==',
      signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
    });
    await assertVerifies(s, 'user1password');
  });

  it('malformed stored hashes and unknown algorithms fail instead of throwing', async () => {
    assert.equal(await verifyPassword('x', stored('argon2', 'not-a-hash')), false);
    assert.equal(await verifyPassword('x', stored('bcrypt', '$2y$08$short')), false);
    assert.equal(await verifyPassword('x', stored('phpass', '$P$short')), false);
    assert.equal(await verifyPassword('x', stored('scrypt', 'abcd', { salt: 's', costCpu: 3, costMemory: 8, costParallel: 1, length: 16 })), false);
    assert.equal(await verifyPassword('x', stored('scryptMod', 'abcd', {})), false);
    assert.equal(await verifyPassword('x', { password: 'x', hash: 'plaintext' as any, hashOptions: {} }), false);
  });
});
