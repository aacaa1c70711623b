import { it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, rejection, startServer, type TestServer } from '../../harness.ts';
import type { AuthSettings } from '../../../src/projects/projects.ts';

/**
 * Shared validators and hook order checked against Appwrite's source: Auth/Validator/Password.php
 * and PasswordStrength.php (byte lengths, ASCII classes, wording), Utopia's Assoc (prefs may be an
 * empty array), shared/api.php before shared/api/auth.php (abuse count before the auth-method check).
 */
describeEachBackend('validators and hook order', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
  });
  afterEach(async () => t.restoreSettings());
  after(async () => t?.close());

  const setAuths = (patch: Partial<AuthSettings>) => t.setAuths(patch);
  const userRow = (id: string) => t.container.db.selectFrom('users').selectAll().where('project_id', '=', t.projectId).where('id', '=', id).executeTakeFirst();

  it('password length counts bytes: 5 two-byte letters pass, 129 of them (258 bytes) are 400', async () => {
    await users.create({ userId: 'bytes', email: 'bytes@example.com', password: 'ééééé' });
    await new Account(t.guest()).createEmailPasswordSession({ email: 'bytes@example.com', password: 'ééééé' });
    const long = await rejection(users.create({ userId: 'toolong', email: 'long@example.com', password: 'é'.repeat(129) }));
    assert.deepEqual([long.code, long.type], [400, 'general_argument_invalid']);
    assert.equal(await userRow('toolong'), undefined);
    const short = await rejection(users.create({ userId: 'short', password: 'abcdefg' }));
    assert.equal(short.message, 'Invalid `password` param: Password must be between 8 and 256 characters long.');
  });

  it("the strength policy uses ASCII classes and Appwrite's wording", async () => {
    await setAuths({ passwordStrength: { min: 10, uppercase: true, lowercase: false, number: true, symbols: false } });
    const accented = await rejection(users.create({ userId: 'accent', password: 'ÉÉÉÉÉÉÉÉ12' }));
    assert.deepEqual([accented.code, accented.type], [400, 'general_argument_invalid']);
    assert.equal(accented.message, 'Invalid `password` param: Password must be between 10 and 256 characters long, include an uppercase letter, include a number.');
    assert.equal(await userRow('accent'), undefined);
    await users.create({ userId: 'ascii', password: 'Eeeeeeee12' });
  });

  it('prefs may be an empty array, stored and answered as an empty object', async () => {
    await users.create({ userId: 'prefs', email: 'prefs@example.com', password: 'password-123' });
    await users.updatePrefs({ userId: 'prefs', prefs: { a: 1 } });
    const res = await t.fetch('/users/prefs/prefs', { method: 'PATCH', headers: { 'x-appwrite-key': t.apiKey }, json: { prefs: [] } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    assert.deepEqual(Object.keys(await users.getPrefs({ userId: 'prefs' })), []);
    const bad = await t.fetch('/users/prefs/prefs', { method: 'PATCH', headers: { 'x-appwrite-key': t.apiKey }, json: { prefs: [1] } });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).type, 'general_argument_invalid');
  });

  it('a new password starts the history only when the project keeps one', async () => {
    await users.create({ userId: 'nohistory', password: 'password-123' });
    assert.equal((await userRow('nohistory'))!.password_history, '[]');
    await setAuths({ passwordHistory: 3 });
    await users.create({ userId: 'history', password: 'password-123' });
    assert.equal(JSON.parse((await userRow('history'))!.password_history).length, 1);
  });

  it('a disabled auth method answers 501 with the method named, and the attempts still count toward the abuse limit', async () => {
    await setAuths({ disabledMethods: ['email-password'] });
    const account = new Account(t.guest());
    for (let i = 0; i < 10; i++) {
      const err = await rejection(account.createEmailPasswordSession({ email: 'off@example.com', password: 'password-123' }));
      assert.deepEqual([err.code, err.type], [501, 'user_auth_method_unsupported']);
      if (i === 0) assert.equal(err.message, 'Email / Password authentication is disabled for this project');
    }
    const limited = await rejection(account.createEmailPasswordSession({ email: 'off@example.com', password: 'password-123' }));
    assert.deepEqual([limited.code, limited.type], [429, 'general_rate_limit_exceeded']);
  });

  it('a phone number is + and 7 to 15 digits (Utopia Phone): 6 digits or 16 are 400', async () => {
    for (const phone of ['+123456', '+1234567890123456', '+0123456789']) {
      const err = await rejection(users.create({ userId: ID.unique(), phone }));
      assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid'], phone);
    }
    const seven = await users.create({ userId: 'seven', phone: '+1234567' });
    assert.equal(seven.phone, '+1234567');
  });

  it('POST /users/unique()/sessions is 404 user_not_found (userId is a custom id there)', async () => {
    const err = await rejection(users.createSession({ userId: ID.unique() }));
    assert.deepEqual([err.code, err.type], [404, 'user_not_found']);
  });
});
