import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, rejection, startServer, type TestServer } from '../../harness.ts';

/** Appwrite's factor rule: MFA on plus a verified factor means a session needs two factors. */
describeEachBackend('MFA factor requirement', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  async function loggedIn(email: string, opts: { mfa: boolean; verified: boolean }) {
    const user = await users.create({ userId: ID.unique(), email, password: 'password-123' });
    if (opts.verified) await users.updateEmailVerification({ userId: user.$id, emailVerification: true });
    if (opts.mfa) await users.updateMFA({ userId: user.$id, mfa: true });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: 'password-123' });
    return { user, account: new Account(t.withSession(session.secret)) };
  }

  it('a one-factor session of a user with MFA and a verified email gets 401 user_more_factors_required', async () => {
    const { account } = await loggedIn('mfa-on@example.com', { mfa: true, verified: true });
    const err = await rejection(account.get());
    assert.deepEqual([err.code, err.type], [401, 'user_more_factors_required']);
    const list = await rejection(account.listSessions());
    assert.equal(list.type, 'user_more_factors_required');
  });

  it('that session may still log out', async () => {
    const { user, account } = await loggedIn('mfa-out@example.com', { mfa: true, verified: true });
    await account.deleteSession({ sessionId: 'current' });
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
  });

  it('turning MFA on takes effect on a warm session at once, and turning it off lifts it', async () => {
    const { user, account } = await loggedIn('mfa-later@example.com', { mfa: false, verified: true });
    assert.equal((await account.get()).$id, user.$id);
    await users.updateMFA({ userId: user.$id, mfa: true });
    assert.equal((await rejection(account.get())).type, 'user_more_factors_required');
    await users.updateMFA({ userId: user.$id, mfa: false });
    assert.equal((await account.get()).$id, user.$id);
  });

  it('MFA without any verified factor needs only one factor', async () => {
    const { user, account } = await loggedIn('mfa-unverified@example.com', { mfa: true, verified: false });
    assert.equal((await account.get()).$id, user.$id);
  });

  it('JWT requests carry no session factors and are not gated', async () => {
    const { user } = await loggedIn('mfa-jwt@example.com', { mfa: true, verified: true });
    const { jwt } = await users.createJWT({ userId: user.$id });
    assert.equal((await new Account(t.withJwt(jwt)).get()).$id, user.$id);
  });
});
