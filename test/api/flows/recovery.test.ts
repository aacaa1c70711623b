import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, expectError, FakeClock, linkIn, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';
import type { DomainEvent } from '../../../src/events/events.ts';

/** Password recovery: the link comes out of the captured mail, the SDK finishes it. */
describeEachBackend('password recovery', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  const clock = FakeClock.atHourStart();
  const published: DomainEvent[] = [];
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { clock, env: { TESSERA_SMTP_URL: mail.url } });
    t.container.events.onCommit('*', (e) => published.push(e));
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  const guest = () => new Account(t.guest());

  /** A user with a password and a live email/password session (its cookie value). */
  async function userWithSession(email: string) {
    const user = await new Users(t.server()).create({ userId: ID.unique(), email, password: 'old password 1' });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: 'old password 1' });
    return { user, session: session.secret };
  }

  /** Requests a recovery for `email` and returns the link's userId and secret. */
  async function recoveryLink(email: string) {
    const before = mail.messages.length;
    const token = await guest().createRecovery({ email, url: 'http://localhost:5173/reset' });
    const got = await mail.waitFor(email, (m) => mail.messages.indexOf(m) >= before);
    const link = linkIn(got);
    return { token, userId: link.searchParams.get('userId')!, secret: link.searchParams.get('secret')!, link };
  }

  it('a recovery link sets the new password, verifies the email, ends the sessions, and works once', async () => {
    const { user, session } = await userWithSession('recover@example.com');
    const { token, userId, secret, link } = await recoveryLink('recover@example.com');
    assert.equal(token.secret, '', 'the secret travels only in the mail');
    assert.equal(Date.parse(token.expire) - Date.parse(token.$createdAt), 3_600_000);
    assert.equal(link.origin + link.pathname, 'http://localhost:5173/reset');
    assert.equal(link.searchParams.get('expire'), token.expire);
    assert.equal(userId, user.$id);
    assert.match(secret, /^[0-9a-f]{256}$/);

    const done = await guest().updateRecovery({ userId, secret, password: 'new password 2' });
    assert.equal(done.$id, token.$id);
    assert.equal(done.secret, '');
    await expectError(new Account(t.withSession(session)).get(), 401, 'general_unauthorized_scope');
    await expectError(new Account(t.server()).createEmailPasswordSession({ email: 'recover@example.com', password: 'old password 1' }), 401, 'user_invalid_credentials');
    const fresh = await new Account(t.server()).createEmailPasswordSession({ email: 'recover@example.com', password: 'new password 2' });
    assert.equal((await new Account(t.withSession(fresh.secret)).get()).emailVerification, true);
    await expectError(guest().updateRecovery({ userId, secret, password: 'new password 3' }), 401, 'user_invalid_token');

    const names = published.filter((e) => (e.params as any).tokenId === token.$id).map((e) => e.name);
    assert.deepEqual(names, ['users.[userId].recovery.[tokenId].create', 'users.[userId].recovery.[tokenId].update']);
    // Webhooks will send the issued token with its plain secret, as Appwrite's payload does.
    const created = published.find((e) => e.name === 'users.[userId].recovery.[tokenId].create' && (e.params as any).tokenId === token.$id)!;
    assert.equal((created.payload as any).secret, secret);
  });

  it('a recovery token expires after an hour', async () => {
    await new Users(t.server()).create({ userId: ID.unique(), email: 'late@example.com', password: 'old password 1' });
    const { userId, secret } = await recoveryLink('late@example.com');
    clock.advance(3_601_000);
    await expectError(guest().updateRecovery({ userId, secret, password: 'new password 2' }), 401, 'user_invalid_token');
  });

  it('the password policy applies to the new password', async () => {
    try {
      // The history is seeded with the first password while the project keeps one.
      await t.setAuths({ passwordHistory: 3 });
      await new Users(t.server()).create({ userId: ID.unique(), email: 'policy@example.com', password: 'old password 1' });
      const { userId, secret } = await recoveryLink('policy@example.com');
      await expectError(guest().updateRecovery({ userId, secret, password: 'short' }), 400, 'general_argument_invalid');
      await expectError(guest().updateRecovery({ userId, secret, password: 'old password 1' }), 400, 'password_recently_used');
      // Refused attempts leave the token usable.
      await guest().updateRecovery({ userId, secret, password: 'new password 2' });
    } finally {
      await t.restoreSettings();
    }
  });

  it('a recovery secret is single use under 10 concurrent confirmations', async () => {
    await new Users(t.server()).create({ userId: ID.unique(), email: 'race@example.com', password: 'old password 1' });
    const { userId, secret } = await recoveryLink('race@example.com');
    const server = new Account(t.server());
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => server.updateRecovery({ userId, secret, password: `new password ${i}x` })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as any).type, 'user_invalid_token');
  });

  it('a recovery for an unknown email is 404 user_not_found and sends nothing, as in Appwrite', async () => {
    const before = mail.messages.length;
    await expectError(guest().createRecovery({ email: 'nobody@example.com', url: 'http://localhost/reset' }), 404, 'user_not_found');
    await expectError(guest().updateRecovery({ userId: 'nobody', secret: 'x', password: 'new password 2' }), 404, 'user_not_found');
    assert.equal(mail.messages.length, before);
  });

  it('a blocked user cannot ask for a recovery', async () => {
    const user = await new Users(t.server()).create({ userId: ID.unique(), email: 'blocked.recover@example.com', password: 'old password 1' });
    await new Users(t.server()).updateStatus({ userId: user.$id, status: false });
    await expectError(guest().createRecovery({ email: 'blocked.recover@example.com', url: 'http://localhost/reset' }), 403, 'user_blocked');
  });

  it('a recovery link to an unregistered host is refused', async () => {
    await expectError(guest().createRecovery({ email: 'recover@example.com', url: 'https://attacker.example/reset' }), 400, 'general_argument_invalid',
      'Invalid `url` param: Invalid URI. Register your new client (attacker.example) as a new Web platform on your project console dashboard');
    await expectError(guest().createRecovery({ email: 'recover@example.com', url: 'not a url' }), 400, 'general_argument_invalid', 'Invalid `url` param: Invalid URI.');
  });
});

describeEachBackend('password recovery without a mail server', (backend) => {
  let t: TestServer;
  before(async () => (t = await startServer(backend)));
  after(async () => t?.close());

  it('is 503 general_smtp_disabled and stores no token', async () => {
    await new Users(t.server()).create({ userId: 'r1', email: 'r1@example.com' });
    await expectError(new Account(t.guest()).createRecovery({ email: 'r1@example.com', url: 'http://localhost/reset' }), 503, 'general_smtp_disabled');
    const tokens = await t.container.db.selectFrom('tokens').selectAll().execute();
    assert.equal(tokens.length, 0);
  });
});
