import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, AuthenticationFactor, AuthenticatorType, Users } from 'node-appwrite';
import { describeEachBackend, expectError, FakeClock, startServer, type TestServer } from '../../harness.ts';
import { hashSecret } from '../../../src/support/secrets.ts';
import { addTotp, codeNow, login, signedIn } from './mfa-helpers.ts';

const totp = AuthenticatorType.Totp;

describeEachBackend('MFA TOTP authenticators and the MFA switch', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = FakeClock.atHourStart();
  before(async () => {
    t = await startServer(backend, { clock, env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  it('create returns a Base32 seed and an otpauth URI (issuer = project name, label = email); the seed is sealed at rest', async () => {
    const { account, userId } = await signedIn(t, 'Seed@Example.com');
    const created = await account.createMFAAuthenticator({ type: totp });
    assert.deepEqual(Object.keys(created).sort(), ['secret', 'uri']);
    assert.match(created.secret, /^[A-Z2-7]{103}$/, '64 random bytes, as Appwrite');
    const issuer = (await t.container.projects.get(t.projectId))!.name;
    const uri = new URL(created.uri);
    assert.deepEqual([uri.protocol, uri.host, decodeURIComponent(uri.pathname)], ['otpauth:', 'totp', `/${issuer}:seed@example.com`]);
    const q = uri.searchParams;
    assert.deepEqual([q.get('secret'), q.get('issuer'), q.get('algorithm'), q.get('digits'), q.get('period')], [created.secret, issuer, 'SHA1', '6', '30']);
    const row = await t.container.db.selectFrom('mfa_authenticators').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
    assert.equal(row.verified, 0);
    assert.ok(!JSON.stringify(row).includes(created.secret));
  });

  it('verifying with a code adds totp to the session; a wrong code is 401; a verified one cannot be replaced', async () => {
    const { account, userId } = await signedIn(t, 'verify@example.com');
    await expectError(account.updateMFAAuthenticator({ type: totp, otp: '123456' }), 404, 'user_authenticator_not_found');
    const first = await account.createMFAAuthenticator({ type: totp });
    const { secret } = await account.createMFAAuthenticator({ type: totp });
    assert.notEqual(secret, first.secret, 'an unverified authenticator is replaced');
    await expectError(account.updateMFAAuthenticator({ type: totp, otp: codeNow(t, first.secret) }), 401, 'user_invalid_token');
    const user = await account.updateMFAAuthenticator({ type: totp, otp: codeNow(t, secret) });
    assert.equal(user.$id, userId);
    assert.ok(!('password' in user), 'the Account model');
    assert.deepEqual((await account.getSession({ sessionId: 'current' })).factors, ['password', 'totp']);
    await expectError(account.createMFAAuthenticator({ type: totp }), 409, 'user_authenticator_already_verified');
    await expectError(account.updateMFAAuthenticator({ type: totp, otp: codeNow(t, secret) }), 409, 'user_authenticator_already_verified');
    assert.deepEqual({ ...(await users.listMFAFactors({ userId })) }, { totp: true, phone: false, email: false, recoveryCode: false, custom: false });
  });

  it('codes of the previous and next 30 s step are accepted (clock drift), older ones are not', async () => {
    const { account } = await signedIn(t, 'drift@example.com');
    const { secret } = await account.createMFAAuthenticator({ type: totp });
    await expectError(account.updateMFAAuthenticator({ type: totp, otp: codeNow(t, secret, -61_000) }), 401, 'user_invalid_token');
    await account.updateMFAAuthenticator({ type: totp, otp: codeNow(t, secret, -30_000) });
  });

  it('turning MFA on adds the verified factors to the current session only; other sessions need a challenge', async () => {
    const { account, userId } = await signedIn(t, 'switch@example.com', { verifiedEmail: true });
    const other = await login(t, userId, 'switch@example.com');
    await other.account.get();
    const user = await account.updateMFA({ mfa: true });
    assert.equal(user.mfa, true);
    assert.deepEqual((await account.getSession({ sessionId: 'current' })).factors, ['password', 'email']);
    await expectError(other.account.get(), 401, 'user_more_factors_required');
    await account.updateMFA({ mfa: false });
    assert.equal((await other.account.get()).mfa, false);
  });

  it('deleting the authenticator needs a recent challenge (Account), or just a key (Users API); then TOTP no longer gates', async () => {
    const { account, userId } = await signedIn(t, 'remove@example.com');
    const seed = await addTotp(t, account);
    await account.updateMFA({ mfa: true });
    await expectError(account.deleteMFAAuthenticator({ type: totp }), 401, 'user_challenge_required');
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    clock.advance(30_000);
    await account.updateMFAChallenge({ challengeId: challenge.$id, otp: codeNow(t, seed) });
    await account.deleteMFAAuthenticator({ type: totp });
    await expectError(account.deleteMFAAuthenticator({ type: totp }), 404, 'user_authenticator_not_found');
    assert.equal((await account.listMFAFactors()).totp, false);

    const again = await signedIn(t, 'remove-by-key@example.com');
    await addTotp(t, again.account);
    await users.updateMFA({ userId: again.userId, mfa: true });
    const { account: gated } = await login(t, again.userId, 'remove-by-key@example.com');
    await expectError(gated.get(), 401, 'user_more_factors_required');
    await users.deleteMFAAuthenticator({ userId: again.userId, type: totp });
    assert.equal((await gated.get()).$id, again.userId, 'no verified factor left: one factor suffices, at once');
    await expectError(users.deleteMFAAuthenticator({ userId: again.userId, type: totp }), 404, 'user_authenticator_not_found');
    await expectError(users.deleteMFAAuthenticator({ userId: 'nobody', type: totp }), 404, 'user_not_found');
    assert.equal((await users.listMFAFactors({ userId })).totp, false);
  });

  it('an unknown authenticator type is a 400', async () => {
    const { secret } = await signedIn(t, 'types@example.com');
    const res = await t.fetch('/account/mfa/authenticators/sms', { method: 'POST', headers: { 'x-appwrite-session': secret } });
    assert.deepEqual([res.status, ((await res.json()) as { type: string }).type], [400, 'general_argument_invalid']);
  });

  it('completing a challenge drops the cached session, so a warm cache never serves the old factors', async () => {
    const { account, userId } = await signedIn(t, 'cache@example.com');
    const seed = await addTotp(t, account);
    await account.updateMFA({ mfa: true });
    const second = await login(t, userId, 'cache@example.com');
    await expectError(second.account.get(), 401, 'user_more_factors_required');
    assert.ok(t.container.sessions.cache.get(hashSecret(second.secret)), 'the gated session is cached');
    const challenge = await second.account.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    clock.advance(30_000);
    await second.account.updateMFAChallenge({ challengeId: challenge.$id, otp: codeNow(t, seed) });
    assert.equal((await new Account(t.withSession(second.secret)).get()).$id, userId);
  });

  it('a TOTP code completes one challenge, even under 10 concurrent completions with it', async () => {
    const { account, userId } = await signedIn(t, 'totp-race@example.com');
    const seed = await addTotp(t, account);
    await account.updateMFA({ mfa: true });
    const { account: gated } = await login(t, userId, 'totp-race@example.com');
    const challenges = await Promise.all(Array.from({ length: 10 }, () => gated.createMFAChallenge({ factor: AuthenticationFactor.Totp })));
    clock.advance(30_000);
    const code = codeNow(t, seed);
    const outcomes = await Promise.allSettled(challenges.map((c) => gated.updateMFAChallenge({ challengeId: c.$id, otp: code })));
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as { type: string }).type, 'user_invalid_token');
  });
});
