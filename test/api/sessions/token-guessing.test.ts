import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, startServer, type TestServer } from '../../harness.ts';
import { TOKEN_EXCHANGE_LIMIT, TOKEN_EXCHANGE_WINDOW_S } from '../../../src/sessions/logins.service.ts';
import { TOKEN_TYPE } from '../../../src/tokens/tokens.ts';

describeEachBackend('token guessing from many addresses', (backend) => {
  let t: TestServer;
  const clock = FakeClock.atHourStart();
  let nextAddress = 0;
  /** A different client address per call (the server trusts X-Forwarded-For from the test's proxy, 127.0.0.1). */
  const freshIp = () => `198.18.${Math.floor(++nextAddress / 250)}.${(nextAddress % 250) + 1}`;
  before(async () => {
    t = await startServer(backend, { clock, env: { TESSERA_TRUST_PROXY: '127.0.0.1' } });
  });
  after(async () => t?.close());

  function exchange(userId: string, secret: string, ip = freshIp()) {
    return t.fetch('/account/sessions/token', { method: 'POST', headers: { 'x-forwarded-for': ip }, json: { userId, secret } });
  }

  async function expectStatus(res: Response, status: number, type?: string) {
    const body = await res.json();
    assert.equal(res.status, status, JSON.stringify(body));
    if (type) assert.equal(body.type, type);
    return body;
  }

  const tokenRows = (userId: string) =>
    t.container.db.selectFrom('tokens').select(['id', 'type']).where('project_id', '=', t.projectId).where('user_id', '=', userId).orderBy('seq').execute();

  /** A secret that is none of the user's tokens (tokens are hex, so this never matches). */
  const wrong = (i: number) => `guess-${i}`;

  it(`${TOKEN_EXCHANGE_LIMIT} wrong secrets for one user from as many addresses delete its login tokens; the next exchange is 429 even with a right secret`, async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'guessed@example.com' });
    await users.createToken({ userId: user.$id, expire: 3600 });
    const issue = (type: number) =>
      t.container.tokens.issue({ projectId: t.projectId, userId: user.$id, type, secret: 'f00d', ttlSeconds: 3600, ip: '127.0.0.1', userAgent: 'test' });
    for (const type of [TOKEN_TYPE.magicUrl, TOKEN_TYPE.email, TOKEN_TYPE.phone]) await issue(type);
    const recovery = await issue(TOKEN_TYPE.recovery);

    for (let i = 0; i < TOKEN_EXCHANGE_LIMIT; i++) {
      await expectStatus(await exchange(user.$id, wrong(i)), 401, 'user_invalid_token');
      const expected = i < TOKEN_EXCHANGE_LIMIT - 1 ? 5 : 1;
      assert.equal((await tokenRows(user.$id)).length, expected, `after guess ${i + 1}`);
    }
    assert.deepEqual(await tokenRows(user.$id), [{ id: recovery.token.id, type: TOKEN_TYPE.recovery }], 'only the non-login token is left');

    // A token minted now is not guessable until the window ends: the exchange is refused before the secret is looked at.
    const fresh = await users.createToken({ userId: user.$id, expire: 3600 });
    const limited = await exchange(user.$id, fresh.secret);
    await expectStatus(limited, 429, 'general_rate_limit_exceeded');
    assert.equal(limited.headers.get('x-ratelimit-limit'), String(TOKEN_EXCHANGE_LIMIT));
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.ok((await tokenRows(user.$id)).some((r) => r.id === fresh.$id), 'the refused exchange did not consume the token');
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);

    clock.advance(TOKEN_EXCHANGE_WINDOW_S * 1000);
    const ok = await expectStatus(await exchange(user.$id, fresh.secret), 201);
    assert.equal(ok.userId, user.$id);
  });

  it(`30 racing guesses from 30 addresses: exactly ${TOKEN_EXCHANGE_LIMIT} are judged, the rest are 429`, async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique() });
    const token = await users.createToken({ userId: user.$id, expire: 3600 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => exchange(user.$id, wrong(i))));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, TOKEN_EXCHANGE_LIMIT, String(statuses));
    assert.equal(statuses.filter((s) => s === 429).length, 30 - TOKEN_EXCHANGE_LIMIT, String(statuses));
    assert.ok(!(await tokenRows(user.$id)).some((r) => r.id === token.$id), 'the token under attack was deleted');
  });

  it('successful exchanges do not use up the user budget', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique() });
    for (let i = 0; i < TOKEN_EXCHANGE_LIMIT + 2; i++) {
      const token = await users.createToken({ userId: user.$id });
      await expectStatus(await exchange(user.$id, token.secret), 201);
    }
    const token = await users.createToken({ userId: user.$id });
    for (let i = 0; i < TOKEN_EXCHANGE_LIMIT - 1; i++) await expectStatus(await exchange(user.$id, wrong(i)), 401, 'user_invalid_token');
    assert.ok((await tokenRows(user.$id)).some((r) => r.id === token.$id), 'below the limit the token survives');
    await expectStatus(await exchange(user.$id, token.secret), 201);
  });

  it('a blocked user is refused with 403 user_blocked (Appwrite code) before its token is consumed; unblocked, the same token works', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique() });
    const token = await users.createToken({ userId: user.$id });
    await users.updateStatus({ userId: user.$id, status: false });
    await expectStatus(await exchange(user.$id, token.secret), 403, 'user_blocked');
    assert.deepEqual((await tokenRows(user.$id)).map((r) => r.id), [token.$id], 'the token is still there');
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
    await users.updateStatus({ userId: user.$id, status: true });
    await expectStatus(await exchange(user.$id, token.secret), 201);
    assert.deepEqual(await tokenRows(user.$id), []);
  });

  it('IPv6 clients of one /64 share a per-address budget; an IPv4-mapped address counts as its IPv4 address', async () => {
    // The route's own rule: 10 exchanges per hour per address and userId (an unknown user is not counted per user).
    for (let i = 0; i < 10; i++) await expectStatus(await exchange('nobody-v6', 'abcdef', `2001:db8:7:7::${(i + 1).toString(16)}`), 401, 'user_invalid_token');
    await expectStatus(await exchange('nobody-v6', 'abcdef', '2001:db8:7:7:ffff:1:2:3'), 429, 'general_rate_limit_exceeded');
    await expectStatus(await exchange('nobody-v6', 'abcdef', '2001:db8:7:8::1'), 401, 'user_invalid_token');

    for (let i = 0; i < 5; i++) await expectStatus(await exchange('nobody-v4', 'abcdef', '198.51.100.9'), 401, 'user_invalid_token');
    for (let i = 0; i < 5; i++) await expectStatus(await exchange('nobody-v4', 'abcdef', '::ffff:198.51.100.9'), 401, 'user_invalid_token');
    await expectStatus(await exchange('nobody-v4', 'abcdef', '198.51.100.9'), 429, 'general_rate_limit_exceeded');
  });
});
