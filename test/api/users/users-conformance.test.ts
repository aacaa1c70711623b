import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, MessagingProviderType, Query, Users } from 'node-appwrite';
import { describeEachBackend, expectError, rejection, startServer, type TestServer } from '../../harness.ts';
import { DEFAULT_AUTHS, type AuthSettings } from '../../../src/projects/projects.ts';

/**
 * Users API details checked against Appwrite's source (src/Appwrite/Platform/Modules/Users/**):
 * param validators, which error comes first, and what a clash on a target does.
 */
const PASSWORD = 'correct-horse-battery';

describeEachBackend('Users API: conformance with Appwrite', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
  });
  after(async () => t?.close());

  const dbUser = (id: string) => t.container.db.selectFrom('users').selectAll().where('project_id', '=', 'default').where('id', '=', id).executeTakeFirst();
  const dbTargets = (userId: string) =>
    t.container.db.selectFrom('targets').select(['id', 'identifier', 'provider_type']).where('project_id', '=', 'default').where('user_id', '=', userId).orderBy('seq').execute();
  const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
  /** Each call starts from the project's initial settings. */
  const setAuths = async (auths: Partial<AuthSettings>) => {
    await t.restoreSettings();
    await t.setAuths(auths);
  };

  it('a name, search or scrypt-modified key that is sent empty is 400 (Appwrite Text min 1); updateName alone takes ""', async () => {
    const textMin1 = /Value must be a valid string and at least 1 chars/;
    await expectError(users.create({ userId: 'nameless', email: 'nameless@example.com', name: '' }), 400, 'general_argument_invalid', textMin1);
    await expectError(users.createMD5User({ userId: 'md5-nameless', email: 'md5-nameless@example.com', password: 'd41d8cd98f00b204e9800998ecf8427e', name: '' }), 400, 'general_argument_invalid', textMin1);
    const firebase = { userId: 'fb', email: 'fb@example.com', password: 'x'.repeat(88), passwordSalt: 'c2FsdA==', passwordSaltSeparator: 'Bw==', passwordSignerKey: 'a2V5' };
    for (const empty of ['passwordSalt', 'passwordSaltSeparator', 'passwordSignerKey'] as const) {
      await expectError(users.createScryptModifiedUser({ ...firebase, [empty]: '' }), 400, 'general_argument_invalid', new RegExp(`\`${empty}\``));
    }
    assert.equal(await dbUser('nameless'), undefined);
    assert.equal(await dbUser('md5-nameless'), undefined);
    assert.equal(await dbUser('fb'), undefined);
    await expectError(users.list({ search: '' }), 400, 'general_argument_invalid', /`search`/);

    const named = await users.create({ userId: 'named', email: 'named@example.com', name: 'Named' });
    assert.equal(named.name, 'Named');
    assert.equal((await users.updateName({ userId: 'named', name: '' })).name, '', "updateName's Text(128, 0) allows an empty name");
  });

  it('a bad label is refused with the allow-list in the message, before the user lookup', async () => {
    await expectError(
      users.updateLabels({ userId: 'nobody', labels: ['ok', 'not-ok'] }),
      400,
      'general_argument_invalid',
      /only consist of '0, 1, 2, 3, 4, 5, 6, 7, 8, 9, A, B, .*, y, z' chars/,
    );
    await expectError(users.updateLabels({ userId: 'nobody', labels: ['ok'] }), 404, 'user_not_found');
  });

  it('list accepts exactly the attributes of Appwrite\'s Users query validator; others are "Attribute not found in schema"', async () => {
    await users.create({ userId: 'listed', email: 'listed@example.com', phone: '+14155550190', name: 'Listed' });
    const since = '2000-01-01T00:00:00.000+00:00';
    const accepted = [
      Query.equal('name', 'Listed'), Query.equal('email', 'listed@example.com'), Query.equal('phone', '+14155550190'),
      Query.equal('status', true), Query.isNull('passwordUpdate'), Query.greaterThan('registration', since),
      Query.equal('emailVerification', false), Query.equal('phoneVerification', false), Query.isNotNull('labels'),
      Query.equal('impersonator', false), Query.isNull('accessedAt'), Query.equal('$id', 'listed'),
      Query.greaterThan('$createdAt', since), Query.greaterThan('$updatedAt', since), Query.greaterThan('$sequence', 0),
    ];
    for (const q of accepted) assert.ok((await users.list({ queries: [q] })).users.some((u) => u.$id === 'listed'), q);
    for (const attribute of ['mfa', 'prefs', 'search', 'targets', 'passwordHistory', 'hashOptions', 'emailCanonical']) {
      await expectError(
        users.list({ queries: [Query.equal(attribute, 'x')] }),
        400,
        'general_argument_invalid',
        new RegExp(`^Invalid \`queries\` param: Invalid query: Attribute not found in schema: ${attribute}$`),
      );
    }
  });

  it('updatePassword: the strength policy fails before user_not_found; with personalDataCheck, "" cannot clear a password', async () => {
    await users.create({ userId: 'pw', email: 'pw@example.com', password: PASSWORD });
    const before = (await dbUser('pw'))!.password;
    try {
      await setAuths({ passwordStrength: { ...DEFAULT_AUTHS.passwordStrength, uppercase: true }, personalDataCheck: true });
      await expectError(users.updatePassword({ userId: 'nobody', password: 'all-lower-case' }), 400, 'general_argument_invalid', /uppercase/);
      await expectError(users.updatePassword({ userId: 'nobody', password: '' }), 404, 'user_not_found');
      await expectError(users.updatePassword({ userId: 'pw', password: '' }), 400, 'password_personal_data');
      assert.equal((await dbUser('pw'))!.password, before, 'the password was not cleared');
    } finally {
      await setAuths({});
    }
    const cleared = await users.updatePassword({ userId: 'pw', password: '' });
    assert.equal(cleared.password, '', 'without the policy "" clears the password');
  });

  it('createJWT with a sessionId the user does not hold answers 201 with a JWT bound to no session', async () => {
    const user = await users.create({ userId: 'jwt-owner', email: 'jwt-owner@example.com' });
    const own = await users.createSession({ userId: user.$id });
    await users.create({ userId: 'jwt-other' });
    const foreign = await users.createSession({ userId: 'jwt-other' });

    for (const sessionId of ['no-such-session', foreign.$id]) {
      const { jwt } = await users.createJWT({ userId: user.$id, sessionId });
      assert.deepEqual([payload(jwt).userId, payload(jwt).sessionId], [user.$id, ''], sessionId);
      assert.equal((await new Account(t.withJwt(jwt)).get()).$id, user.$id, 'an unbound JWT needs no session');
    }
    assert.equal(payload((await users.createJWT({ userId: user.$id, sessionId: own.$id })).jwt).sessionId, own.$id);
    const raw = await t.fetch(`/users/${user.$id}/jwts`, { method: 'POST', headers: { 'x-appwrite-key': t.apiKey }, json: { sessionId: 'no-such-session' } });
    assert.equal(raw.status, 201);
    await expectError(users.createJWT({ userId: 'nobody', sessionId: 'no-such-session' }), 404, 'user_not_found');
  });

  it("a new user whose email or phone is already another user's target is created without that target", async () => {
    await users.create({ userId: 'holder', email: 'holder@example.com' });
    await users.createTarget({ userId: 'holder', targetId: 'holder-mail', providerType: MessagingProviderType.Email, identifier: 'shared@example.com' });
    await users.createTarget({ userId: 'holder', targetId: 'holder-sms', providerType: MessagingProviderType.Sms, identifier: '+14155550191' });

    const viaUsers = await users.create({ userId: 'newcomer', email: 'SHARED@example.com', phone: '+14155550191', password: PASSWORD });
    assert.deepEqual([viaUsers.email, viaUsers.phone], ['shared@example.com', '+14155550191']);
    assert.deepEqual(viaUsers.targets, []);
    assert.deepEqual(await dbTargets('newcomer'), []);

    await users.createTarget({ userId: 'holder', targetId: 'holder-signup', providerType: MessagingProviderType.Email, identifier: 'signup@example.com' });
    const signedUp = await new Account(t.guest()).create({ userId: 'signup', email: 'signup@example.com', password: PASSWORD });
    assert.equal(signedUp.email, 'signup@example.com');
    assert.deepEqual(await dbTargets('signup'), []);

    assert.deepEqual((await dbTargets('holder')).map((r) => r.id).slice(1), ['holder-mail', 'holder-sms', 'holder-signup'], "the holder's targets are untouched");
    // The users table still refuses a taken email or phone.
    await expectError(users.create({ userId: ID.unique(), email: 'shared@example.com' }), 409, 'user_already_exists');
    await expectError(users.create({ userId: ID.unique(), phone: '+14155550191' }), 409, 'user_already_exists');
    // The newcomer logs in, and can later move to an email of its own, which then gets a target.
    assert.equal((await new Account(t.guest()).createEmailPasswordSession({ email: 'shared@example.com', password: PASSWORD })).userId, 'newcomer');
    const moved = await users.updateEmail({ userId: 'newcomer', email: 'newcomer@example.com' });
    assert.deepEqual(moved.targets.map((x) => [x.providerType, x.identifier]), [['email', 'newcomer@example.com']]);
  });

  it('a target name or identifier that is sent empty is 400 on create and update; nothing changes', async () => {
    await users.create({ userId: 'targeted' });
    const base = { userId: 'targeted', providerType: MessagingProviderType.Push, identifier: 'device-1' };
    await expectError(users.createTarget({ ...base, targetId: 'empty-name', name: '' }), 400, 'general_argument_invalid', /`name`/);
    await users.createTarget({ ...base, targetId: 'device', name: 'Phone' });
    await expectError(users.updateTarget({ userId: 'targeted', targetId: 'device', identifier: '' }), 400, 'general_argument_invalid', /`identifier`/);
    await expectError(users.updateTarget({ userId: 'targeted', targetId: 'device', name: '' }), 400, 'general_argument_invalid', /`name`/);
    const target = await users.getTarget({ userId: 'targeted', targetId: 'device' });
    assert.deepEqual([target.identifier, target.name], ['device-1', 'Phone']);
    assert.deepEqual((await dbTargets('targeted')).map((r) => r.id), ['device']);
  });
});
