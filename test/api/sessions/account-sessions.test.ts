import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, rejection, startServer, type TestServer } from '../../harness.ts';

/** Session model fields (models.md). */
const SESSION_KEYS = [
  '$id', '$createdAt', '$updatedAt', 'userId', 'expire', 'provider', 'providerUid', 'providerAccessToken',
  'providerAccessTokenExpiry', 'providerRefreshToken', 'ip', 'osCode', 'osName', 'osVersion', 'clientType', 'clientCode',
  'clientName', 'clientVersion', 'clientEngine', 'clientEngineVersion', 'deviceName', 'deviceBrand', 'deviceModel',
  'countryCode', 'countryName', 'current', 'factors', 'secret', 'mfaUpdatedAt',
].sort();
const TOKEN_KEYS = ['$id', '$createdAt', 'userId', 'secret', 'expire', 'phrase'].sort();

const PASSWORD = 'correct-horse-1';
const YEAR_MS = 31_536_000_000;

describeEachBackend('account sessions', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  const makeUser = (email: string) => users.create({ userId: ID.unique(), email, password: PASSWORD });

  /** Logs in as a guest over raw HTTP; the secret comes from X-Fallback-Cookies as a server-side client sees it. */
  async function guestLogin(email: string, password = PASSWORD, path = '/account/sessions/email') {
    const res = await t.fetch(path, { method: 'POST', json: { email, password } });
    assert.equal(res.status, 201);
    const session = await res.json();
    const secret: string = JSON.parse(res.headers.get('x-fallback-cookies')!)[`a_session_${t.projectId}`];
    return { res, session, secret, account: new Account(t.withSession(secret)) };
  }

  function assertCookiesExpired(res: Response) {
    const cookies = res.headers.getSetCookie();
    for (const name of [`a_session_${t.projectId}`, `a_session_${t.projectId}_legacy`]) {
      const c = cookies.find((x) => x.startsWith(`${name}=`));
      assert.ok(c, `${name} is re-sent`);
      assert.equal(c!.split(';')[0], `${name}=`);
      assert.ok(Date.parse(/Expires=([^;]+)/i.exec(c!)![1]) < clock.now(), `${name} expires in the past`);
    }
    assert.equal(res.headers.get('x-fallback-cookies'), '[]');
  }

  async function assertGuest(secret: string) {
    const err = await rejection(new Account(t.withSession(secret)).get());
    assert.deepEqual([err.code, err.type], [401, 'general_unauthorized_scope']);
  }

  describe('email/password login', () => {
    it('answers 201 with a Session, both cookies and X-Fallback-Cookies', async () => {
      const user = await makeUser('login@example.com');
      const { res, session, secret } = await guestLogin('LOGIN@example.com');
      assert.deepEqual(Object.keys(session).sort(), SESSION_KEYS);
      assert.equal(session.userId, user.$id);
      assert.equal(session.provider, 'email');
      assert.equal(session.providerUid, 'login@example.com');
      assert.deepEqual(session.factors, ['password']);
      assert.equal(session.current, true);
      assert.equal(session.secret, '', 'a guest never sees the secret');
      assert.equal(Date.parse(session.expire) - Date.parse(session.$createdAt), YEAR_MS);
      assert.equal(session.mfaUpdatedAt, '');
      const cookies = res.headers.getSetCookie();
      assert.ok(cookies.some((c) => c.startsWith(`a_session_${t.projectId}=${encodeURIComponent(secret)}`)));
      assert.ok(cookies.some((c) => c.startsWith(`a_session_${t.projectId}_legacy=`)));

      const stored = await users.listSessions({ userId: user.$id });
      assert.equal(stored.total, 1);
      assert.equal(stored.sessions[0].$id, session.$id);
      assert.equal((await new Account(t.withSession(secret)).get()).$id, user.$id);
    });

    it('the POST /account/sessions alias logs in too', async () => {
      const user = await makeUser('alias@example.com');
      const { session } = await guestLogin('alias@example.com', PASSWORD, '/account/sessions');
      assert.equal(session.userId, user.$id);
      assert.equal(session.provider, 'email');
    });

    it('gives an API-key caller the session secret (SSR pattern)', async () => {
      const user = await makeUser('ssr@example.com');
      const session = await new Account(t.server()).createEmailPasswordSession({ email: 'ssr@example.com', password: PASSWORD });
      assert.notEqual(session.secret, '');
      assert.equal((await new Account(t.withSession(session.secret)).get()).$id, user.$id);
    });

    it('answers 401 user_invalid_credentials for an unknown email, a wrong password and a passwordless user', async () => {
      const user = await makeUser('creds@example.com');
      const passwordless = await users.create({ userId: ID.unique(), email: 'nopass@example.com' });
      const account = new Account(t.guest());
      for (const [email, password] of [
        ['nobody@example.com', PASSWORD],
        ['creds@example.com', 'wrong-password'],
        ['nopass@example.com', PASSWORD],
      ]) {
        const err = await rejection(account.createEmailPasswordSession({ email, password }));
        assert.deepEqual([err.code, err.type], [401, 'user_invalid_credentials'], email);
      }
      for (const [email, password] of [['not-an-email', PASSWORD], ['creds@example.com', 'short']]) {
        const err = await rejection(account.createEmailPasswordSession({ email, password }));
        assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid'], `${email}/${password}`);
      }
      assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
      assert.equal((await users.listSessions({ userId: passwordless.$id })).total, 0);
    });

    it('answers 403 user_blocked to a blocked user only after the right password', async () => {
      const user = await makeUser('blocked@example.com');
      await users.updateStatus({ userId: user.$id, status: false });
      const account = new Account(t.guest());
      const right = await rejection(account.createEmailPasswordSession({ email: 'blocked@example.com', password: PASSWORD }));
      assert.deepEqual([right.code, right.type], [403, 'user_blocked']);
      const wrong = await rejection(account.createEmailPasswordSession({ email: 'blocked@example.com', password: 'wrong-password' }));
      assert.deepEqual([wrong.code, wrong.type], [401, 'user_invalid_credentials']);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
    });

    it('refuses a caller that already has a session with 401 user_session_already_exists', async () => {
      const user = await makeUser('twice@example.com');
      const { account } = await guestLogin('twice@example.com');
      const again = await rejection(account.createEmailPasswordSession({ email: 'twice@example.com', password: PASSWORD }));
      assert.deepEqual([again.code, again.type], [401, 'user_session_already_exists']);
      const anon = await rejection(account.createAnonymousSession());
      assert.deepEqual([anon.code, anon.type], [401, 'user_session_already_exists']);
      const token = await users.createToken({ userId: user.$id });
      const exchange = await rejection(account.createSession({ userId: user.$id, secret: token.secret }));
      assert.deepEqual([exchange.code, exchange.type], [401, 'user_session_already_exists']);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 1);
    });
  });

  describe('anonymous session', () => {
    it('creates a user without email or password, then converts it with PATCH /account/email', async () => {
      const res = await t.fetch('/account/sessions/anonymous', { method: 'POST', json: {} });
      assert.equal(res.status, 201);
      const session = await res.json();
      assert.deepEqual(Object.keys(session).sort(), SESSION_KEYS);
      assert.equal(session.provider, 'anonymous');
      assert.equal(session.providerUid, '');
      assert.deepEqual(session.factors, ['anonymous']);
      const secret = JSON.parse(res.headers.get('x-fallback-cookies')!)[`a_session_${t.projectId}`];
      const account = new Account(t.withSession(secret));
      const me = await account.get();
      assert.equal(me.$id, session.userId);
      assert.deepEqual([me.email, me.name, me.phone, me.passwordUpdate], ['', '', '', '']);
      assert.equal((await users.get({ userId: me.$id })).password, null);

      const converted = await account.updateEmail({ email: 'Converted@Example.com', password: 'chosen-password' });
      assert.equal(converted.$id, me.$id);
      assert.equal(converted.email, 'converted@example.com');
      assert.notEqual(converted.passwordUpdate, '');
      const stored = await users.get({ userId: me.$id });
      assert.equal(stored.hash, 'argon2');
      assert.match(stored.password!, /^\$argon2id\$/);
      const recheck = await rejection(account.updateEmail({ email: 'other@example.com', password: 'not-the-password' }));
      assert.deepEqual([recheck.code, recheck.type], [401, 'user_invalid_credentials'], 'the password now guards the email');

      await account.deleteSession({ sessionId: 'current' });
      const { session: login } = await guestLogin('converted@example.com', 'chosen-password');
      assert.equal(login.userId, me.$id);
      assert.equal(login.provider, 'email');
    });
  });

  describe('reading and extending sessions', () => {
    it('lists every session and marks only the caller’s own as current', async () => {
      const user = await makeUser('list@example.com');
      const a = await guestLogin('list@example.com');
      const b = await guestLogin('list@example.com');
      for (const [me, other] of [[a, b], [b, a]]) {
        const list = await me.account.listSessions();
        assert.equal(list.total, 2);
        assert.deepEqual(list.sessions.map((s) => s.$id).sort(), [a.session.$id, b.session.$id].sort());
        assert.deepEqual(list.sessions.filter((s) => s.current).map((s) => s.$id), [me.session.$id]);
        for (const s of list.sessions) {
          assert.deepEqual(Object.keys(s).sort(), SESSION_KEYS);
          assert.equal(s.secret, '');
          assert.equal(s.userId, user.$id);
        }
        const current = await me.account.getSession({ sessionId: 'current' });
        assert.equal(current.$id, me.session.$id);
        assert.equal(current.current, true);
        const byId = await me.account.getSession({ sessionId: other.session.$id });
        assert.equal(byId.$id, other.session.$id);
        assert.equal(byId.current, false);
      }
      const viaUsers = await users.listSessions({ userId: user.$id });
      assert.ok(viaUsers.sessions.every((s) => s.current === false));
    });

    it('PATCH /account/sessions/{id} extends the expiry a full duration from now', async () => {
      const { session, account } = await guestLogin((await makeUser('extend@example.com')).email);
      clock.advance(86_400_000);
      const extended = await account.updateSession({ sessionId: 'current' });
      assert.equal(extended.$id, session.$id);
      assert.equal(extended.current, true);
      assert.equal(Date.parse(extended.expire), clock.now() + YEAR_MS);
      assert.equal(Date.parse(extended.$updatedAt), clock.now());
      assert.ok(Date.parse(extended.expire) > Date.parse(session.expire));
      const stored = await users.listSessions({ userId: session.userId });
      assert.equal(stored.sessions[0].expire, extended.expire);
    });

    it('answers 404 user_session_not_found for unknown ids and for another user’s session', async () => {
      await makeUser('own@example.com');
      await makeUser('stranger@example.com');
      const own = await guestLogin('own@example.com');
      const stranger = await guestLogin('stranger@example.com');
      for (const sessionId of ['unknown-session', stranger.session.$id]) {
        for (const call of [
          () => own.account.getSession({ sessionId }),
          () => own.account.updateSession({ sessionId }),
          () => own.account.deleteSession({ sessionId }),
        ]) {
          const err = await rejection(call());
          assert.deepEqual([err.code, err.type], [404, 'user_session_not_found'], sessionId);
        }
      }
      assert.equal((await stranger.account.get()).email, 'stranger@example.com', 'the other session is untouched');
    });
  });

  describe('ending sessions', () => {
    it('DELETE /account/sessions/{id} ends that session; ending the current one also expires the cookies', async () => {
      const user = await makeUser('logout@example.com');
      const a = await guestLogin('logout@example.com');
      const b = await guestLogin('logout@example.com');
      await a.account.deleteSession({ sessionId: b.session.$id });
      await assertGuest(b.secret);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 1);

      const res = await t.fetch('/account/sessions/current', { method: 'DELETE', headers: { 'x-appwrite-session': a.secret }, json: {} });
      assert.equal(res.status, 204);
      assertCookiesExpired(res);
      await assertGuest(a.secret);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
    });

    it('DELETE /account/sessions ends every session of the caller and expires the cookies', async () => {
      const user = await makeUser('logout-all@example.com');
      const bystander = await makeUser('bystander@example.com');
      const logins = [];
      for (let i = 0; i < 3; i++) logins.push(await guestLogin('logout-all@example.com'));
      const other = await guestLogin('bystander@example.com');
      const res = await t.fetch('/account/sessions', { method: 'DELETE', headers: { 'x-appwrite-session': logins[0].secret }, json: {} });
      assert.equal(res.status, 204);
      assertCookiesExpired(res);
      for (const l of logins) await assertGuest(l.secret);
      assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
      assert.equal((await users.listSessions({ userId: bystander.$id })).total, 1, "another user's sessions stay");
      assert.equal((await other.account.get()).$id, bystander.$id);
    });

    it('the 11th login deletes the oldest session (project default maxSessions = 10)', async () => {
      const user = await makeUser('limit@example.com');
      const logins = [];
      for (let i = 0; i < 11; i++) logins.push(await guestLogin('limit@example.com'));
      const stored = await users.listSessions({ userId: user.$id });
      assert.equal(stored.total, 10);
      const ids = stored.sessions.map((s) => s.$id);
      assert.ok(!ids.includes(logins[0].session.$id), 'the oldest session is gone');
      assert.deepEqual(ids.sort(), logins.slice(1).map((l) => l.session.$id).sort());
      await assertGuest(logins[0].secret);
      assert.equal((await logins[1].account.get()).$id, user.$id);
      assert.equal((await logins[10].account.listSessions()).total, 10);
    });
  });

  it('a token created by the Users API has exactly the Token fields', async () => {
    const user = await makeUser('token@example.com');
    const token = await users.createToken({ userId: user.$id });
    assert.deepEqual(Object.keys(token).sort(), TOKEN_KEYS);
    assert.equal(token.userId, user.$id);
    assert.equal(token.phrase, '');
  });
});
