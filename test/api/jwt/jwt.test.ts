import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { Account, Client, ID, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, expectError, rejection, startServer, type TestServer } from '../../harness.ts';

const PASSWORD = 'correct-horse-1';

function decode(jwt: string) {
  const [header, payload, signature] = jwt.split('.');
  assert.ok(signature, 'three parts');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

describeEachBackend('account JWTs', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /** A user with a password and one session; returns the session and a client acting with it. */
  async function signedIn(email: string) {
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    return { user, session, secret: session.secret, account: new Account(t.withSession(session.secret)) };
  }


  describe('POST /account/jwts', () => {
    it('answers 201 {jwt}: EdDSA with a kid, userId, sessionId and a 900 s lifetime', async () => {
      const { user, session, secret } = await signedIn('jwt@example.com');
      for (const path of ['/account/jwts', '/account/jwt']) {
        const res = await t.fetch(path, { method: 'POST', headers: { 'x-appwrite-session': secret }, json: {} });
        assert.equal(res.status, 201, path);
        const body = await res.json();
        assert.deepEqual(Object.keys(body), ['jwt']);
        const { header, payload } = decode(body.jwt);
        assert.deepEqual(header, { alg: 'EdDSA', typ: 'JWT', kid: t.container.jwt.jwks().keys[0].kid });
        assert.equal(payload.userId, user.$id);
        assert.equal(payload.sessionId, session.$id);
        assert.equal(payload.iat, Math.floor(clock.now() / 1000));
        assert.equal(payload.exp - payload.iat, 900);
      }
    });

    it('takes a duration from 0 to 3600 seconds', async () => {
      const { account, secret } = await signedIn('duration@example.com');
      const long = decode((await account.createJWT({ duration: 3600 })).jwt).payload;
      assert.equal(long.exp - long.iat, 3600);
      const zero = decode((await account.createJWT({ duration: 0 })).jwt).payload;
      assert.equal(zero.exp, zero.iat);
      for (const duration of [3601, -1]) {
        await expectError(account.createJWT({ duration }), 400, 'general_argument_invalid');
      }
      const text = await t.fetch('/account/jwts', { method: 'POST', headers: { 'x-appwrite-session': secret }, json: { duration: 'soon' } });
      assert.equal(text.status, 400);
      assert.equal((await text.json()).type, 'general_argument_invalid');
    });

    it('refuses a guest with 401 general_unauthorized_scope', async () => {
      await expectError(new Account(t.guest()).createJWT(), 401, 'general_unauthorized_scope');
    });

    it('refuses a JWT-authenticated request with 403 user_jwt_creation_denied', async () => {
      const { account } = await signedIn('nested@example.com');
      const { jwt } = await account.createJWT();
      await expectError(new Account(t.withJwt(jwt)).createJWT(), 403, 'user_jwt_creation_denied');
    });
  });

  describe('acting with a JWT', () => {
    it('authenticates the SDK as its user, without a current session', async () => {
      const { user, account } = await signedIn('acting@example.com');
      const viaJwt = new Account(t.withJwt((await account.createJWT()).jwt));
      const me = await viaJwt.get();
      assert.equal(me.$id, user.$id);
      assert.equal((me as any).password, undefined);
      assert.equal((await viaJwt.updateName({ name: 'Via JWT' })).name, 'Via JWT');
      assert.equal((await users.get({ userId: user.$id })).name, 'Via JWT');
      const list = await viaJwt.listSessions();
      assert.equal(list.total, 1);
      assert.equal(list.sessions[0].current, false, 'a JWT is not a session secret');
      await expectError(viaJwt.getSession({ sessionId: 'current' }), 404, 'user_session_not_found');
    });

    it('a JWT together with a valid session answers 403 user_jwt_and_cookie_set', async () => {
      const { secret, account } = await signedIn('both@example.com');
      const { jwt } = await account.createJWT();
      const byCookie = await t.fetch('/account', { headers: { cookie: `a_session_${t.projectId}=${secret}`, 'x-appwrite-jwt': jwt } });
      assert.equal(byCookie.status, 403);
      assert.equal((await byCookie.json()).type, 'user_jwt_and_cookie_set');
      const both = new Client().setEndpoint(t.endpoint).setProject(t.projectId).setSession(secret).setJWT(jwt);
      await expectError(new Account(both).get(), 403, 'user_jwt_and_cookie_set');
      // A session value that resolves to nobody is no session: the JWT decides.
      const stale = await t.fetch('/account', { headers: { cookie: `a_session_${t.projectId}=bm90LWEtc2Vzc2lvbg==`, 'x-appwrite-jwt': jwt } });
      assert.equal(stale.status, 200);
    });

    it('a JWT caller cannot open a session: 401 user_session_already_exists', async () => {
      const { user, account } = await signedIn('jwt-login@example.com');
      const viaJwt = new Account(t.withJwt((await account.createJWT()).jwt));
      await expectError(viaJwt.createEmailPasswordSession({ email: 'jwt-login@example.com', password: PASSWORD }), 401, 'user_session_already_exists');
      await expectError(viaJwt.createAnonymousSession(), 401, 'user_session_already_exists');
      assert.equal((await users.listSessions({ userId: user.$id })).total, 1);
    });

    it('a password change through a JWT keeps every session (only a session secret ends the others)', async () => {
      const { user, account } = await signedIn('jwt-password@example.com');
      await new Account(t.server()).createEmailPasswordSession({ email: 'jwt-password@example.com', password: PASSWORD });
      const viaJwt = new Account(t.withJwt((await account.createJWT()).jwt));
      await viaJwt.updatePassword({ password: 'another-password', oldPassword: PASSWORD });
      assert.equal((await users.listSessions({ userId: user.$id })).total, 2);
      assert.equal((await account.get()).$id, user.$id);
    });
  });

  describe('invalid JWTs', () => {
    it('a garbage, tampered or foreign-signed JWT gets 401 user_jwt_invalid', async () => {
      const { user, session, account } = await signedIn('forged@example.com');
      const victim = await users.create({ userId: ID.unique(), email: 'victim@example.com', password: PASSWORD });
      const { jwt } = await account.createJWT();
      const [h, p, s] = jwt.split('.');
      const payload = { ...decode(jwt).payload, userId: victim.$id };
      const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      const foreign = await new SignJWT({ userId: user.$id, sessionId: session.$id, projectId: t.projectId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(Math.floor(clock.now() / 1000))
        .setExpirationTime(Math.floor(clock.now() / 1000) + 900)
        .sign(randomBytes(64));
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
      for (const bad of ['garbage', tampered, foreign, unsigned]) {
        const err = await expectError(new Account(t.withJwt(bad)).get(), 401, 'user_jwt_invalid');
        assert.match(err.message, /^Failed to verify JWT\./);
      }
    });

    it('an expired JWT gets 401 user_jwt_invalid', async () => {
      const { account } = await signedIn('expired@example.com');
      const { jwt } = await account.createJWT({ duration: 60 });
      const viaJwt = new Account(t.withJwt(jwt));
      clock.advance(59_000);
      await viaJwt.get();
      clock.advance(2_000);
      await expectError(viaJwt.get(), 401, 'user_jwt_invalid');
    });

    it('deleting the session makes its JWT a guest', async () => {
      const { user, session, account } = await signedIn('revoked@example.com');
      const { jwt } = await account.createJWT();
      const viaJwt = new Account(t.withJwt(jwt));
      await viaJwt.get();
      await users.deleteSession({ userId: user.$id, sessionId: session.$id });
      await expectError(viaJwt.get(), 401, 'general_unauthorized_scope');
    });
  });

  describe('users.createJWT', () => {
    it('mints a JWT for the newest session, a named session, or none', async () => {
      const { user, session: first } = await signedIn('server-jwt@example.com');
      const second = await users.createSession({ userId: user.$id });
      const recent = decode((await users.createJWT({ userId: user.$id })).jwt).payload;
      assert.equal(recent.sessionId, second.$id);
      assert.equal(recent.userId, user.$id);
      assert.equal(recent.exp - recent.iat, 900);
      const named = await users.createJWT({ userId: user.$id, sessionId: first.$id, duration: 120 });
      assert.equal(decode(named.jwt).payload.sessionId, first.$id);
      assert.equal(decode(named.jwt).payload.exp - decode(named.jwt).payload.iat, 120);
      assert.equal((await new Account(t.withJwt(named.jwt)).get()).$id, user.$id);

      assert.equal(decode((await users.createJWT({ userId: user.$id, sessionId: 'no-such-session' })).jwt).payload.sessionId, '', 'an unknown session id binds the JWT to no session, as Appwrite');
      await expectError(users.createJWT({ userId: 'no-such-user' }), 404, 'user_not_found');
      await expectError(users.createJWT({ userId: user.$id, duration: 3601 }), 400, 'general_argument_invalid');

      const lonely = await users.create({ userId: ID.unique(), email: 'lonely@example.com' });
      const none = await users.createJWT({ userId: lonely.$id });
      assert.equal(decode(none.jwt).payload.sessionId, '');
      assert.equal((await new Account(t.withJwt(none.jwt)).get()).$id, lonely.$id, 'a session-less JWT needs no session');
    });

    it("another user's session id binds nothing: the JWT acts as the user alone and dies with no session", async () => {
      const { user } = await signedIn('owner@example.com');
      const { session: foreign } = await signedIn('not-owner@example.com');
      const jwt = await users.createJWT({ userId: user.$id, sessionId: foreign.$id });
      assert.deepEqual([decode(jwt.jwt).payload.userId, decode(jwt.jwt).payload.sessionId], [user.$id, '']);
      assert.equal((await new Account(t.withJwt(jwt.jwt)).get()).$id, user.$id);
    });
  });

  it('a JWT of one project is refused by another project', async () => {
    const { user, account } = await signedIn('cross@example.com');
    const { jwt } = await account.createJWT();
    await t.container.projects.create('other-project', 'Other');
    const key = await t.container.keys.create({ projectId: 'other-project', id: 'k1', name: 'k1', scopes: ['users.read', 'users.write'], expire: null });
    const otherUsers = new Users(new Client().setEndpoint(t.endpoint).setProject('other-project').setKey(key.secret!));
    await otherUsers.create({ userId: user.$id, email: 'cross@example.com', password: PASSWORD });

    const elsewhere = new Account(new Client().setEndpoint(t.endpoint).setProject('other-project').setJWT(jwt));
    await expectError(elsewhere.get(), 401, 'user_jwt_invalid');
    assert.equal((await new Account(t.withJwt(jwt)).get()).$id, user.$id, 'it still works in its own project');
  });
});
