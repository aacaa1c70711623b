import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, expectError, linkIn, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';
import type { DomainEvent } from '../../../src/events/events.ts';

/** Email verification: the signed-in user asks, the link comes out of the captured mail, the SDK confirms. */
describeEachBackend('email verification', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  const published: DomainEvent[] = [];
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url } });
    t.container.events.onCommit('*', (e) => published.push(e));
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  const guest = () => new Account(t.guest());

  /** A new user signed in with email and password: an Account client on its session. */
  async function signedIn(email: string): Promise<Account> {
    await guest().create({ userId: ID.unique(), email, password: 'a good password' });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: 'a good password' });
    return new Account(t.withSession(session.secret));
  }

  it('the mailed link verifies the email once, and both steps publish their events', async () => {
    const me = await signedIn('verify@example.com');
    const token = await me.createEmailVerification({ url: 'http://localhost:4000/verified?lang=en' });
    assert.equal(token.secret, '', 'the secret travels only in the mail');
    assert.equal(Date.parse(token.expire) - Date.parse(token.$createdAt), 3_600_000);
    const link = linkIn(await mail.waitFor('verify@example.com'));
    assert.equal(link.searchParams.get('lang'), 'en');
    assert.equal(link.searchParams.get('expire'), token.expire);
    const userId = link.searchParams.get('userId')!;
    const secret = link.searchParams.get('secret')!;
    assert.equal(userId, token.userId);
    assert.match(secret, /^[0-9a-f]{256}$/);

    // Opened in another browser: no session needed.
    const done = await guest().updateEmailVerification({ userId, secret });
    assert.equal(done.$id, token.$id);
    assert.equal((await me.get()).emailVerification, true);
    await expectError(guest().updateEmailVerification({ userId, secret }), 401, 'user_invalid_token');
    await expectError(me.createEmailVerification({ url: 'http://localhost:4000/' }), 409, 'user_email_already_verified');

    const names = published.filter((e) => (e.params as any).tokenId === token.$id).map((e) => e.name);
    assert.deepEqual(names, ['users.[userId].verification.[tokenId].create', 'users.[userId].verification.[tokenId].update']);
  });

  it('the deprecated createVerification and updateVerification work the same', async () => {
    const me = await signedIn('old.verify@example.com');
    await me.createVerification({ url: 'http://localhost/v' });
    const link = linkIn(await mail.waitFor('old.verify@example.com'));
    await guest().updateVerification({ userId: link.searchParams.get('userId')!, secret: link.searchParams.get('secret')! });
    assert.equal((await me.get()).emailVerification, true);
  });

  it('a wrong secret or an unknown user does not verify', async () => {
    const me = await signedIn('wrong.verify@example.com');
    const token = await me.createEmailVerification({ url: 'http://localhost/v' });
    await expectError(guest().updateEmailVerification({ userId: token.userId, secret: 'f'.repeat(256) }), 401, 'user_invalid_token');
    await expectError(guest().updateEmailVerification({ userId: 'no-such-user', secret: 'f'.repeat(256) }), 404, 'user_not_found');
    assert.equal((await me.get()).emailVerification, false);
  });

  it('a user without an email gets 400 user_email_not_found', async () => {
    const session = await new Account(t.server()).createAnonymousSession();
    await expectError(new Account(t.withSession(session.secret)).createEmailVerification({ url: 'http://localhost/v' }), 400, 'user_email_not_found');
  });

  it('a guest cannot ask for a verification, and the url must be on a registered platform', async () => {
    await expectError(guest().createEmailVerification({ url: 'http://localhost/v' }), 401, 'general_unauthorized_scope');
    const me = await signedIn('url.verify@example.com');
    await expectError(me.createEmailVerification({ url: 'https://elsewhere.example/v' }), 400, 'general_argument_invalid', /Register your new client \(elsewhere\.example\)/);
  });

  it('a JWT caller can ask for a verification and gets no secret', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'key.verify@example.com' });
    const jwt = await users.createJWT({ userId: user.$id });
    const token = await new Account(t.withJwt(jwt.jwt)).createEmailVerification({ url: 'http://localhost/v' });
    assert.equal(token.secret, '');
    assert.equal(token.userId, user.$id);
  });
});
