import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Query, Users } from 'node-appwrite';
import { describeEachBackend, rejection, startServer, type TestServer } from '../../harness.ts';

/** Account model fields (models.md: User minus password, hash, hashOptions). */
const ACCOUNT_KEYS = [
  '$id', '$createdAt', '$updatedAt', 'name', 'registration', 'status', 'labels', 'passwordUpdate', 'email', 'phone',
  'emailVerification', 'emailCanonical', 'emailIsFree', 'emailIsDisposable', 'emailIsCorporate', 'emailIsCanonical',
  'phoneVerification', 'mfa', 'prefs', 'targets', 'accessedAt', 'impersonator', 'impersonatorUserId',
].sort();

const PASSWORD = 'correct-horse-1';
/** The SDK parses with json-bigint, whose objects have a null prototype. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

describeEachBackend('account profile', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /** A user with a password, created through the Users API (no abuse limits). */
  async function makeUser(email: string, password: string | null = PASSWORD) {
    return users.create({ userId: ID.unique(), email, password: password ?? undefined });
  }

  /** Logs in through the API key (SSR pattern), which returns the session secret. */
  async function sessionSecret(email: string, password = PASSWORD): Promise<string> {
    const s = await new Account(t.server()).createEmailPasswordSession({ email, password });
    assert.ok(s.secret);
    return s.secret;
  }

  async function loggedIn(email: string, password = PASSWORD) {
    const user = await makeUser(email, password);
    const secret = await sessionSecret(email, password);
    return { user, secret, account: new Account(t.withSession(secret)) };
  }

  function expiredCookies(res: Response) {
    const cookies = res.headers.getSetCookie();
    for (const name of [`a_session_${t.projectId}`, `a_session_${t.projectId}_legacy`]) {
      const c = cookies.find((x) => x.startsWith(`${name}=`));
      assert.ok(c, `${name} is re-sent`);
      assert.equal(c!.split(';')[0], `${name}=`, `${name} is emptied`);
      const expires = /Expires=([^;]+)/i.exec(c!)?.[1];
      assert.ok(expires && Date.parse(expires) < Date.now(), `${name} expires in the past`);
    }
  }

  describe('POST /account', () => {
    it('creates a user with a lower-cased email, answers 201 with the Account model and sets no cookie', async () => {
      const res = await t.fetch('/account', {
        method: 'POST',
        json: { userId: 'signup-1', email: 'Ada.Lovelace@Example.COM', password: PASSWORD, name: 'Ada' },
      });
      assert.equal(res.status, 201);
      const body = await res.json();
      assert.deepEqual(Object.keys(body).sort(), ACCOUNT_KEYS);
      assert.equal(body.$id, 'signup-1');
      assert.equal(body.email, 'ada.lovelace@example.com');
      assert.equal(body.name, 'Ada');
      assert.equal(body.status, true);
      assert.equal(body.emailVerification, false);
      assert.deepEqual(body.prefs, {});
      assert.deepEqual(body.labels, []);
      assert.notEqual(body.passwordUpdate, '');
      assert.equal(body.accessedAt, body.$createdAt, 'signing up counts as an access');
      assert.match(body.$createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      assert.equal(res.headers.getSetCookie().length, 0, 'account creation sets no cookie');
      assert.equal(res.headers.get('x-fallback-cookies'), null);

      const stored = await users.get({ userId: 'signup-1' });
      assert.equal(stored.hash, 'argon2');
      assert.match(stored.password!, /^\$argon2id\$/);
      assert.equal((await users.listSessions({ userId: 'signup-1' })).total, 0, 'no session is created');
      const session = await new Account(t.server()).createEmailPasswordSession({ email: 'ADA.lovelace@example.com', password: PASSWORD });
      assert.equal(session.userId, 'signup-1');
    });

    it('generates the id for unique() through the SDK', async () => {
      const user = await new Account(t.guest()).create({ userId: ID.unique(), email: 'uniq@example.com', password: PASSWORD });
      assert.match(user.$id, /^[0-9a-f]{20}$/);
      assert.equal(user.name, '');
      assert.equal((user as any).password, undefined);
      assert.equal((user as any).hash, undefined);
      assert.equal((user as any).hashOptions, undefined);
    });

    it('refuses a duplicate email (any case) or id with 409 user_already_exists', async () => {
      const account = new Account(t.guest());
      await account.create({ userId: 'dup-1', email: 'dup@example.com', password: PASSWORD });
      const sameEmail = await rejection(account.create({ userId: 'dup-2', email: 'DUP@example.com', password: PASSWORD }));
      assert.deepEqual([sameEmail.code, sameEmail.type], [409, 'user_already_exists']);
      const sameId = await rejection(account.create({ userId: 'dup-1', email: 'other-dup@example.com', password: PASSWORD }));
      assert.deepEqual([sameId.code, sameId.type], [409, 'user_already_exists']);
      const found = await users.list({ queries: [Query.equal('email', 'dup@example.com')] });
      assert.equal(found.total, 1);
      assert.equal((await users.list({ queries: [Query.equal('email', 'other-dup@example.com')] })).total, 0);
    });

    it('rejects a bad email, short password, bad userId or long name with 400 general_argument_invalid', async () => {
      // Sent with the key: abuse limits never apply to it, and the validation is the same.
      const account = new Account(t.server());
      const before = (await users.list()).total;
      const cases: [string, { userId: string; email: string; password: string; name?: string }][] = [
        ['email', { userId: ID.unique(), email: 'not-an-email', password: PASSWORD }],
        ['password', { userId: ID.unique(), email: 'short@example.com', password: 'short' }],
        ['password', { userId: ID.unique(), email: 'long@example.com', password: 'x'.repeat(257) }],
        ['userId', { userId: '_leading', email: 'lead@example.com', password: PASSWORD }],
        ['userId', { userId: 'a'.repeat(37), email: 'longid@example.com', password: PASSWORD }],
        ['name', { userId: ID.unique(), email: 'name@example.com', password: PASSWORD, name: 'n'.repeat(129) }],
      ];
      for (const [param, input] of cases) {
        const err = await rejection(account.create(input));
        assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid'], param);
        assert.match(err.message, new RegExp(`\`${param}\``), param);
      }
      const missing = await t.fetch('/account', { method: 'POST', json: { userId: ID.unique(), email: 'nopass@example.com' } });
      assert.equal(missing.status, 400);
      assert.equal((await missing.json()).type, 'general_argument_invalid');
      assert.equal((await users.list()).total, before, 'no user was created');
    });
  });

  describe('GET /account', () => {
    it('refuses a guest with 401 general_unauthorized_scope naming the guests role', async () => {
      const err = await rejection(new Account(t.guest()).get());
      assert.deepEqual([err.code, err.type], [401, 'general_unauthorized_scope']);
      assert.match(err.message, /\(role: guests\) missing scopes/);
    });

    it('returns exactly the Account fields to the session owner', async () => {
      const { user, secret, account } = await loggedIn('get@example.com');
      const me = await account.get();
      assert.deepEqual(Object.keys(me).sort(), ACCOUNT_KEYS);
      assert.equal(me.$id, user.$id);
      assert.equal(me.email, 'get@example.com');
      assert.equal(me.impersonatorUserId, null);
      const byCookie = await t.fetch('/account', { headers: { cookie: `a_session_${t.projectId}=${secret}` } });
      assert.equal(byCookie.status, 200);
      assert.equal((await byCookie.json()).$id, user.$id);
    });

    it('treats an unknown session secret as a guest', async () => {
      const forged = Buffer.from(JSON.stringify({ id: 'nobody', secret: 'f'.repeat(256) })).toString('base64');
      const err = await rejection(new Account(t.withSession(forged)).get());
      assert.deepEqual([err.code, err.type], [401, 'general_unauthorized_scope']);
    });
  });

  describe('PATCH /account/name', () => {
    it('updates the name within 1–128 characters', async () => {
      const { user, account } = await loggedIn('name@example.com');
      const updated = await account.updateName({ name: 'n'.repeat(128) });
      assert.equal(updated.name, 'n'.repeat(128));
      assert.deepEqual(Object.keys(updated).sort(), ACCOUNT_KEYS);
      for (const name of ['', 'n'.repeat(129)]) {
        const err = await rejection(account.updateName({ name }));
        assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid']);
      }
      assert.equal((await users.get({ userId: user.$id })).name, 'n'.repeat(128));
    });
  });

  describe('PATCH /account/email', () => {
    it('checks the current password, lower-cases the email and resets verification', async () => {
      const { user, account } = await loggedIn('old-mail@example.com');
      await users.updateEmailVerification({ userId: user.$id, emailVerification: true });
      const wrong = await rejection(account.updateEmail({ email: 'new-mail@example.com', password: 'wrong-password' }));
      assert.deepEqual([wrong.code, wrong.type], [401, 'user_invalid_credentials']);
      const bad = await rejection(account.updateEmail({ email: 'not-an-email', password: PASSWORD }));
      assert.deepEqual([bad.code, bad.type], [400, 'general_argument_invalid']);
      assert.equal((await users.get({ userId: user.$id })).email, 'old-mail@example.com');

      const updated = await account.updateEmail({ email: 'New-Mail@Example.com', password: PASSWORD });
      assert.equal(updated.email, 'new-mail@example.com');
      assert.equal(updated.emailVerification, false);
      assert.deepEqual(Object.keys(updated).sort(), ACCOUNT_KEYS);
      const stored = await users.get({ userId: user.$id });
      assert.equal(stored.email, 'new-mail@example.com');
      assert.equal(stored.emailVerification, false);

      const login = new Account(t.server());
      assert.equal((await login.createEmailPasswordSession({ email: 'new-mail@example.com', password: PASSWORD })).userId, user.$id);
      const oldLogin = await rejection(login.createEmailPasswordSession({ email: 'old-mail@example.com', password: PASSWORD }));
      assert.deepEqual([oldLogin.code, oldLogin.type], [401, 'user_invalid_credentials']);
    });

    it("refuses another user's email with 409 user_target_already_exists", async () => {
      await makeUser('taken@example.com');
      const { user, account } = await loggedIn('taker@example.com');
      const err = await rejection(account.updateEmail({ email: 'TAKEN@example.com', password: PASSWORD }));
      assert.deepEqual([err.code, err.type], [409, 'user_target_already_exists']);
      assert.equal((await users.get({ userId: user.$id })).email, 'taker@example.com');
    });
  });

  describe('PATCH /account/password', () => {
    it('requires the old password, keeps the current session and ends the others', async () => {
      const { user, secret, account } = await loggedIn('pw@example.com');
      const other = await sessionSecret('pw@example.com');
      const before = await users.get({ userId: user.$id });

      const missing = await rejection(account.updatePassword({ password: 'new-password-1' }));
      assert.deepEqual([missing.code, missing.type], [401, 'user_invalid_credentials']);
      const wrong = await rejection(account.updatePassword({ password: 'new-password-1', oldPassword: 'not-the-password' }));
      assert.deepEqual([wrong.code, wrong.type], [401, 'user_invalid_credentials']);
      const short = await rejection(account.updatePassword({ password: 'short', oldPassword: PASSWORD }));
      assert.deepEqual([short.code, short.type], [400, 'general_argument_invalid']);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 2, 'failed attempts end no session');

      const updated = await account.updatePassword({ password: 'new-password-1', oldPassword: PASSWORD });
      assert.deepEqual(Object.keys(updated).sort(), ACCOUNT_KEYS);
      assert.ok(Date.parse(updated.passwordUpdate) >= Date.parse(before.passwordUpdate));
      const sessions = await users.listSessions({ userId: user.$id });
      assert.equal(sessions.total, 1);
      assert.equal((await account.get()).$id, user.$id, 'the session that changed the password survives');
      const gone = await rejection(new Account(t.withSession(other)).get());
      assert.deepEqual([gone.code, gone.type], [401, 'general_unauthorized_scope']);
      assert.notEqual(secret, other);

      const login = new Account(t.server());
      const oldLogin = await rejection(login.createEmailPasswordSession({ email: 'pw@example.com', password: PASSWORD }));
      assert.equal(oldLogin.type, 'user_invalid_credentials');
      assert.equal((await login.createEmailPasswordSession({ email: 'pw@example.com', password: 'new-password-1' })).userId, user.$id);
    });

    it('lets a user without a password set one without oldPassword', async () => {
      const user = await makeUser('nopw@example.com', null);
      const session = await users.createSession({ userId: user.$id });
      const account = new Account(t.withSession(session.secret));
      assert.equal((await account.get()).passwordUpdate, '');
      const updated = await account.updatePassword({ password: 'first-password' });
      assert.notEqual(updated.passwordUpdate, '');
      const login = await new Account(t.server()).createEmailPasswordSession({ email: 'nopw@example.com', password: 'first-password' });
      assert.equal(login.userId, user.$id);
    });
  });

  describe('PATCH /account/phone', () => {
    it('sets an E.164 number after checking the password', async () => {
      const { user, account } = await loggedIn('phone@example.com');
      const bad = await rejection(account.updatePhone({ phone: '4155550100', password: PASSWORD }));
      assert.deepEqual([bad.code, bad.type], [400, 'general_argument_invalid']);
      const wrong = await rejection(account.updatePhone({ phone: '+14155550100', password: 'wrong-password' }));
      assert.deepEqual([wrong.code, wrong.type], [401, 'user_invalid_credentials']);
      assert.equal((await users.get({ userId: user.$id })).phone, '');

      const updated = await account.updatePhone({ phone: '+14155550100', password: PASSWORD });
      assert.equal(updated.phone, '+14155550100');
      assert.equal(updated.phoneVerification, false);
      assert.equal((await users.get({ userId: user.$id })).phone, '+14155550100');
    });

    it("refuses another user's phone with 409 user_target_already_exists", async () => {
      await users.create({ userId: ID.unique(), phone: '+14155550199' });
      const { user, account } = await loggedIn('phone-taker@example.com');
      const err = await rejection(account.updatePhone({ phone: '+14155550199', password: PASSWORD }));
      assert.deepEqual([err.code, err.type], [409, 'user_target_already_exists']);
      assert.equal((await users.get({ userId: user.$id })).phone, '');
    });
  });

  describe('prefs', () => {
    it('replaces the whole object and reads it back', async () => {
      const { user, account } = await loggedIn('prefs@example.com');
      assert.deepEqual(plain(await account.getPrefs()), {});
      const first = await account.updatePrefs({ prefs: { theme: 'dark', nested: { list: [1, 2] } } });
      assert.deepEqual(plain(first.prefs), { theme: 'dark', nested: { list: [1, 2] } });
      assert.deepEqual(plain(await account.getPrefs()), { theme: 'dark', nested: { list: [1, 2] } });
      await account.updatePrefs({ prefs: { lang: 'en' } });
      assert.deepEqual(plain(await account.getPrefs()), { lang: 'en' }, 'no merge with the previous object');
      assert.deepEqual(plain((await users.get({ userId: user.$id })).prefs), { lang: 'en' });
      await account.updatePrefs({ prefs: {} });
      const raw = await t.fetch('/account/prefs', { headers: { 'x-appwrite-session': (await sessionSecret('prefs@example.com')) } });
      assert.equal(await raw.text(), '{}', 'empty prefs serialise as an object');
    });

    it('accepts 65535 bytes of JSON and refuses more, or anything but an object, with 400', async () => {
      const { user, secret, account } = await loggedIn('bigprefs@example.com');
      const overhead = JSON.stringify({ k: '' }).length;
      const exact = { k: 'x'.repeat(65535 - overhead) };
      assert.equal(JSON.stringify(exact).length, 65535);
      await account.updatePrefs({ prefs: exact });
      const tooBig = await rejection(account.updatePrefs({ prefs: { k: 'x'.repeat(65536 - overhead) } }));
      assert.deepEqual([tooBig.code, tooBig.type], [400, 'general_argument_invalid']);
      for (const prefs of [[1, 2], 'text', 5, null]) {
        const res = await t.fetch('/account/prefs', { method: 'PATCH', headers: { 'x-appwrite-session': secret }, json: { prefs } });
        assert.equal(res.status, 400, JSON.stringify(prefs));
        assert.equal((await res.json()).type, 'general_argument_invalid');
      }
      const stored = (await users.get({ userId: user.$id })).prefs as Record<string, string>;
      assert.ok(stored.k === exact.k, 'failed updates change nothing');
    });
  });

  describe('blocking', () => {
    it('PATCH /account/status blocks the caller, clears the cookies and keeps the sessions', async () => {
      const { user, secret } = await loggedIn('self-block@example.com');
      const res = await t.fetch('/account/status', { method: 'PATCH', headers: { 'x-appwrite-session': secret }, json: {} });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.status, false);
      assert.deepEqual(Object.keys(body).sort(), ACCOUNT_KEYS);
      expiredCookies(res);
      assert.equal(res.headers.get('x-fallback-cookies'), '[]');

      assert.equal((await users.get({ userId: user.$id })).status, false);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 1, 'sessions stay in the database');
      const again = await rejection(new Account(t.withSession(secret)).get());
      assert.deepEqual([again.code, again.type], [403, 'user_blocked']);
      const prefs = await rejection(new Account(t.withSession(secret)).getPrefs());
      assert.deepEqual([prefs.code, prefs.type], [403, 'user_blocked']);
      const login = await rejection(new Account(t.guest()).createEmailPasswordSession({ email: 'self-block@example.com', password: PASSWORD }));
      assert.deepEqual([login.code, login.type], [403, 'user_blocked']);
    });

    it('users.updateStatus(false) stops an existing session and JWT at once, and unblocking restores them', async () => {
      const { user, secret, account } = await loggedIn('admin-block@example.com');
      const { jwt } = await account.createJWT();
      const viaJwt = new Account(t.withJwt(jwt));
      assert.equal((await account.get()).$id, user.$id, 'the session is warm in the cache');
      assert.equal((await viaJwt.get()).$id, user.$id);

      await users.updateStatus({ userId: user.$id, status: false });
      for (const client of [account, viaJwt]) {
        const err = await rejection(client.get());
        assert.deepEqual([err.code, err.type], [403, 'user_blocked']);
      }
      const listed = await rejection(new Account(t.withSession(secret)).listSessions());
      assert.equal(listed.type, 'user_blocked');

      await users.updateStatus({ userId: user.$id, status: true });
      assert.equal((await account.get()).status, true);
      assert.equal((await viaJwt.get()).$id, user.$id);
    });
  });
});
