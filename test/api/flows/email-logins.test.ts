import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, Users } from 'node-appwrite';
import { codeIn, describeEachBackend, expectError, linkIn, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';
import type { DomainEvent } from '../../../src/events/events.ts';

/** Magic URL and email OTP: the secret comes out of the captured mail and is exchanged with the SDK. */
describeEachBackend('passwordless email logins', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  const published: DomainEvent[] = [];
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url } });
    t.container.events.onCommit('*', (e) => published.push(e));
    await new Project(t.server()).createWebPlatform({ platformId: 'shop', name: 'Shop', hostname: 'shop.example.com' });
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  const guest = () => new Account(t.guest());
  /** A session the SDK can use: the server (API key) exchanges the secret, as a server-side app does. */
  const exchange = (userId: string, secret: string) => new Account(t.server()).createSession({ userId, secret });

  it('a magic URL for a new email creates the user, mails a link to the app, and logs in once as magic-url', async () => {
    const token = await guest().createMagicURLToken({ userId: 'magic-new', email: 'New.Magic@Example.com', url: 'https://shop.example.com/done?from=mail' });
    assert.equal(token.userId, 'magic-new');
    assert.equal(token.secret, '', 'the secret travels only in the mail');
    assert.equal(Date.parse(token.expire) - Date.parse(token.$createdAt), 3_600_000);

    const link = linkIn(await mail.waitFor('new.magic@example.com'));
    assert.equal(link.host, 'shop.example.com');
    assert.equal(link.searchParams.get('from'), 'mail', "the app's own query is kept");
    assert.equal(link.searchParams.get('userId'), 'magic-new');
    assert.equal(link.searchParams.get('project'), t.projectId);
    assert.equal(link.searchParams.get('expire'), token.expire);
    const secret = link.searchParams.get('secret')!;
    assert.match(secret, /^[0-9a-f]{64}$/);

    const session = await exchange('magic-new', secret);
    assert.equal(session.provider, 'magic-url');
    assert.deepEqual(session.factors, ['email']);
    const me = await new Account(t.withSession(session.secret)).get();
    assert.equal(me.email, 'new.magic@example.com');
    assert.equal(me.emailVerification, true, 'the link proved the email');
    await expectError(exchange('magic-new', secret), 401, 'user_invalid_token');
  });

  it('a magic URL for a known email ignores the given userId, and updateMagicURLSession logs in', async () => {
    const user = await new Users(t.server()).create({ userId: 'magic-known', email: 'known.magic@example.com', password: 'correct horse' });
    const token = await guest().createMagicURLToken({ userId: 'someone-else', email: 'known.magic@example.com', url: 'http://localhost:3000/cb' });
    assert.equal(token.userId, user.$id);
    const link = linkIn(await mail.waitFor('known.magic@example.com'));
    assert.equal(link.searchParams.get('userId'), user.$id);
    const session = await new Account(t.server()).updateMagicURLSession({ userId: user.$id, secret: link.searchParams.get('secret')! });
    assert.equal(session.userId, user.$id);
    assert.equal(session.provider, 'magic-url');
    await expectError(new Users(t.server()).get({ userId: 'someone-else' }), 404, 'user_not_found');
  });

  it('a security phrase is answered and mailed with the magic URL', async () => {
    const token = await guest().createMagicURLToken({ userId: ID.unique(), email: 'phrase.magic@example.com', url: 'https://shop.example.com/', phrase: true });
    assert.match(token.phrase, /^[A-Z][a-z]+ [a-z]+$/);
    const got = await mail.waitFor('phrase.magic@example.com');
    assert.ok(got.text.includes(token.phrase), 'the mail shows the same phrase');
  });

  it('a redirect URL on no registered platform is refused before anything is stored or sent', async () => {
    const err = await expectError(
      guest().createMagicURLToken({ userId: ID.unique(), email: 'phish@example.com', url: 'https://evil.example.net/steal' }),
      400,
      'general_argument_invalid',
    );
    assert.equal(err.message, 'Invalid `url` param: Invalid URI. Register your new client (evil.example.net) as a new Web platform on your project console dashboard');
    const users = await new Users(t.server()).list({ search: 'phish@example.com' });
    assert.equal(users.total, 0);
  });

  it('an API key caller gets the magic URL secret in the token', async () => {
    const token = await new Account(t.server()).createMagicURLToken({ userId: ID.unique(), email: 'keyed.magic@example.com', url: 'https://shop.example.com/' });
    assert.match(token.secret, /^[0-9a-f]{64}$/);
    const link = linkIn(await mail.waitFor('keyed.magic@example.com'));
    assert.equal(link.searchParams.get('secret'), token.secret);
  });

  it('an email OTP mails a 6-digit code that logs in as provider token with factor email', async () => {
    const token = await guest().createEmailToken({ userId: 'otp-user', email: 'otp@example.com' });
    assert.equal(token.secret, '');
    assert.equal(Date.parse(token.expire) - Date.parse(token.$createdAt), 900_000);
    const code = codeIn(await mail.waitFor('otp@example.com'));
    const res = await t.fetch('/account/sessions/token', { method: 'POST', json: { userId: 'otp-user', secret: code } });
    assert.equal(res.status, 201);
    const session = await res.json();
    assert.equal(session.provider, 'token');
    assert.deepEqual(session.factors, ['email']);
    const user = await new Users(t.server()).get({ userId: 'otp-user' });
    assert.equal(user.emailVerification, true);
    assert.deepEqual(user.targets.map((x) => [x.providerType, x.identifier]), [['email', 'otp@example.com']], 'an OTP sign-up gets its email target');
    assert.equal(published.filter((e) => e.name === 'users.[userId].sessions.[sessionId].create' && (e.params as any).userId === 'otp-user').length, 1);
  });

  it('a wrong email code does not burn the right one', async () => {
    await guest().createEmailToken({ userId: 'otp-wrong', email: 'otp.wrong@example.com', phrase: true });
    const code = codeIn(await mail.waitFor('otp.wrong@example.com'));
    const wrong = code === '000000' ? '000001' : '000000';
    await expectError(guest().createSession({ userId: 'otp-wrong', secret: wrong }), 401, 'user_invalid_token');
    const session = await guest().createSession({ userId: 'otp-wrong', secret: code });
    assert.equal(session.userId, 'otp-wrong');
  });

  it('magic URL and email OTP answer an unknown and a known email alike', async () => {
    await new Users(t.server()).create({ userId: 'alike-known', email: 'alike.known@example.com' });
    const shape = (x: object) => Object.keys(x).sort().join(',');
    const known = await guest().createEmailToken({ userId: 'alike-x', email: 'alike.known@example.com' });
    const unknown = await guest().createEmailToken({ userId: 'alike-new', email: 'alike.new@example.com' });
    assert.equal(shape(known), shape(unknown));
    assert.deepEqual([known.secret, unknown.secret, known.phrase, unknown.phrase], ['', '', '', '']);
    assert.equal(known.userId, 'alike-known');
    assert.equal(unknown.userId, 'alike-new');
  });

  it('concurrent token requests for one new email create one user, and every request gets its token', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => new Account(t.server()).createEmailToken({ userId: `race-${i}`, email: 'race.new@example.com' })));
    const owners = new Set(results.map((r) => r.userId));
    assert.equal(owners.size, 1);
    const users = await new Users(t.server()).list({ search: 'race.new@example.com' });
    assert.equal(users.total, 1);
    const owner = [...owners][0];
    // Every token works, once each.
    for (const r of results) await exchange(owner, r.secret);
  });

  it('a new email with a userId another user holds is 409 user_already_exists', async () => {
    await new Users(t.server()).create({ userId: 'taken-id', email: 'holder@example.com' });
    await expectError(guest().createEmailToken({ userId: 'taken-id', email: 'newcomer@example.com' }), 409, 'user_already_exists');
  });

  it('each auth-method switch turns its flow off with 501 user_auth_method_unsupported', async () => {
    try {
      await t.setAuths({ disabledMethods: ['magic-url', 'email-otp'] });
      await expectError(guest().createMagicURLToken({ userId: ID.unique(), email: 'off@example.com' }), 501, 'user_auth_method_unsupported', 'Magic URL authentication is disabled for this project');
      await expectError(guest().createEmailToken({ userId: ID.unique(), email: 'off@example.com' }), 501, 'user_auth_method_unsupported', 'Email OTP authentication is disabled for this project');
    } finally {
      await t.restoreSettings();
    }
  });
});

describeEachBackend('passwordless email logins without a mail server', (backend) => {
  let t: TestServer;
  before(async () => (t = await startServer(backend)));
  after(async () => t?.close());

  it('magic URL and email OTP are 503 general_smtp_disabled and create no user', async () => {
    const account = new Account(t.guest());
    await expectError(account.createMagicURLToken({ userId: 'nomail', email: 'nomail@example.com' }), 503, 'general_smtp_disabled');
    await expectError(account.createEmailToken({ userId: 'nomail', email: 'nomail@example.com' }), 503, 'general_smtp_disabled');
    assert.equal((await new Users(t.server()).list()).total, 0);
  });
});
