import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, AuthenticationFactor, Users } from 'node-appwrite';
import {
  codeIn, codeInSms, describeEachBackend, eventually, expectError, FakeClock, rejection, startMailCatcher, startPeer, startServer, startSmsReceiver,
  type MailCatcher, type SmsReceiver, type TestServer,
} from '../../harness.ts';
import { addTotp, codeNow, login, signedIn } from './mfa-helpers.ts';

/** Logging in with a second factor: the gate, challenges by email, SMS, TOTP and their expiry. */
describeEachBackend('MFA challenges and the factor gate', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  let sms: SmsReceiver;
  let users: Users;
  const clock = FakeClock.atHourStart();
  before(async () => {
    [mail, sms] = await Promise.all([startMailCatcher(), startSmsReceiver()]);
    t = await startServer(backend, { clock, env: { TESSERA_SMTP_URL: mail.url, TESSERA_SMS_WEBHOOK_URL: sms.url, TESSERA_ABUSE_LIMITS: 'disabled' } });
    users = new Users(t.server());
  });
  after(async () => {
    await t?.close();
    await Promise.all([mail?.close(), sms?.close()]);
  });

  it('an email challenge completes the login: 401 before, the code from the mail raises the session to two factors', async () => {
    const { account, userId } = await signedIn(t, 'email-factor@example.com', { verifiedEmail: true, mfa: true });
    await expectError(account.get(), 401, 'user_more_factors_required');
    assert.deepEqual({ ...(await account.listMFAFactors()) }, { totp: false, phone: false, email: true, recoveryCode: false, custom: false });

    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Email });
    assert.deepEqual(Object.keys(challenge).sort(), ['$createdAt', '$id', 'expire', 'userId']);
    assert.equal(challenge.userId, userId);
    assert.equal(Date.parse(challenge.expire) - Date.parse(challenge.$createdAt), 3_600_000);
    const code = codeIn(await mail.waitFor('email-factor@example.com'));

    await expectError(account.updateMFAChallenge({ challengeId: challenge.$id, otp: code === '000000' ? '111111' : '000000' }), 401, 'user_invalid_token');
    const session = await account.updateMFAChallenge({ challengeId: challenge.$id, otp: code });
    assert.deepEqual(session.factors, ['password', 'email']);
    assert.equal(session.mfaUpdatedAt, new Date(clock.now()).toISOString().replace('Z', '+00:00'));
    assert.equal(session.current, true);
    assert.equal((await account.get()).$id, userId, 'the warm session is let through at once');
    await expectError(account.updateMFAChallenge({ challengeId: challenge.$id, otp: code }), 401, 'user_invalid_token', undefined);
  });

  it('an SMS challenge sends a code to the verified phone (mock numbers are not used)', async () => {
    const { account } = await signedIn(t, 'phone-factor@example.com', { phone: '+14155550142', mfa: true });
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Phone });
    const code = codeInSms(await sms.waitFor('+14155550142'));
    assert.deepEqual((await account.updateMFAChallenge({ challengeId: challenge.$id, otp: code })).factors, ['password', 'phone']);
    assert.equal((await account.listSessions()).total, 1);
  });

  it('a TOTP challenge takes the authenticator code once; the same code again is refused', async () => {
    const { account, userId } = await signedIn(t, 'totp-factor@example.com');
    const seed = await addTotp(t, account);
    await account.updateMFA({ mfa: true });
    const { account: second } = await login(t, userId, 'totp-factor@example.com');
    await expectError(second.get(), 401, 'user_more_factors_required', /More factors/);

    clock.advance(30_000);
    const first = await second.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    const code = codeNow(t, seed);
    assert.deepEqual((await second.updateMFAChallenge({ challengeId: first.$id, otp: code })).factors, ['password', 'totp']);
    const replay = await second.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    await expectError(second.updateMFAChallenge({ challengeId: replay.$id, otp: code }), 401, 'user_invalid_token');
    clock.advance(30_000);
    assert.deepEqual((await second.updateMFAChallenge({ challengeId: replay.$id, otp: codeNow(t, seed) })).factors, ['password', 'totp']);
  });

  it('a challenge expires after an hour', async () => {
    const { account } = await signedIn(t, 'expiring@example.com', { verifiedEmail: true, mfa: true });
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Email });
    const code = codeIn(await mail.waitFor('expiring@example.com'));
    clock.advance(3_600_001);
    await expectError(account.updateMFAChallenge({ challengeId: challenge.$id, otp: code }), 401, 'user_invalid_token');
    await expectError(account.get(), 401, 'user_more_factors_required');
    const next = await account.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    const rows = await t.container.db.selectFrom('mfa_challenges').select('id').where('user_id', '=', challenge.userId).execute();
    assert.deepEqual(rows.map((r) => r.id), [next.$id], 'the expired challenge went when the next was made');
  });

  it('another user cannot complete my challenge with my code', async () => {
    const mine = await signedIn(t, 'owner@example.com', { verifiedEmail: true, mfa: true });
    const other = await signedIn(t, 'intruder@example.com', { verifiedEmail: true, mfa: true });
    const challenge = await mine.account.createMFAChallenge({ factor: AuthenticationFactor.Email });
    const code = codeIn(await mail.waitFor('owner@example.com'));
    await expectError(other.account.updateMFAChallenge({ challengeId: challenge.$id, otp: code }), 401, 'user_invalid_token');
    assert.deepEqual((await mine.account.updateMFAChallenge({ challengeId: challenge.$id, otp: code })).factors, ['password', 'email']);
  });

  it('email and phone challenges need the contact set and verified; nothing is stored or sent otherwise', async () => {
    const { account, userId } = await signedIn(t, 'unverified@example.com');
    await expectError(account.createMFAChallenge({ factor: AuthenticationFactor.Email }), 400, 'user_email_not_verified');
    await expectError(account.createMFAChallenge({ factor: AuthenticationFactor.Phone }), 400, 'user_phone_not_found');
    await users.updatePhone({ userId, number: '+14155550199' });
    await expectError(account.createMFAChallenge({ factor: AuthenticationFactor.Phone }), 400, 'user_phone_not_verified');
    const stored = await t.container.db.selectFrom('mfa_challenges').select('id').where('user_id', '=', userId).execute();
    assert.equal(stored.length, 0);
    const bad = await t.fetch('/account/mfa/challenges', { method: 'POST', json: { factor: 'sms' }, headers: { 'x-appwrite-session': (await login(t, userId, 'unverified@example.com')).secret } });
    assert.deepEqual([bad.status, ((await bad.json()) as { type: string }).type], [400, 'general_argument_invalid']);
  });

  it('a user with MFA on and no verified second factor is not locked out; logging out works while a factor is missing', async () => {
    const lone = await signedIn(t, 'lone@example.com', { mfa: true });
    await lone.account.createMFARecoveryCodes();
    assert.equal((await lone.account.get()).mfa, true, 'recovery codes alone do not raise the requirement');

    const pending = await signedIn(t, 'pending@example.com', { verifiedEmail: true, mfa: true });
    await expectError(pending.account.get(), 401, 'user_more_factors_required');
    await expectError(pending.account.createJWT(), 401, 'user_more_factors_required');
    await pending.account.deleteSession({ sessionId: 'current' });
    assert.equal((await users.listSessions({ userId: pending.userId })).total, 0);
  });

  it('a factor disabled by the project policy is refused at creation and at completion', async () => {
    const { account } = await signedIn(t, 'policy@example.com', { verifiedEmail: true, mfa: true });
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Email });
    const code = codeIn(await mail.waitFor('policy@example.com'));
    await t.setAuths({ mfaFactors: { totp: true, email: false, phone: true, custom: false } } as never);
    try {
      await expectError(account.createMFAChallenge({ factor: AuthenticationFactor.Email }), 501, 'user_auth_method_unsupported', 'The requested factor is disabled by the MFA factors policy');
      await expectError(account.updateMFAChallenge({ challengeId: challenge.$id, otp: code }), 501, 'user_auth_method_unsupported');
      assert.equal((await account.listMFAFactors()).email, false);
    } finally {
      await t.restoreSettings();
    }
  });

  it('the custom factor: off by default; when on, the server reads the code through the Users API', async () => {
    const { account, userId } = await signedIn(t, 'custom@example.com', { mfa: true, verifiedEmail: true });
    const factor = 'custom' as AuthenticationFactor;
    await expectError(account.createMFAChallenge({ factor }), 501, 'user_auth_method_unsupported');
    await t.setAuths({ mfaFactors: { totp: true, email: true, phone: true, custom: true } } as never);
    try {
      const challenge = await account.createMFAChallenge({ factor });
      const res = await t.fetch(`/users/${userId}/mfa/challenges/${challenge.$id}`, { headers: { 'x-appwrite-key': t.apiKey } });
      const body = (await res.json()) as { code: string; $id: string };
      assert.equal(res.status, 200);
      assert.match(body.code, /^\d{6}$/);
      assert.deepEqual((await account.updateMFAChallenge({ challengeId: challenge.$id, otp: body.code })).factors, ['password', 'custom']);
      const gone = await t.fetch(`/users/${userId}/mfa/challenges/${challenge.$id}`, { headers: { 'x-appwrite-key': t.apiKey } });
      assert.equal(gone.status, 401);
    } finally {
      await t.restoreSettings();
    }
  });

  it('no challenge code is stored in the clear', async () => {
    const { account, userId } = await signedIn(t, 'hashed@example.com', { verifiedEmail: true, mfa: true });
    await account.createMFAChallenge({ factor: AuthenticationFactor.Email });
    const code = codeIn(await mail.waitFor('hashed@example.com'));
    const rows = await t.container.db.selectFrom('mfa_challenges').selectAll().where('user_id', '=', userId).execute();
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(code));
  });

  it('the /account/mfa/challenge alias and the lowercase SDK factor name work', async () => {
    const { secret } = await signedIn(t, 'alias@example.com', { verifiedEmail: true, mfa: true });
    const res = await t.fetch('/account/mfa/challenge', { method: 'POST', json: { factor: 'EMAIL' }, headers: { 'x-appwrite-session': secret } });
    assert.equal(res.status, 201);
    const err = await rejection(new Account(t.withSession(secret)).get());
    assert.equal(err.type, 'user_more_factors_required');
  });

  it('another process serving the same session lets it through once the challenge completes here', async () => {
    const { account, secret } = await signedIn(t, 'two-processes@example.com', { verifiedEmail: true, mfa: true });
    const peer = await startPeer(t, { clock });
    try {
      assert.equal((await peer.account(secret)).type, 'user_more_factors_required');
      assert.equal((await peer.account(secret)).type, 'user_more_factors_required', 'now answered from its cache');
      const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Email });
      await account.updateMFAChallenge({ challengeId: challenge.$id, otp: codeIn(await mail.waitFor('two-processes@example.com')) });
      assert.equal(await eventually(async () => (await peer.account(secret)).status, 200), 200);
    } finally {
      await peer.close();
    }
  });
});
