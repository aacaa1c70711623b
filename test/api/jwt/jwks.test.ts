import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { Account, ID, Teams, Users } from 'node-appwrite';
import { describeEachBackend, eventually, expectError, FakeClock, startPeer, startServer, type TestServer } from '../../harness.ts';
import { KEYRING_REFRESH_MS, RETIRED_KEY_KEPT_MS } from '../../../src/jwt/jwt-keyring.ts';

const PASSWORD = 'jwks-pass-12345';

describeEachBackend('JWTs other backends verify offline', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock, env: { TESSERA_PUBLIC_URL: 'https://auth.example.com' } });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  async function jwtOf(email: string, labels: string[] = []) {
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    if (labels.length) await users.updateLabels({ userId: user.$id, labels });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    const { jwt } = await new Account(t.withSession(session.secret)).createJWT();
    return { user, session, jwt };
  }

  const jwks = () => createRemoteJWKSet(new URL(`${t.endpoint}/.well-known/jwks.json`));
  const at = () => new Date(clock.now());

  it('a Tessera JWT verifies with jose alone against the published JWKS, with every promised claim', async () => {
    const { user, session, jwt } = await jwtOf('offline@example.com', ['vip']);
    const discovery = await (await fetch(`${t.endpoint}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.issuer, 'https://auth.example.com/v1');
    assert.equal(discovery.jwks_uri, 'https://auth.example.com/v1/.well-known/jwks.json');
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks(), { issuer: discovery.issuer, audience: t.projectId, currentDate: at() });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(typeof protectedHeader.kid, 'string');
    assert.deepEqual(
      { userId: payload.userId, sessionId: payload.sessionId, sub: payload.sub, sid: payload.sid, aud: payload.aud },
      { userId: user.$id, sessionId: session.$id, sub: user.$id, sid: session.$id, aud: t.projectId },
    );
    assert.equal(payload.exp! - payload.iat!, 900);
    assert.deepEqual(payload.roles, ['any', `user:${user.$id}`, 'users', `user:${user.$id}/unverified`, 'users/unverified', 'label:vip']);
  });

  it("a team member's JWT names the team, its roles and the membership; a pending invitation adds nothing", async () => {
    const { user } = await jwtOf('member-roles@example.com');
    const teams = new Teams(t.server());
    const team = await teams.create({ teamId: ID.unique(), name: 'Editors' });
    const membership = await teams.createMembership({ teamId: team.$id, roles: ['admin'], userId: user.$id });
    const session = await new Account(t.server()).createEmailPasswordSession({ email: 'member-roles@example.com', password: PASSWORD });
    const { jwt } = await new Account(t.withSession(session.secret)).createJWT();
    const roles = decodeJwt(jwt).roles as string[];
    for (const r of [`team:${team.$id}`, `team:${team.$id}/admin`, `member:${membership.$id}`]) assert.ok(roles.includes(r), `${r} in ${roles}`);
    await teams.deleteMembership({ teamId: team.$id, membershipId: membership.$id });
    const after = decodeJwt((await new Account(t.withSession(session.secret)).createJWT()).jwt).roles as string[];
    assert.ok(!after.some((r) => r.startsWith('team:') || r.startsWith('member:')), `${after}`);
  });

  it('the JWKS holds public keys only, and the database holds the private key sealed', async () => {
    const { keys } = await (await fetch(`${t.endpoint}/.well-known/jwks.json`)).json();
    assert.ok(keys.length >= 1);
    for (const k of keys) assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    const row = await t.container.db.selectFrom('server_settings').select('value').where('name', '=', 'jwt_signing_keys').executeTakeFirstOrThrow();
    assert.match(row.value, /^v1\./, 'sealed under the server key');
    const opened = JSON.parse(t.container.sealer.open(row.value, 'server_settings:jwt_signing_keys'));
    const d: string = opened.keys[0].privateJwk.d;
    assert.ok(d.length > 20 && !row.value.includes(d), 'the private key is not readable in a dump');
  });

  it('Authorization: Bearer works wherever X-Appwrite-JWT does; a bearer that is not a JWT is 401 user_jwt_invalid', async () => {
    const { user, jwt } = await jwtOf('bearer@example.com');
    const me = await t.fetch('/account', { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).$id, user.$id);
    const renamed = await t.fetch('/account/name', { method: 'PATCH', headers: { authorization: `bearer ${jwt}` }, json: { name: 'Bearer' } });
    assert.equal((await renamed.json()).name, 'Bearer');
    const bad = await t.fetch('/account', { headers: { authorization: 'Bearer not-a-jwt' } });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).type, 'user_jwt_invalid');
    const basic = await t.fetch('/account', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal((await basic.json()).type, 'general_unauthorized_scope', 'another scheme is no credential');
  });

  it('a warm JWT skips the database (a row edited behind the services is not seen) until an event drops it', async () => {
    // Control for the invalidation tests: without an event, the cached copy is what answers.
    const { user, jwt } = await jwtOf('jwt-cache-control@example.com');
    const viaJwt = new Account(t.withJwt(jwt));
    await viaJwt.get();
    await t.container.db.updateTable('users').set({ name: 'Edited behind the cache' }).where('id', '=', user.$id).execute();
    assert.equal((await viaJwt.get()).name, '');
    await users.updateName({ userId: user.$id, name: 'Through the API' });
    assert.equal((await viaJwt.get()).name, 'Through the API');
  });

  it('a warm JWT stops working at once when its user is blocked or its session is deleted', async () => {
    const { user, session, jwt } = await jwtOf('warm@example.com');
    const viaJwt = new Account(t.withJwt(jwt));
    await viaJwt.get();
    await viaJwt.get();
    await users.updateStatus({ userId: user.$id, status: false });
    await expectError(viaJwt.get(), 403, 'user_blocked');
    await users.updateStatus({ userId: user.$id, status: true });
    await viaJwt.get();
    await users.deleteSession({ userId: user.$id, sessionId: session.$id });
    await expectError(viaJwt.get(), 401, 'general_unauthorized_scope');
  });

  it('after a rotation the new key signs, and tokens of the previous key verify until it is dropped', async () => {
    const before = await jwtOf('rotate-before@example.com');
    const oldKid = decodeProtectedHeader(before.jwt).kid;
    const { kid, verifying } = await t.container.jwt.keyring.rotate();
    assert.notEqual(kid, oldKid);
    assert.ok(verifying.includes(oldKid!));
    const after = await jwtOf('rotate-after@example.com');
    assert.equal(decodeProtectedHeader(after.jwt).kid, kid);
    const published = (await (await fetch(`${t.endpoint}/.well-known/jwks.json`)).json()).keys.map((k: { kid: string }) => k.kid);
    assert.deepEqual(published.slice(0, 2), [kid, oldKid], 'the current key first, the previous one still published');
    for (const token of [before.jwt, after.jwt]) await jwtVerify(token, jwks(), { audience: t.projectId, currentDate: at() });
    assert.equal((await new Account(t.withJwt(before.jwt)).get()).$id, before.user.$id);

    clock.advance(RETIRED_KEY_KEPT_MS + 1000);
    const later = (await (await fetch(`${t.endpoint}/.well-known/jwks.json`)).json()).keys.map((k: { kid: string }) => k.kid);
    assert.ok(!later.includes(oldKid), 'a key past its retention is no longer published');
    assert.ok(later.includes(kid));
  });

  it('another process verifies a rotated key at once, signs with it after its refresh, and publishes it', async () => {
    const peer = await startPeer(t, { clock });
    try {
      const { kid } = await t.container.jwt.keyring.rotate();
      const { user, jwt } = await jwtOf('peer@example.com');
      const res = await fetch(`${peer.endpoint}/account`, { headers: { 'x-appwrite-project': t.projectId, 'x-appwrite-jwt': jwt } });
      assert.equal(res.status, 200, 'an unknown kid makes the peer re-read the keyring');
      assert.equal((await res.json()).$id, user.$id);
      clock.advance(KEYRING_REFRESH_MS);
      const signed = await peer.container.jwt.sign({ user: { id: user.$id, email_verification: 0, phone_verification: 0, labels: '[]' }, sessionId: '', projectId: t.projectId }, 60);
      assert.equal(decodeProtectedHeader(signed).kid, kid);
      assert.equal(decodeJwt(signed).sid, undefined, 'no sid without a session');
      const { kid: next } = await t.container.jwt.keyring.rotate();
      clock.advance(5_000);
      const peerJwks = await (await fetch(`${peer.endpoint}/.well-known/jwks.json`)).json();
      assert.deepEqual(peerJwks.keys.slice(0, 2).map((k: { kid: string }) => k.kid), [next, kid], 'the peer publishes a rotation within seconds');
    } finally {
      await peer.close();
    }
  });

  it('a JWT warm in another process stops working there once its session is deleted here', async () => {
    const peer = await startPeer(t, { clock });
    try {
      const { user, session, jwt } = await jwtOf('peer-revoke@example.com');
      const onPeer = async () => (await fetch(`${peer.endpoint}/account`, { headers: { 'x-appwrite-project': t.projectId, authorization: `Bearer ${jwt}` } })).status;
      assert.equal(await onPeer(), 200);
      assert.equal(await onPeer(), 200);
      await users.deleteSession({ userId: user.$id, sessionId: session.$id });
      assert.equal(await eventually(onPeer, 401), 401);
    } finally {
      await peer.close();
    }
  });

  it('two processes rotating at the same moment both land: neither new key is lost', async () => {
    const peer = await startPeer(t, { clock });
    try {
      const [a, b] = await Promise.all([t.container.jwt.keyring.rotate(), peer.container.jwt.keyring.rotate()]);
      assert.notEqual(a.kid, b.kid);
      clock.advance(5_000);
      const kids = (await (await fetch(`${t.endpoint}/.well-known/jwks.json`)).json()).keys.map((k: { kid: string }) => k.kid);
      assert.ok(kids.includes(a.kid) && kids.includes(b.kid), `${a.kid} and ${b.kid} in ${kids}`);
    } finally {
      await peer.close();
    }
  });

  it('made-up kids cost at most one keyring read per interval', async () => {
    const { jwt } = await jwtOf('kid-flood@example.com');
    const [, payload, sig] = jwt.split('.');
    let reads = 0;
    const keyring = t.container.jwt.keyring;
    const original = keyring.load.bind(keyring);
    keyring.load = () => (reads++, original());
    try {
      for (let i = 0; i < 20; i++) {
        const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: `made-up-${i}` })).toString('base64url');
        await expectError(new Account(t.withJwt(`${header}.${payload}.${sig}`)).get(), 401, 'user_jwt_invalid');
      }
    } finally {
      keyring.load = original;
    }
    assert.ok(reads <= 1, `${reads} reads`);
  });
});

describe('JWT keyring across server keys', () => {
  it('a process with another server key refuses to start on the same database', async () => {
    const t = await startServer('sqlite');
    try {
      const { loadConfig } = await import('../../../src/config.ts');
      const { createContainer } = await import('../../../src/container.ts');
      const pino = (await import('pino')).default;
      const config = loadConfig({ TESSERA_DATABASE_URL: t.databaseUrl, TESSERA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
      await assert.rejects(createContainer(config, { logger: pino({ level: 'silent' }) }), /jwt_signing_keys .*TESSERA_SECRET_KEY/);
    } finally {
      await t.close();
    }
  });
});
