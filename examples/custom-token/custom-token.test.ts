import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Account, Query, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../test/harness.ts';
import { createLoginServer } from './server.mjs';
import { login, LoginError } from './client.mjs';

describeEachBackend('custom-token example', (backend) => {
  let t: TestServer;
  let loginServer: http.Server;
  let loginUrl: string;
  const target = () => ({ endpoint: t.endpoint, project: t.projectId });
  const usersWithEmail = (email: string) => new Users(t.server()).list({ queries: [Query.equal('email', email)] });

  before(async () => {
    t = await startServer(backend);
    loginServer = createLoginServer({ endpoint: t.endpoint, project: t.projectId, apiKey: t.apiKey });
    await new Promise<void>((resolve) => loginServer.listen(0, '127.0.0.1', resolve));
    loginUrl = `http://127.0.0.1:${(loginServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => (loginServer ? loginServer.close(resolve) : resolve(undefined)));
    await t?.close();
  });

  it('right legacy credentials log the client in as the matching Tessera user', async () => {
    const { user, session, sessionSecret } = await login(loginUrl, 'ada', 'lovelace-1815', target());
    assert.equal(user.email, 'ada@example.com');
    assert.equal(user.name, 'Ada Lovelace');
    assert.equal(session.userId, user.$id);
    assert.equal(session.provider, 'token');
    assert.ok(sessionSecret.length > 0);

    // The session is real: a fresh client with only the cookie value sees the same user.
    const me = await new Account(t.withSession(sessionSecret)).get();
    assert.equal(me.$id, user.$id);
    const sessions = await new Users(t.server()).listSessions({ userId: user.$id });
    assert.deepEqual(sessions.sessions.map((s) => s.$id), [session.$id]);
  });

  it('wrong password gets 401 from /login and creates no Tessera user', async () => {
    const res = await fetch(`${loginUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'charles', password: 'difference-engine' }),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), { message: 'Invalid credentials' });

    await assert.rejects(login(loginUrl, 'charles', 'wrong', target()), (err) => err instanceof LoginError && err.status === 401);
    await assert.rejects(login(loginUrl, 'nobody', 'lovelace-1815', target()), (err) => err instanceof LoginError && err.status === 401);

    assert.equal((await usersWithEmail('charles@example.com')).total, 0);
  });

  it('a malformed login request gets 400, not a crash', async () => {
    const notJson = await fetch(`${loginUrl}/login`, { method: 'POST', body: '{nope' });
    assert.equal(notJson.status, 400);
    const missing = await fetch(`${loginUrl}/login`, { method: 'POST', body: JSON.stringify({ username: 'ada' }) });
    assert.equal(missing.status, 400);
  });

  it('logging in twice reuses the same Tessera user with two sessions', async () => {
    const first = await login(loginUrl, 'charles', 'analytical-engine', target());
    const second = await login(loginUrl, 'charles', 'analytical-engine', target());
    assert.equal(second.user.$id, first.user.$id);
    assert.notEqual(second.session.$id, first.session.$id);

    const found = await usersWithEmail('charles@example.com');
    assert.equal(found.total, 1);
    assert.equal(found.users[0].$id, first.user.$id);
    const sessions = await new Users(t.server()).listSessions({ userId: first.user.$id });
    assert.equal(sessions.total, 2);
  });

  it('the token the login server returns works once', async () => {
    const res = await fetch(`${loginUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'lovelace-1815' }),
    });
    assert.equal(res.status, 200);
    const { userId, secret } = await res.json();
    assert.match(secret, /^[0-9a-f]{6}$/);
    const exchange = () => t.fetch('/account/sessions/token', { method: 'POST', json: { userId, secret } });
    assert.equal((await exchange()).status, 201);
    const again = await exchange();
    assert.equal(again.status, 401);
    assert.equal((await again.json()).type, 'user_invalid_token');
  });
});
