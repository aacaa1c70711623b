import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationFactor, Users } from 'node-appwrite';
import { describeEachBackend, expectError, FakeClock, startServer, type TestServer } from '../../harness.ts';
import { addTotp, codeNow, login, signedIn } from './mfa-helpers.ts';

const CODE = /^[0-9a-f]{10}$/;

describeEachBackend('MFA recovery codes', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = FakeClock.atHourStart();
  before(async () => {
    t = await startServer(backend, { clock, env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /** A user with TOTP, MFA on, and recovery codes; `account` has completed a TOTP challenge just now. */
  async function withCodes(email: string) {
    const { account, userId } = await signedIn(t, email);
    const seed = await addTotp(t, account);
    await account.updateMFA({ mfa: true });
    const { recoveryCodes } = await account.createMFARecoveryCodes();
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    clock.advance(30_000);
    await account.updateMFAChallenge({ challengeId: challenge.$id, otp: codeNow(t, seed) });
    return { account, userId, recoveryCodes };
  }

  it('six 10-hex codes, created once; shown again after a recent challenge; regenerated as a new set', async () => {
    const { account, userId, recoveryCodes } = await withCodes('codes@example.com');
    assert.equal(recoveryCodes.length, 6);
    for (const c of recoveryCodes) assert.match(c, CODE);
    await expectError(account.createMFARecoveryCodes(), 409, 'user_recovery_codes_already_exists');
    assert.deepEqual((await account.getMFARecoveryCodes()).recoveryCodes, recoveryCodes);
    assert.equal((await account.listMFAFactors()).recoveryCode, true);

    const fresh = (await account.updateMFARecoveryCodes()).recoveryCodes;
    assert.equal(fresh.length, 6);
    assert.equal(fresh.filter((c) => recoveryCodes.includes(c)).length, 0);
    assert.deepEqual((await users.getMFARecoveryCodes({ userId })).recoveryCodes, fresh);
    assert.equal((await users.listMFAFactors({ userId })).recoveryCode, false, 'the Users API never reports recovery codes');
  });

  it('reading or regenerating the codes needs a challenge completed in the last 30 minutes', async () => {
    const { account, userId } = await withCodes('recent@example.com');
    clock.advance(1_800_001);
    await expectError(account.getMFARecoveryCodes(), 401, 'user_challenge_required');
    await expectError(account.updateMFARecoveryCodes(), 401, 'user_challenge_required');
    const { account: fresh } = await login(t, userId, 'recent@example.com');
    const challenge = await fresh.createMFAChallenge({ factor: AuthenticationFactor.Recoverycode });
    const [code] = (await users.getMFARecoveryCodes({ userId })).recoveryCodes;
    await fresh.updateMFAChallenge({ challengeId: challenge.$id, otp: code });
    assert.equal((await fresh.getMFARecoveryCodes()).recoveryCodes.length, 5, 'the used code is gone');
  });

  it('a recovery code completes a login once, even under 20 concurrent challenges with it', async () => {
    const { userId, recoveryCodes } = await withCodes('race@example.com');
    const { account } = await login(t, userId, 'race@example.com');
    await expectError(account.get(), 401, 'user_more_factors_required');
    const challenges = await Promise.all(Array.from({ length: 20 }, () => account.createMFAChallenge({ factor: AuthenticationFactor.Recoverycode })));
    const code = recoveryCodes[2];
    const outcomes = await Promise.allSettled(challenges.map((c) => account.updateMFAChallenge({ challengeId: c.$id, otp: code })));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    assert.equal(won.length, 1, 'exactly one completion succeeds');
    for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as { type: string }).type, 'user_invalid_token');
    assert.deepEqual((won[0] as PromiseFulfilledResult<{ factors: string[] }>).value.factors, ['password', 'recoveryCode']);
    const left = (await users.getMFARecoveryCodes({ userId })).recoveryCodes;
    assert.deepEqual(left, recoveryCodes.filter((c) => c !== code));
    assert.equal((await account.get()).$id, userId);
  });

  it('a wrong code consumes nothing and the challenge stays usable', async () => {
    const { userId, recoveryCodes } = await withCodes('wrong@example.com');
    const { account } = await login(t, userId, 'wrong@example.com');
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Recoverycode });
    await expectError(account.updateMFAChallenge({ challengeId: challenge.$id, otp: 'ffffffffff' }), 401, 'user_invalid_token');
    assert.equal((await users.getMFARecoveryCodes({ userId })).recoveryCodes.length, 6);
    await account.updateMFAChallenge({ challengeId: challenge.$id, otp: recoveryCodes[0] });
  });

  it('codes are sealed at rest: the table holds neither a code nor a plain hash of one', async () => {
    const { userId, recoveryCodes } = await withCodes('sealed@example.com');
    const rows = await t.container.db.selectFrom('mfa_recovery_codes').selectAll().where('user_id', '=', userId).execute();
    assert.equal(rows.length, 6);
    const dump = JSON.stringify(rows);
    for (const code of recoveryCodes) assert.ok(!dump.includes(code));
    const { createHash } = await import('node:crypto');
    for (const code of recoveryCodes) assert.ok(!dump.includes(createHash('sha256').update(code).digest('hex')));
  });

  it('Users API: create (200), 409 while codes are left, regenerate, 404 for a user without codes or unknown user', async () => {
    const { userId } = await signedIn(t, 'server-codes@example.com');
    await expectError(users.getMFARecoveryCodes({ userId }), 404, 'user_recovery_codes_not_found');
    await expectError(users.updateMFARecoveryCodes({ userId }), 404, 'user_recovery_codes_not_found');
    const created = (await users.createMFARecoveryCodes({ userId })).recoveryCodes;
    assert.equal(created.length, 6);
    await expectError(users.createMFARecoveryCodes({ userId }), 409, 'user_recovery_codes_already_exists');
    const regenerated = (await users.updateMFARecoveryCodes({ userId })).recoveryCodes;
    assert.notDeepEqual(regenerated, created);
    await expectError(users.createMFARecoveryCodes({ userId: 'nobody' }), 404, 'user_not_found');
    await users.delete({ userId });
    const left = await t.container.db.selectFrom('mfa_recovery_codes').select('seq').where('user_id', '=', userId).execute();
    assert.equal(left.length, 0, "a deleted user's codes go with it");
    await expectError(users.getMFARecoveryCodes({ userId: 'nobody' }), 404, 'user_not_found');
  });
});
