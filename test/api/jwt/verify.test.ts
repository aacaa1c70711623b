import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { can, createVerifier, parsePermission, JwtVerificationError, type Verifier } from 'tessera/verify';
import { describeEachBackend, FakeClock, startServer, type TestServer } from '../../harness.ts';

const PASSWORD = 'verifier-pass-1';

describe('tessera/verify can()', () => {
  const claims = { roles: ['any', 'user:u1', 'users', 'user:u1/verified', 'users/verified', 'team:t1', 'member:m1', 'team:t1/admin', 'label:vip'] };

  it('answers Appwrite permission strings by the roles claim', () => {
    assert.equal(can(claims, 'read("team:t1/admin")'), true);
    assert.equal(can(claims, 'read("team:t1/owner")'), false);
    assert.equal(can(claims, 'read("team:t2")'), false);
    assert.equal(can(claims, 'update("user:u1/verified")'), true);
    assert.equal(can(claims, 'read("guests")'), false, 'a signed-in caller is no guest');
    assert.equal(can({ roles: [] }, 'read("any")'), true);
    assert.equal(can(claims, 'label:vip'), true, 'a bare role');
    assert.equal(can(claims, ['read("team:t9")', 'read("member:m1")']), true, 'any one of a list');
  });

  it('with an action, only permissions for it count; write stands for create, update and delete', () => {
    const perms = ['read("users")', 'write("team:t1/admin")', 'delete("user:someone")'];
    assert.equal(can(claims, perms, 'read'), true);
    assert.equal(can(claims, perms, 'update'), true);
    assert.equal(can(claims, ['read("users")', 'delete("user:someone")'], 'delete'), false);
    assert.deepEqual(parsePermission('write("team:x/y")'), { action: 'write', role: 'team:x/y' });
  });
});

describeEachBackend('tessera/verify against a running server', (backend) => {
  let t: TestServer;
  const clock = new FakeClock();
  let verifier: Verifier;
  before(async () => {
    t = await startServer(backend, { clock });
    verifier = createVerifier({ endpoint: t.endpoint, projectId: t.projectId, issuer: t.container.jwt.issuer, cooldownMs: 0, currentDate: () => new Date(clock.now()) });
  });
  after(async () => t?.close());

  async function jwtFor(email: string, duration?: number) {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    await users.updateLabels({ userId: user.$id, labels: ['editor'] });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    return { user, jwt: (await new Account(t.withSession(session.secret)).createJWT(duration === undefined ? {} : { duration })).jwt };
  }

  const reasonOf = (p: Promise<unknown>) =>
    p.then(
      () => 'verified',
      (e) => (e instanceof JwtVerificationError ? e.reason : `other: ${e}`),
    );

  it('verifies a bearer token offline and answers permissions from its roles', async () => {
    const { user, jwt } = await jwtFor('verified@example.com');
    const claims = await verifier.verifyRequest({ headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(claims.userId, user.$id);
    assert.equal(claims.sub, user.$id);
    assert.equal(can(claims, `update("user:${user.$id}")`), true);
    assert.equal(can(claims, 'read("label:editor")'), true);
    assert.equal(can(claims, 'read("label:admin")'), false);
  });

  it('refuses a missing, garbage, expired or other-project token', async () => {
    const { jwt } = await jwtFor('refused@example.com', 60);
    assert.equal(await reasonOf(verifier.verifyRequest({ headers: {} })), 'missing');
    assert.equal(await reasonOf(verifier.verify('not.a.jwt')), 'invalid');
    const [h, , s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ userId: 'x', roles: ['any'], aud: t.projectId })).toString('base64url')}.${s}`;
    assert.equal(await reasonOf(verifier.verify(forged)), 'invalid');
    const other = createVerifier({ endpoint: t.endpoint, projectId: 'another-project', issuer: t.container.jwt.issuer, currentDate: () => new Date(clock.now()) });
    assert.equal(await reasonOf(other.verify(jwt)), 'invalid');
    clock.advance(61_000);
    assert.equal(await reasonOf(verifier.verify(jwt)), 'expired');
  });

  it('after a rotation, tokens of the new key verify (the key set is fetched again for an unknown kid)', async () => {
    await verifier.verify((await jwtFor('pre-rotation@example.com')).jwt);
    await t.container.jwt.keyring.rotate();
    const { jwt } = await jwtFor('post-rotation@example.com');
    assert.equal(await reasonOf(verifier.verify(jwt)), 'verified');
  });
});
