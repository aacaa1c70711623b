import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Query, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, rejection, startServer, type TestServer } from '../../harness.ts';

describeEachBackend('custom token login', (backend) => {
  let t: TestServer;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
  });
  after(async () => t?.close());

  /** The server half of the flow: find or create the user by email, then mint a token. */
  async function serverIssuesToken(email: string, opts: { length?: number; expire?: number } = {}) {
    const users = new Users(t.server());
    const found = await users.list({ queries: [Query.equal('email', email)] });
    const user = found.users[0] ?? (await users.create({ userId: ID.unique(), email }));
    const token = await users.createToken({ userId: user.$id, ...opts });
    return { user, token };
  }

  it('exchanges a server-minted token for a session the client can use', async () => {
    const { user, token } = await serverIssuesToken('ada@example.com');
    assert.match(token.secret, /^[0-9a-f]{6}$/);
    assert.equal(token.userId, user.$id);
    assert.equal(Date.parse(token.expire) - Date.parse(token.$createdAt), 900_000);

    const res = await t.fetch('/account/sessions/token', { method: 'POST', json: { userId: user.$id, secret: token.secret } });
    assert.equal(res.status, 201);
    const session = await res.json();
    assert.equal(session.userId, user.$id);
    assert.equal(session.provider, 'token');
    assert.deepEqual(session.factors, ['token']);
    assert.equal(session.current, true);
    assert.equal(session.secret, '', 'a guest caller never sees the session secret');

    const cookies = res.headers.getSetCookie();
    const main = cookies.find((c) => c.startsWith(`a_session_${t.projectId}=`));
    const legacy = cookies.find((c) => c.startsWith(`a_session_${t.projectId}_legacy=`));
    assert.ok(main && legacy, 'both session cookies are set');
    assert.match(main!, /HttpOnly/i);
    assert.match(main!, /SameSite=None/i);
    assert.doesNotMatch(legacy!, /SameSite/i);
    const fallback = JSON.parse(res.headers.get('x-fallback-cookies')!);
    const cookieValue = fallback[`a_session_${t.projectId}`];
    assert.equal(main!.split(';')[0].split('=').slice(1).join('='), encodeURIComponent(cookieValue));

    // by cookie
    const byCookie = await t.fetch('/account', { headers: { cookie: `a_session_${t.projectId}=${cookieValue}` } });
    assert.equal(byCookie.status, 200);
    assert.equal((await byCookie.json()).$id, user.$id);
    // by legacy cookie
    const byLegacy = await t.fetch('/account', { headers: { cookie: `a_session_${t.projectId}_legacy=${cookieValue}` } });
    assert.equal((await byLegacy.json()).email, 'ada@example.com');
    // by X-Appwrite-Session through the SDK
    const account = new Account(t.withSession(cookieValue));
    const me = await account.get();
    assert.equal(me.$id, user.$id);
    assert.equal((me as any).password, undefined, 'Account model has no password field');
    // by fallback cookie header
    const byFallback = await t.fetch('/account', { headers: { 'x-fallback-cookies': JSON.stringify(fallback) } });
    assert.equal(byFallback.status, 200);

    await account.deleteSession({ sessionId: 'current' });
    const after = await rejection(account.get());
    assert.equal(after.code, 401);
    assert.equal(after.type, 'general_unauthorized_scope');
  });

  it('a token works once', async () => {
    const { user, token } = await serverIssuesToken('once@example.com');
    const account = new Account(t.guest());
    await account.createSession({ userId: user.$id, secret: token.secret });
    const second = await rejection(account.createSession({ userId: user.$id, secret: token.secret }));
    assert.equal(second.code, 401);
    assert.equal(second.type, 'user_invalid_token');
  });

  it('token is single-use under 20 concurrent exchanges', async () => {
    const { user, token } = await serverIssuesToken('race@example.com');
    // Sent with the API key, which abuse limits never apply to, so all 20 reach the exchange.
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.fetch('/account/sessions/token', { method: 'POST', headers: { 'x-appwrite-key': t.apiKey }, json: { userId: user.$id, secret: token.secret } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1);
    assert.equal(statuses.filter((s) => s === 401).length, 19);
    const sessions = await new Users(t.server()).listSessions({ userId: user.$id });
    assert.equal(sessions.total, 1);
  });

  it('rejects a wrong secret, an unknown user and an expired token with user_invalid_token', async () => {
    const { user, token } = await serverIssuesToken('wrong@example.com', { expire: 60 });
    const account = new Account(t.guest());
    const wrong = await rejection(account.createSession({ userId: user.$id, secret: token.secret === 'abcdef' ? '123456' : 'abcdef' }));
    assert.deepEqual([wrong.code, wrong.type], [401, 'user_invalid_token']);
    const unknown = await rejection(account.createSession({ userId: 'nobody', secret: token.secret }));
    assert.deepEqual([unknown.code, unknown.type], [401, 'user_invalid_token']);
    clock.advance(61_000);
    const expired = await rejection(account.createSession({ userId: user.$id, secret: token.secret }));
    assert.deepEqual([expired.code, expired.type], [401, 'user_invalid_token']);
  });

  it('honours length and validates length and expire ranges', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'len@example.com' });
    const long = await users.createToken({ userId: user.$id, length: 128, expire: 31536000 });
    assert.match(long.secret, /^[0-9a-f]{128}$/);
    const tooShort = await rejection(users.createToken({ userId: user.$id, length: 3 }));
    assert.deepEqual([tooShort.code, tooShort.type], [400, 'general_argument_invalid']);
    const tooSoon = await rejection(users.createToken({ userId: user.$id, expire: 59 }));
    assert.deepEqual([tooSoon.code, tooSoon.type], [400, 'general_argument_invalid']);
    const missing = await rejection(users.createToken({ userId: 'missing-user' }));
    assert.deepEqual([missing.code, missing.type], [404, 'user_not_found']);
  });

  it('returns the token secret only to API-key callers', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'key@example.com' });
    const token = await users.createToken({ userId: user.$id });
    const session = await new Account(t.server()).createSession({ userId: user.$id, secret: token.secret });
    assert.notEqual(session.secret, '', 'a key caller gets the session secret (SSR pattern)');
    const me = await new Account(t.withSession(session.secret)).get();
    assert.equal(me.$id, user.$id);
  });
});
