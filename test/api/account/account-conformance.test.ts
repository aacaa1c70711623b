import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, rejection, startServer, type TestServer } from '../../harness.ts';
import type { AuthSettings } from '../../../src/projects/projects.ts';

/**
 * Account API behaviours checked against Appwrite's source (app/controllers/api/account.php,
 * app/controllers/shared/api.php): which check answers first, and what each path accepts.
 */
const PASSWORD = 'correct-horse-1';

describeEachBackend('account conformance', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
  });
  afterEach(async () => t.restoreSettings());
  after(async () => t?.close());

  /** Changes the project's auth settings for one test (afterEach restores them). */
  const setAuths = (patch: Partial<AuthSettings>) => t.setAuths(patch);

  const strength = (s: Partial<AuthSettings['passwordStrength']>) => ({ min: 8, uppercase: false, lowercase: false, number: false, symbols: false, ...s });

  /** A user with a password and a client holding one of its sessions. */
  async function signedIn(email: string, password = PASSWORD) {
    const user = await users.create({ userId: ID.unique(), email, password });
    const { secret } = await users.createSession({ userId: user.$id });
    return { user, secret, account: new Account(t.withSession(secret)) };
  }

  describe('creating a session while signed in', () => {
    // shared/api.php: the `session` group hook runs before the route's params are validated.
    it('is 401 user_session_already_exists even when the params are invalid', async () => {
      const { secret, account } = await signedIn('twice@example.com');
      const login = await rejection(account.createEmailPasswordSession({ email: 'not-an-email', password: 'x' }));
      assert.deepEqual([login.code, login.type], [401, 'user_session_already_exists']);
      for (const [method, path] of [['POST', '/account/sessions/token'], ['PUT', '/account/sessions/magic-url'], ['PUT', '/account/sessions/phone']]) {
        const res = await t.fetch(path, { method, headers: { 'x-appwrite-session': secret }, json: { userId: '_bad' } });
        assert.equal(res.status, 401, path);
        assert.equal((await res.json()).type, 'user_session_already_exists', path);
      }
      const guest = await rejection(new Account(t.guest()).createEmailPasswordSession({ email: 'not-an-email', password: PASSWORD }));
      assert.deepEqual([guest.code, guest.type], [400, 'general_argument_invalid'], 'a guest still gets the param error');
    });
  });

  describe('session ids', () => {
    it('a malformed sessionId is 400 general_argument_invalid on get, update and delete; `current` still works', async () => {
      const { user, account } = await signedIn('sid@example.com');
      for (const sessionId of ['_leading', 'x'.repeat(37)]) {
        for (const call of [() => account.getSession({ sessionId }), () => account.updateSession({ sessionId }), () => account.deleteSession({ sessionId })]) {
          const err = await rejection(call());
          assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid'], sessionId);
          assert.match(err.message, /`sessionId`/);
        }
      }
      assert.equal((await account.getSession({ sessionId: 'current' })).userId, user.$id);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 1, 'no session was deleted');
    });
  });

  describe('POST /account', () => {
    it('an explicitly empty name is 400 general_argument_invalid (Text(128) has a minimum of 1)', async () => {
      const res = await t.fetch('/account', { method: 'POST', json: { userId: 'empty-name', email: 'empty-name@example.com', password: PASSWORD, name: '' } });
      assert.equal(res.status, 400);
      const body = await res.json();
      assert.equal(body.type, 'general_argument_invalid');
      assert.match(body.message, /`name`/);
      assert.equal((await rejection(users.get({ userId: 'empty-name' }))).type, 'user_not_found');
    });

    it('the password strength policy answers before the user limit', async () => {
      await users.create({ userId: ID.unique(), email: 'limit-filler@example.com' });
      const { total } = await users.list();
      await setAuths({ limit: total, passwordStrength: strength({ min: 12 }) });
      const account = new Account(t.server());
      const weak = await rejection(account.create({ userId: ID.unique(), email: 'weak@example.com', password: 'ten-chars!' }));
      assert.deepEqual([weak.code, weak.type], [400, 'general_argument_invalid']);
      const full = await rejection(account.create({ userId: ID.unique(), email: 'strong@example.com', password: 'twelve-chars-ok' }));
      assert.equal(full.type, 'user_count_exceeded');
      assert.equal((await users.list()).total, total);
    });
  });

  describe('POST /account/jwts', () => {
    it('is 501 user_auth_method_unsupported when the project disables JWT login', async () => {
      const { account } = await signedIn('jwt-off@example.com');
      assert.ok((await account.createJWT()).jwt);
      await setAuths({ disabledMethods: ['jwt'] });
      const err = await rejection(account.createJWT());
      assert.deepEqual([err.code, err.type], [501, 'user_auth_method_unsupported']);
    });
  });

  describe('PATCH /account/password', () => {
    it('checks the strength policy before the old password', async () => {
      const { account } = await signedIn('order@example.com');
      await setAuths({ passwordStrength: strength({ uppercase: true }) });
      const err = await rejection(account.updatePassword({ password: 'all-lower-case', oldPassword: 'not-the-password' }));
      assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid']);
      const wrongOld = await rejection(account.updatePassword({ password: 'Has-Upper-Case', oldPassword: 'not-the-password' }));
      assert.deepEqual([wrongOld.code, wrongOld.type], [401, 'user_invalid_credentials']);
    });

    it('checks the password history before personal data', async () => {
      await setAuths({ passwordHistory: 5 });
      const reused = 'hist-is-in-this-one';
      const { account } = await signedIn('hist@example.com', reused);
      await setAuths({ passwordHistory: 5, personalDataCheck: true });
      const err = await rejection(account.updatePassword({ password: reused, oldPassword: reused }));
      assert.deepEqual([err.code, err.type], [400, 'password_recently_used']);
      const personal = await rejection(account.updatePassword({ password: 'hist-but-new-one', oldPassword: reused }));
      assert.deepEqual([personal.code, personal.type], [400, 'password_personal_data']);
    });

    it('a password cleared through the Users API matches only an empty oldPassword', async () => {
      const { user } = await signedIn('cleared@example.com');
      await users.updatePassword({ userId: user.$id, password: '' });
      const { secret } = await users.createSession({ userId: user.$id });
      const account = new Account(t.withSession(secret));

      const wrong = await rejection(account.updatePassword({ password: 'brand-new-pass', oldPassword: 'anything-at-all' }));
      assert.deepEqual([wrong.code, wrong.type], [401, 'user_invalid_credentials']);
      for (const call of [
        () => account.updateEmail({ email: 'cleared-new@example.com', password: 'brand-new-pass' }),
        () => account.updatePhone({ phone: '+14155550177', password: 'brand-new-pass' }),
      ]) {
        const err = await rejection(call());
        assert.deepEqual([err.code, err.type], [401, 'user_invalid_credentials']);
      }
      const stored = await users.get({ userId: user.$id });
      assert.deepEqual([stored.email, stored.phone], ['cleared@example.com', '']);

      await account.updatePassword({ password: 'brand-new-pass' });
      const login = await new Account(t.server()).createEmailPasswordSession({ email: 'cleared@example.com', password: 'brand-new-pass' });
      assert.equal(login.userId, user.$id);
    });
  });

  describe('PATCH /account/email on a passwordless account', () => {
    it('sets the first password without a history entry, so it may be set again', async () => {
      await setAuths({ passwordHistory: 5 });
      const { secret } = await new Account(t.server()).createAnonymousSession();
      const account = new Account(t.withSession(secret));
      const first = 'first-password-1';
      await account.updateEmail({ email: 'converted@example.com', password: first });
      const again = await account.updatePassword({ password: first, oldPassword: first });
      assert.notEqual(again.passwordUpdate, '');
      const reused = await rejection(account.updatePassword({ password: first, oldPassword: first }));
      assert.deepEqual([reused.code, reused.type], [400, 'password_recently_used'], 'the change itself is recorded');
    });
  });
});
