import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, startServer, type TestServer } from '../../harness.ts';

const PASSWORD = 'low-code-pass-1';

describeEachBackend('POST /v1/auth/local: one-call login for low-code tools', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = FakeClock.atHourStart();
  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  const login = (json: object, headers: Record<string, string> = {}) => t.fetch('/auth/local', { method: 'POST', headers, json });
  const newUser = (email: string) => users.create({ userId: ID.unique(), email, password: PASSWORD });

  it('answers 200 {jwt, user}: a JWT for a new session and the Account model', async () => {
    const user = await newUser('lowcode@example.com');
    const res = await login({ identifier: 'LowCode@example.com', password: PASSWORD });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ['jwt', 'user']);
    assert.equal(body.user.$id, user.$id);
    assert.equal(body.user.email, 'lowcode@example.com');
    assert.equal(body.user.password, undefined, 'no hash in the answer');
    assert.equal(res.headers.get('set-cookie'), null, 'no cookie: a cookie next to the JWT would be refused');
    const sessions = await users.listSessions({ userId: user.$id });
    assert.equal(sessions.total, 1);
    const claims = decodeJwt(body.jwt);
    assert.deepEqual([claims.sub, claims.sid, claims.aud, claims.exp! - claims.iat!], [user.$id, sessions.sessions[0].$id, t.projectId, 900]);
    const me = await t.fetch('/account', { headers: { authorization: `Bearer ${body.jwt}` } });
    assert.equal((await me.json()).$id, user.$id);
  });

  it('wrong credentials are 401 user_invalid_credentials and leave no session; bad input is 400', async () => {
    const user = await newUser('wrong@example.com');
    for (const json of [{ identifier: 'wrong@example.com', password: 'not-the-password' }, { identifier: 'nobody@example.com', password: PASSWORD }]) {
      const res = await login(json);
      assert.equal(res.status, 401);
      const body = await res.json();
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'type', 'version']);
      assert.equal(body.type, 'user_invalid_credentials');
    }
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
    for (const json of [{ identifier: 'not-an-email', password: PASSWORD }, { identifier: 'wrong@example.com' }, { identifier: 'wrong@example.com', password: PASSWORD, duration: 3601 }]) {
      const res = await login(json);
      assert.deepEqual([res.status, (await res.json()).type], [400, 'general_argument_invalid'], JSON.stringify(json));
    }
  });

  it('shares the email login budget: 10 guesses an hour per email across both routes', async () => {
    clock.advance(2 * 3600_000);
    await newUser('budget@example.com');
    for (let i = 0; i < 10; i++) {
      const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email: 'budget@example.com', password: `guess-${i}-guess` } });
      assert.equal(res.status, 401);
    }
    const res = await login({ identifier: 'BUDGET@example.com', password: PASSWORD });
    assert.deepEqual([res.status, (await res.json()).type], [429, 'general_rate_limit_exceeded']);
  });

  it('a user whose MFA needs a second factor is refused 401 user_more_factors_required, with no session left behind', async () => {
    const user = await newUser('mfa@example.com');
    await users.updateEmailVerification({ userId: user.$id, emailVerification: true });
    await users.updateMFA({ userId: user.$id, mfa: true });
    const res = await login({ identifier: 'mfa@example.com', password: PASSWORD });
    assert.deepEqual([res.status, (await res.json()).type], [401, 'user_more_factors_required']);
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
  });

  it('a blocked user is refused 403 user_blocked', async () => {
    const user = await newUser('blocked-lc@example.com');
    await users.updateStatus({ userId: user.$id, status: false });
    const res = await login({ identifier: 'blocked-lc@example.com', password: PASSWORD });
    assert.deepEqual([res.status, (await res.json()).type], [403, 'user_blocked']);
  });

  it('DELETE /v1/auth/local with the JWT ends its session: the JWT no longer works', async () => {
    const user = await newUser('logout@example.com');
    const { jwt } = await (await login({ identifier: 'logout@example.com', password: PASSWORD })).json();
    const bearer = { authorization: `Bearer ${jwt}` };
    assert.equal((await t.fetch('/account', { headers: bearer })).status, 200);
    const out = await t.fetch('/auth/local', { method: 'DELETE', headers: bearer });
    assert.equal(out.status, 204);
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
    const after = await t.fetch('/account', { headers: bearer });
    assert.deepEqual([after.status, (await after.json()).type], [401, 'general_unauthorized_scope']);
    const again = await t.fetch('/auth/local', { method: 'DELETE', headers: bearer });
    assert.equal(again.status, 401);
  });

  it('a caller already signed in cannot log in again: 401 user_session_already_exists', async () => {
    await newUser('twice@example.com');
    const { jwt } = await (await login({ identifier: 'twice@example.com', password: PASSWORD })).json();
    const res = await login({ identifier: 'twice@example.com', password: PASSWORD }, { authorization: `Bearer ${jwt}` });
    assert.deepEqual([res.status, (await res.json()).type], [401, 'user_session_already_exists']);
  });
});
