import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { Algorithm, hash as argonHash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { Account, ID, PasswordHash, Users, type Models } from 'node-appwrite';
import { describeEachBackend, rejection, startServer, type TestServer } from '../../harness.ts';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** WordPress portable phpass ($P$), written out here so the server's implementation is checked against an independent one. */
function phpass(password: string, salt8: string, countLog2: number): string {
  let d = createHash('md5').update(salt8 + password).digest();
  for (let i = 0; i < 2 ** countLog2; i++) d = createHash('md5').update(Buffer.concat([d, Buffer.from(password)])).digest();
  let out = '';
  for (let i = 0; i < 16; i += 3) {
    const chunk = d.subarray(i, i + 3);
    let bits = 0;
    chunk.forEach((b, k) => (bits |= b << (8 * k)));
    for (let c = 0; c <= chunk.length; c++) out += ITOA64[(bits >> (6 * c)) & 0x3f];
  }
  return '$P$' + ITOA64[countLog2] + salt8 + out;
}

/** Firebase scrypt per behaviours.md §5. */
function firebaseScrypt(password: string, salt: string, separator: string, signerKey: string): string {
  const derived = scryptSync(password, Buffer.concat([Buffer.from(salt, 'base64'), Buffer.from(separator, 'base64')]), 64, {
    N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024,
  });
  const aes = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16));
  return Buffer.concat([aes.update(Buffer.from(signerKey, 'base64')), aes.final()]).toString('base64');
}

describeEachBackend('Users API imported password hashes', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /**
   * The imported hash is stored as given; a wrong password fails; the original password logs in;
   * after that login the user carries an argon2id hash that keeps working.
   */
  async function assertImportedLogin(user: Models.User, stored: string, algorithm: string, plain: string) {
    assert.equal(user.password, stored);
    assert.equal(user.hash, algorithm);
    assert.equal(user.passwordUpdate !== '', true, 'an imported password counts as set');
    const row = await t.container.db.selectFrom('users').selectAll().where('id', '=', user.$id).executeTakeFirstOrThrow();
    assert.equal(row.password, stored);
    assert.equal(row.hash, algorithm);

    const account = new Account(t.guest());
    const wrong = await rejection(account.createEmailPasswordSession({ email: user.email, password: plain + '!' }));
    assert.deepEqual([wrong.code, wrong.type], [401, 'user_invalid_credentials']);
    const stillImported = await users.get({ userId: user.$id });
    assert.equal(stillImported.hash, algorithm, 'a failed login does not rehash');

    const session = await account.createEmailPasswordSession({ email: user.email, password: plain });
    assert.equal(session.userId, user.$id);
    assert.equal(session.provider, 'email');
    assert.deepEqual(session.factors, ['password']);

    const rehashed = await users.get({ userId: user.$id });
    assert.equal(rehashed.hash, 'argon2');
    assert.match(rehashed.password!, /^\$argon2id\$/);
    assert.equal((rehashed.hashOptions as any).type, 'argon2');
    const again = await new Account(t.guest()).createEmailPasswordSession({ email: user.email, password: plain });
    assert.equal(again.userId, user.$id, 'the rehashed password still logs in');
    const wrongAfter = await rejection(new Account(t.guest()).createEmailPasswordSession({ email: user.email, password: 'not-' + plain }));
    assert.deepEqual([wrongAfter.code, wrongAfter.type], [401, 'user_invalid_credentials']);
  }

  it('argon2: an argon2id hash with foreign parameters is stored and logs in', async () => {
    const plain = 'argon-import-pass';
    const hash = await argonHash(plain, { algorithm: Algorithm.Argon2id, memoryCost: 4096, timeCost: 3, parallelism: 2 });
    const user = await users.createArgon2User({ userId: ID.unique(), email: 'argon2@import.test', password: hash, name: 'Argon' });
    assert.equal(user.name, 'Argon');
    assert.deepEqual({ ...user.hashOptions }, { type: 'argon2', memory_cost: 65536, time_cost: 4, threads: 3 });
    await assertImportedLogin(user, hash, 'argon2', plain);
  });

  it('bcrypt: a $2y$ (PHP) hash is stored with cost 8 options and logs in', async () => {
    const plain = 'bcrypt-import-pass';
    const hash = (await bcrypt.hash(plain, 6)).replace(/^\$2[ab]\$/, '$2y$');
    const user = await users.createBcryptUser({ userId: 'bcrypt-user', email: 'bcrypt@import.test', password: hash });
    assert.equal(user.$id, 'bcrypt-user');
    assert.deepEqual({ ...user.hashOptions }, { type: 'bcrypt', cost: 8 });
    await assertImportedLogin(user, hash, 'bcrypt', plain);
  });

  it('md5: a hex digest is stored and logs in', async () => {
    const plain = 'md5-import-pass';
    const hash = createHash('md5').update(plain).digest('hex');
    const user = await users.createMD5User({ userId: ID.unique(), email: 'md5@import.test', password: hash });
    assert.deepEqual({ ...user.hashOptions }, { type: 'md5' });
    await assertImportedLogin(user, hash, 'md5', plain);
  });

  const shaCases: [PasswordHash | undefined, string][] = [
    [PasswordHash.Sha1, 'sha1'],
    [PasswordHash.Sha256, 'sha256'],
    [PasswordHash.Sha512256, 'sha512-256'],
    [PasswordHash.Sha3256, 'sha3-256'],
    [undefined, 'sha3-512'],
  ];
  for (const [version, nodeName] of shaCases) {
    it(`sha: passwordVersion ${version ?? 'omitted (sha3-512)'} is stored and logs in`, async () => {
      const plain = `sha-import-${nodeName}`;
      const hash = createHash(nodeName).update(plain).digest('hex');
      const email = `sha-${nodeName.replace('/', '-')}@import.test`;
      const user = await users.createSHAUser({ userId: ID.unique(), email, password: hash, ...(version ? { passwordVersion: version } : {}) });
      assert.deepEqual({ ...user.hashOptions }, { version: version ?? 'sha3-512' });
      await assertImportedLogin(user, hash, 'sha', plain);
    });
  }

  it('sha: an unknown passwordVersion is 400 general_argument_invalid', async () => {
    const err = await rejection(users.createSHAUser({ userId: ID.unique(), email: 'sha-bad@import.test', password: 'a'.repeat(40), passwordVersion: 'md4' as PasswordHash }));
    assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid']);
  });

  it('phpass: a WordPress portable hash is stored and logs in', async () => {
    const plain = 'phpass-import-pass';
    const hash = phpass(plain, 'Wp5Salt/', 8);
    const user = await users.createPHPassUser({ userId: ID.unique(), email: 'phpass@import.test', password: hash });
    assert.equal((user.hashOptions as any).type, 'phpass');
    await assertImportedLogin(user, hash, 'phpass', plain);
  });

  it('scrypt: a hex scrypt hash with the given salt and costs is stored and logs in', async () => {
    const plain = 'scrypt-import-pass';
    const salt = 'per-user-salt';
    const hash = scryptSync(plain, salt, 32, { N: 1024, r: 8, p: 2 }).toString('hex');
    const user = await users.createScryptUser({
      userId: ID.unique(), email: 'scrypt@import.test', password: hash,
      passwordSalt: salt, passwordCpu: 1024, passwordMemory: 8, passwordParallel: 2, passwordLength: 32,
    });
    assert.deepEqual({ ...user.hashOptions }, { type: 'scrypt', costCpu: 1024, costMemory: 8, costParallel: 2, length: 32, salt });
    await assertImportedLogin(user, hash, 'scrypt', plain);
  });

  it('scrypt: a CPU cost that is not a power of two, or an empty salt, is 400', async () => {
    const base = { userId: ID.unique(), email: 'scrypt-bad@import.test', password: 'ab'.repeat(32), passwordSalt: 's', passwordCpu: 1024, passwordMemory: 8, passwordParallel: 1, passwordLength: 32 };
    for (const bad of [{ passwordCpu: 1000 }, { passwordSalt: '' }, { passwordLength: 8 }]) {
      const err = await rejection(users.createScryptUser({ ...base, ...bad }));
      assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid'], JSON.stringify(bad));
    }
    assert.equal((await users.list({ queries: [`{"method":"equal","attribute":"email","values":["scrypt-bad@import.test"]}`] })).total, 0);
  });

  it('scrypt-modified: a Firebase hash computed from salt, separator and signer key is stored and logs in', async () => {
    const plain = 'firebase-import-pass';
    const salt = randomBytes(12).toString('base64');
    const separator = 'Bw==';
    const signerKey = randomBytes(64).toString('base64');
    const hash = firebaseScrypt(plain, salt, separator, signerKey);
    const user = await users.createScryptModifiedUser({
      userId: ID.unique(), email: 'firebase@import.test', password: hash,
      passwordSalt: salt, passwordSaltSeparator: separator, passwordSignerKey: signerKey,
    });
    assert.deepEqual({ ...user.hashOptions }, { type: 'scryptMod', salt, saltSeparator: separator, signerKey });
    await assertImportedLogin(user, hash, 'scryptMod', plain);
  });

  it('imports lower-case the email and reject duplicates with 409 user_already_exists', async () => {
    const hash = createHash('md5').update('dup-import-pass').digest('hex');
    const user = await users.createMD5User({ userId: 'dup-import', email: 'Dup@Import.TEST', password: hash });
    assert.equal(user.email, 'dup@import.test');
    const sameEmail = await rejection(users.createMD5User({ userId: ID.unique(), email: 'DUP@import.test', password: hash }));
    assert.deepEqual([sameEmail.code, sameEmail.type], [409, 'user_already_exists']);
    const sameId = await rejection(users.createBcryptUser({ userId: 'dup-import', email: 'other@import.test', password: await bcrypt.hash('x', 4) }));
    assert.deepEqual([sameId.code, sameId.type], [409, 'user_already_exists']);
  });

  it('imports validate the hash like a password param (8 to 256 chars) and require an email', async () => {
    const short = await rejection(users.createMD5User({ userId: ID.unique(), email: 'short@import.test', password: 'abc' }));
    assert.deepEqual([short.code, short.type], [400, 'general_argument_invalid']);
    const long = await rejection(users.createMD5User({ userId: ID.unique(), email: 'long@import.test', password: 'a'.repeat(257) }));
    assert.deepEqual([long.code, long.type], [400, 'general_argument_invalid']);
    const res = await t.fetch('/users/md5', { method: 'POST', headers: { 'x-appwrite-key': t.apiKey }, json: { userId: 'no-email', password: 'a'.repeat(32) } });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).type, 'general_argument_invalid');
  });

  it('a user whose imported hash is malformed cannot log in and nothing crashes', async () => {
    const user = await users.createBcryptUser({ userId: ID.unique(), email: 'broken@import.test', password: '$2y$08$not-a-real-bcrypt-hash' });
    const err = await rejection(new Account(t.guest()).createEmailPasswordSession({ email: user.email, password: 'whatever-pass' }));
    assert.deepEqual([err.code, err.type], [401, 'user_invalid_credentials']);
  });
});
