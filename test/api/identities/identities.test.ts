import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, Query, Users } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';
import type { DomainEvent } from '../../../src/events/events.ts';
import { playLogin, startIdp, TestBrowser, type TestIdp } from '../oauth2/idp.ts';

const APP = 'localhost:4100';

describeEachBackend('Identities (Account and Users APIs)', (backend) => {
  let t: TestServer;
  let idp: TestIdp;
  let n = 0;
  const deleted: DomainEvent[] = [];

  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    idp = await startIdp([`${new URL(t.endpoint).origin}/v1/account/sessions/oauth2/callback/oidc/${t.projectId}`]);
    await new Project(t.server()).updateOAuth2Oidc({ clientId: idp.clientId, clientSecret: idp.clientSecret, wellKnownURL: idp.wellKnown, enabled: true });
    t.container.events.onCommit(['users.[userId].identities.[identityId].delete'], (e) => deleted.push(e));
  });
  after(async () => {
    await idp?.close();
    await t?.close();
  });

  /** Signs a new IdP account in; returns its session value, user id and login name. */
  const signUp = async (email: string, login = `id-${++n}-${backend}`) => {
    idp.accounts.set(login, { email, email_verified: true, name: email.split('@')[0] });
    const browser = new TestBrowser();
    const start = `${t.endpoint}/account/sessions/oauth2/oidc?` + new URLSearchParams({ project: t.projectId, success: `http://${APP}/ok`, failure: `http://${APP}/no` });
    await playLogin(browser, start, login, [APP]);
    const session = browser.cookie(t.endpoint, `a_session_${t.projectId}`)!;
    const userId = (await new Account(t.withSession(session)).get()).$id;
    return { session, userId, login };
  };

  it('account.listIdentities shows the caller its own identities only, with queries and total', async () => {
    const alice = await signUp('alice-id@example.com');
    await signUp('bob-id@example.com');
    const mine = await new Account(t.withSession(alice.session)).listIdentities();
    assert.equal(mine.total, 1);
    assert.equal(mine.identities[0].userId, alice.userId);
    const none = await new Account(t.withSession(alice.session)).listIdentities({ queries: [Query.equal('provider', 'github')] });
    assert.equal(none.total, 0);
    await expectError(new Account(t.withSession(alice.session)).listIdentities({ queries: [Query.equal('secret', 'x')] }), 400, 'general_argument_invalid');
  });

  it("account.deleteIdentity deletes the caller's identity, refuses another user's, and keeps the sessions", async () => {
    const carol = await signUp('carol-id@example.com');
    const dave = await signUp('dave-id@example.com');
    const carolAccount = new Account(t.withSession(carol.session));
    const [carolIdentity] = (await carolAccount.listIdentities()).identities;
    const [daveIdentity] = (await new Account(t.withSession(dave.session)).listIdentities()).identities;
    await expectError(carolAccount.deleteIdentity({ identityId: daveIdentity.$id }), 401, 'user_unauthorized');
    await expectError(carolAccount.deleteIdentity({ identityId: 'missing' }), 404, 'user_identity_not_found');
    await carolAccount.deleteIdentity({ identityId: carolIdentity.$id });
    assert.equal((await carolAccount.listIdentities()).total, 0);
    assert.equal((await carolAccount.get()).$id, carol.userId, 'the session still works');
    assert.ok(deleted.some((e) => (e.params as { identityId: string }).identityId === carolIdentity.$id));
    // The same provider account signs in to the same user again, and the identity comes back.
    const again = await signUp('carol-id@example.com', carol.login);
    assert.equal(again.userId, carol.userId);
    assert.equal((await new Account(t.withSession(again.session)).listIdentities()).total, 1);
  });

  it('users.listIdentities lists every user, filters and searches; users.deleteIdentity removes one', async () => {
    const erin = await signUp('erin-id@example.com');
    const users = new Users(t.server());
    const all = await users.listIdentities();
    assert.ok(all.total >= 1);
    const byUser = await users.listIdentities({ queries: [Query.equal('userId', erin.userId)] });
    assert.deepEqual(byUser.identities.map((i) => i.providerEmail), ['erin-id@example.com']);
    const searched = await users.listIdentities({ search: 'erin-id' });
    assert.deepEqual(searched.identities.map((i) => i.userId), [erin.userId]);
    await users.deleteIdentity({ identityId: byUser.identities[0].$id });
    await expectError(users.deleteIdentity({ identityId: byUser.identities[0].$id }), 404, 'user_identity_not_found');
    assert.equal((await users.listIdentities({ queries: [Query.equal('userId', erin.userId)] })).total, 0);
  });

  it("deleting a user deletes its identities, and an identity's e-mail links no one after", async () => {
    const frank = await signUp('frank-id@example.com');
    await new Users(t.server()).delete({ userId: frank.userId });
    assert.equal((await new Users(t.server()).listIdentities({ queries: [Query.equal('userId', frank.userId)] })).total, 0);
    const created = await new Users(t.server()).create({ userId: ID.unique(), email: 'frank-id@example.com' });
    assert.ok(created.$id);
  });

  it("an identity's provider e-mail cannot be taken by a sign-up or another user's e-mail change (general_bad_request)", async () => {
    // The identity's user changes its own address: the provider e-mail is no longer the user's, only the identity's.
    const grace = await signUp('grace-id@example.com');
    await new Users(t.server()).updateEmail({ userId: grace.userId, email: 'grace-new@example.com' });
    await expectError(new Account(t.guest()).create({ userId: ID.unique(), email: 'grace-id@example.com', password: 'a-long-password' }), 400, 'general_bad_request');
    const other = await new Users(t.server()).create({ userId: ID.unique(), email: 'other-id@example.com', password: 'a-long-password' });
    const session = (await new Users(t.server()).createSession({ userId: other.$id })).secret;
    await expectError(new Account(t.withSession(session)).updateEmail({ email: 'grace-id@example.com', password: 'a-long-password' }), 400, 'general_bad_request');
    assert.equal((await new Users(t.server()).get({ userId: other.$id })).email, 'other-id@example.com');
    // Its own user may take it back.
    await new Account(t.withSession(grace.session)).updateEmail({ email: 'grace-id@example.com', password: 'a-long-password' });
  });
});
