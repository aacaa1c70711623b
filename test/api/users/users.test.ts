import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Client, ID, Users } from 'node-appwrite';
import { describeEachBackend, expectError, rejection, startServer, type TestServer } from '../../harness.ts';

const USER_FIELDS = [
  '$id', '$createdAt', '$updatedAt', 'name', 'password', 'hash', 'hashOptions', 'registration', 'status', 'labels',
  'passwordUpdate', 'email', 'phone', 'emailVerification', 'emailCanonical', 'emailIsFree', 'emailIsDisposable',
  'emailIsCorporate', 'emailIsCanonical', 'phoneVerification', 'mfa', 'prefs', 'targets', 'accessedAt', 'impersonator',
  'impersonatorUserId',
].sort();
const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;

describeEachBackend('Users API: users', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /** Email/password login from a browser-like guest. */
  const login = (email: string, password: string) => new Account(t.guest()).createEmailPasswordSession({ email, password });
  /** Email/password login through the key, which returns the session secret (SSR). */
  const loginSecret = async (email: string, password: string) => (await new Account(t.server()).createEmailPasswordSession({ email, password })).secret;
  const dbUser = (id: string) => t.container.db.selectFrom('users').selectAll().where('project_id', '=', 'default').where('id', '=', id).executeTakeFirst();
  const count = async (table: 'sessions' | 'tokens', userId: string) =>
    (await t.container.db.selectFrom(table).select('id').where('user_id', '=', userId).execute()).length;

  it('creates a user with email, phone, password and name; the User model has exactly the documented fields', async () => {
    const user = await users.create({ userId: 'ada', email: 'Ada@Example.COM', phone: '+14155550101', password: 'analytical-engine', name: 'Ada Lovelace' });
    assert.deepEqual(Object.keys(user).sort(), USER_FIELDS);
    assert.equal(user.$id, 'ada');
    assert.equal(user.email, 'ada@example.com', 'emails are lower-cased');
    assert.equal(user.phone, '+14155550101');
    assert.equal(user.name, 'Ada Lovelace');
    assert.match(user.password!, /^\$argon2id\$/);
    assert.equal(user.hash, 'argon2');
    const opts = { ...user.hashOptions } as Record<string, unknown>;
    assert.equal(opts.type, 'argon2');
    for (const k of ['memory_cost', 'time_cost', 'threads']) assert.equal(typeof opts[k], 'number', k);
    for (const d of [user.$createdAt, user.$updatedAt, user.registration, user.passwordUpdate]) assert.match(d, DATE);
    assert.equal(user.status, true);
    assert.deepEqual([...user.labels], []);
    assert.deepEqual([user.emailVerification, user.phoneVerification, user.mfa, user.impersonator], [false, false, false, false]);
    assert.deepEqual({ ...user.prefs }, {});
    assert.deepEqual(user.targets.map((x) => [x.providerType, x.identifier]), [['email', 'ada@example.com'], ['sms', '+14155550101']], 'the email and phone are targets');
    const row = await dbUser('ada');
    assert.equal(row?.email, 'ada@example.com');
    assert.equal(row?.password, user.password);

    const session = await login('ADA@example.com', 'analytical-engine');
    assert.equal(session.userId, 'ada');
    assert.equal(session.provider, 'email');
    assert.equal(session.secret, '', 'a guest never sees the secret');
  });

  it('"unique()" makes the server generate a 20-char id; a user without a password has none and cannot log in', async () => {
    const user = await users.create({ userId: 'unique()', email: 'nopass@example.com' });
    assert.match(user.$id, /^[0-9a-f]{20}$/);
    const clientId = ID.unique();
    assert.equal((await users.create({ userId: clientId })).$id, clientId, 'the SDK\'s ID.unique() is generated client-side and kept');
    assert.equal(user.password, null);
    assert.equal(user.passwordUpdate, '');
    assert.equal(user.accessedAt, '', 'a user created by the Users API has not accessed anything yet');
    assert.equal(user.phone, '');
    assert.equal(user.name, '');
    await expectError(login('nopass@example.com', 'whatever-password'), 401, 'user_invalid_credentials');
    const other = await users.create({ userId: 'unique()' });
    assert.notEqual(other.$id, user.$id);
    assert.equal(other.email, '');
  });

  it('a duplicate id, email (in any case) or phone is 409 user_already_exists', async () => {
    await users.create({ userId: 'dup', email: 'dup@example.com', phone: '+14155550102' });
    await expectError(users.create({ userId: 'dup', email: 'fresh@example.com' }), 409, 'user_already_exists');
    await expectError(users.create({ userId: ID.unique(), email: 'DUP@Example.com' }), 409, 'user_already_exists');
    await expectError(users.create({ userId: ID.unique(), phone: '+14155550102' }), 409, 'user_already_exists');
    const rows = await t.container.db.selectFrom('users').select('id').where('email', '=', 'fresh@example.com').execute();
    assert.equal(rows.length, 0);
  });

  it('bad email, phone, short password or malformed userId is 400 general_argument_invalid', async () => {
    const bad = [
      { userId: ID.unique(), email: 'not-an-email' },
      { userId: ID.unique(), phone: '4155550103' },
      { userId: ID.unique(), phone: '+1234567890123456' },
      { userId: ID.unique(), email: 'short@example.com', password: 'seven77' },
      { userId: '-leading-dash' },
      { userId: 'x'.repeat(37) },
      { userId: 'bad id' },
    ];
    for (const input of bad) await expectError(users.create(input), 400, 'general_argument_invalid');
    const ok = await users.create({ userId: 'x'.repeat(36) });
    assert.equal(ok.$id.length, 36);
    const stored = await t.container.db.selectFrom('users').select('id').where('email', 'in', ['short@example.com', 'not-an-email']).execute();
    assert.deepEqual(stored, [], 'nothing invalid was stored');
  });

  it('get returns the user; an unknown id is 404 user_not_found', async () => {
    const created = await users.create({ userId: 'getme', email: 'getme@example.com' });
    const got = await users.get({ userId: 'getme' });
    assert.deepEqual({ ...got, hashOptions: { ...got.hashOptions } }, { ...created, hashOptions: { ...created.hashOptions } });
    await expectError(users.get({ userId: 'nobody' }), 404, 'user_not_found');
  });

  it('delete removes the user with its sessions and tokens; its live session stops working at once', async () => {
    await users.create({ userId: 'doomed', email: 'doomed@example.com', password: 'doomed-password' });
    const secret = await loginSecret('doomed@example.com', 'doomed-password');
    const account = new Account(t.withSession(secret));
    assert.equal((await account.get()).$id, 'doomed');
    await users.createSession({ userId: 'doomed' });
    await users.createToken({ userId: 'doomed' });
    assert.equal(await count('sessions', 'doomed'), 2);
    assert.equal(await count('tokens', 'doomed'), 1);

    const res = await t.fetch('/users/doomed', { method: 'DELETE', headers: { 'x-appwrite-key': t.apiKey } });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    assert.equal(await dbUser('doomed'), undefined);
    assert.equal(await count('sessions', 'doomed'), 0);
    assert.equal(await count('tokens', 'doomed'), 0);
    await expectError(account.get(), 401, 'general_unauthorized_scope');
    await expectError(users.get({ userId: 'doomed' }), 404, 'user_not_found');
    await expectError(users.delete({ userId: 'doomed' }), 404, 'user_not_found');
  });

  it('updateName changes the name and $updatedAt; unknown user is 404', async () => {
    const before = await users.create({ userId: 'named', name: 'Old' });
    await new Promise((r) => setTimeout(r, 5));
    const after = await users.updateName({ userId: 'named', name: 'New Name' });
    assert.equal(after.name, 'New Name');
    assert.ok(after.$updatedAt > before.$updatedAt);
    assert.equal((await dbUser('named'))?.name, 'New Name');
    assert.deepEqual((await users.list({ search: 'new name' })).users.map((u) => u.$id), ['named'], 'search follows the new name');
    assert.equal((await users.list({ search: 'old' })).total, 0);
    assert.equal((await users.updateName({ userId: 'named', name: '' })).name, '');
    await expectError(users.updateName({ userId: 'nobody', name: 'x' }), 404, 'user_not_found');
    await expectError(users.updateName({ userId: 'named', name: 'x'.repeat(129) }), 400, 'general_argument_invalid');
  });

  it('updateEmail lower-cases, resets verification, "" clears, and a taken email is 409 user_target_already_exists', async () => {
    await users.create({ userId: 'mailer', email: 'mailer@example.com', password: 'mailer-password' });
    await users.updateEmailVerification({ userId: 'mailer', emailVerification: true });
    const changed = await users.updateEmail({ userId: 'mailer', email: 'New.Mailer@Example.com' });
    assert.equal(changed.email, 'new.mailer@example.com');
    assert.equal(changed.emailVerification, false);
    assert.equal((await login('new.mailer@example.com', 'mailer-password')).userId, 'mailer');
    assert.deepEqual((await users.list({ search: 'new.mailer' })).users.map((u) => u.$id), ['mailer'], 'search follows the new email');
    await expectError(login('mailer@example.com', 'mailer-password'), 401, 'user_invalid_credentials');

    await users.create({ userId: 'owner', email: 'taken@example.com' });
    await expectError(users.updateEmail({ userId: 'mailer', email: 'TAKEN@example.com' }), 409, 'user_target_already_exists');
    await expectError(users.updateEmail({ userId: 'mailer', email: 'nope' }), 400, 'general_argument_invalid');
    const cleared = await users.updateEmail({ userId: 'mailer', email: '' });
    assert.equal(cleared.email, '');
    assert.equal((await dbUser('mailer'))?.email, null, 'a cleared email is stored as null so it can repeat');
    await users.updateEmail({ userId: 'owner', email: '' });
    await expectError(users.updateEmail({ userId: 'nobody', email: 'x@example.com' }), 404, 'user_not_found');
  });

  it('updatePhone sets and "" clears the number; a taken number is 409 user_target_already_exists', async () => {
    await users.create({ userId: 'caller1', phone: '+14155550110' });
    await users.create({ userId: 'caller2' });
    await users.updatePhoneVerification({ userId: 'caller1', phoneVerification: true });
    const moved = await users.updatePhone({ userId: 'caller1', number: '+14155550111' });
    assert.equal(moved.phone, '+14155550111');
    assert.equal(moved.phoneVerification, false);
    await expectError(users.updatePhone({ userId: 'caller2', number: '+14155550111' }), 409, 'user_target_already_exists');
    await expectError(users.updatePhone({ userId: 'caller2', number: '555' }), 400, 'general_argument_invalid');
    assert.equal((await users.updatePhone({ userId: 'caller1', number: '' })).phone, '');
    assert.equal((await dbUser('caller1'))?.phone, null);
    assert.equal((await users.updatePhone({ userId: 'caller2', number: '+14155550111' })).phone, '+14155550111');
  });

  it('updatePassword: the new password logs in, every session ends, and "" clears the password', async () => {
    await users.create({ userId: 'pw', email: 'pw@example.com', password: 'first-password' });
    const secret = await loginSecret('pw@example.com', 'first-password');
    await users.createSession({ userId: 'pw' });
    const updated = await users.updatePassword({ userId: 'pw', password: 'second-password' });
    assert.match(updated.password!, /^\$argon2id\$/);
    assert.equal(updated.hash, 'argon2');
    assert.equal(await count('sessions', 'pw'), 0, 'all sessions end on a Users API password change');
    await expectError(new Account(t.withSession(secret)).get(), 401, 'general_unauthorized_scope');
    await expectError(login('pw@example.com', 'first-password'), 401, 'user_invalid_credentials');
    assert.equal((await login('pw@example.com', 'second-password')).userId, 'pw');

    await expectError(users.updatePassword({ userId: 'pw', password: 'short' }), 400, 'general_argument_invalid');
    const live = await users.createSession({ userId: 'pw' });
    const cleared = await users.updatePassword({ userId: 'pw', password: '' });
    assert.equal(cleared.password, '');
    assert.match(cleared.passwordUpdate, DATE);
    await expectError(login('pw@example.com', 'second-password'), 401, 'user_invalid_credentials');
    await expectError(new Account(t.withSession(live.secret)).get(), 401, 'general_unauthorized_scope');
    assert.equal(await count('sessions', 'pw'), 0, 'clearing the password ends every session too');
    await expectError(users.updatePassword({ userId: 'nobody', password: 'whatever-pass' }), 404, 'user_not_found');
  });

  it('updateStatus false blocks password login (403 user_blocked) and the live session; true restores both', async () => {
    await users.create({ userId: 'blocky', email: 'blocky@example.com', password: 'blocky-password' });
    const secret = await loginSecret('blocky@example.com', 'blocky-password');
    const blocked = await users.updateStatus({ userId: 'blocky', status: false });
    assert.equal(blocked.status, false);
    assert.equal((await dbUser('blocky'))?.status, 0);
    await expectError(login('blocky@example.com', 'blocky-password'), 403, 'user_blocked');
    await expectError(login('blocky@example.com', 'wrong-password'), 401, 'user_invalid_credentials');
    await expectError(new Account(t.withSession(secret)).get(), 403, 'user_blocked');
    assert.equal((await users.updateStatus({ userId: 'blocky', status: true })).status, true);
    assert.equal((await new Account(t.withSession(secret)).get()).$id, 'blocky');
    assert.equal((await login('blocky@example.com', 'blocky-password')).userId, 'blocky');
  });

  it('updateLabels replaces and de-duplicates; a label with other characters or over 36 chars is 400', async () => {
    await users.create({ userId: 'labelled' });
    assert.deepEqual([...(await users.updateLabels({ userId: 'labelled', labels: ['vip', 'beta', 'vip'] })).labels], ['vip', 'beta']);
    assert.deepEqual([...(await users.updateLabels({ userId: 'labelled', labels: ['Gold1'] })).labels], ['Gold1']);
    for (const bad of [['has space'], ['dash-ed'], ['x'.repeat(37)], ['']]) {
      await expectError(users.updateLabels({ userId: 'labelled', labels: bad }), 400, 'general_argument_invalid');
    }
    assert.deepEqual([...(await users.get({ userId: 'labelled' })).labels], ['Gold1']);
    assert.deepEqual([...(await users.updateLabels({ userId: 'labelled', labels: [] })).labels], []);
  });

  it('updatePrefs replaces the object and returns Preferences, not the User; getPrefs reads it', async () => {
    await users.create({ userId: 'prefy' });
    assert.deepEqual({ ...(await users.getPrefs({ userId: 'prefy' })) }, {});
    const prefs = await users.updatePrefs({ userId: 'prefy', prefs: { theme: 'dark', n: 3, nested: { a: [1, 2] } } });
    assert.deepEqual(JSON.parse(JSON.stringify(prefs)), { theme: 'dark', n: 3, nested: { a: [1, 2] } });
    assert.equal((prefs as any).$id, undefined);
    const replaced = await users.updatePrefs({ userId: 'prefy', prefs: { lang: 'fr' } });
    assert.deepEqual({ ...replaced }, { lang: 'fr' }, 'no merge with the old object');
    assert.deepEqual({ ...(await users.getPrefs({ userId: 'prefy' })) }, { lang: 'fr' });
    assert.deepEqual({ ...(await users.get({ userId: 'prefy' })).prefs }, { lang: 'fr' });
    const raw = await t.fetch('/users/prefy/prefs', { method: 'PATCH', headers: { 'x-appwrite-key': t.apiKey }, json: { prefs: {} } });
    assert.equal(await raw.text(), '{}', 'empty prefs serialise as {}');
    await expectError(users.getPrefs({ userId: 'nobody' }), 404, 'user_not_found');
  });

  it('email/phone verification, MFA and impersonator flags are stored and returned', async () => {
    await users.create({ userId: 'flags', email: 'flags@example.com' });
    assert.equal((await users.updateEmailVerification({ userId: 'flags', emailVerification: true })).emailVerification, true);
    assert.equal((await users.updatePhoneVerification({ userId: 'flags', phoneVerification: true })).phoneVerification, true);
    assert.equal((await users.updateMfa({ userId: 'flags', mfa: true })).mfa, true);
    assert.equal((await users.updateImpersonator({ userId: 'flags', impersonator: true })).impersonator, true);
    const row = await dbUser('flags');
    assert.deepEqual([row?.email_verification, row?.phone_verification, row?.mfa, row?.impersonator], [1, 1, 1, 1]);
    assert.equal((await users.updateEmailVerification({ userId: 'flags', emailVerification: false })).emailVerification, false);
    const res = await t.fetch('/users/flags/mfa', { method: 'PATCH', headers: { 'x-appwrite-key': t.apiKey }, json: { mfa: 'maybe' } });
    assert.equal(res.status, 400);
    await expectError(users.updateMfa({ userId: 'nobody', mfa: false }), 404, 'user_not_found');
  });

  it('createSession makes a server session whose secret works; list, delete one and delete all', async () => {
    await users.create({ userId: 'sess', email: 'sess@example.com' });
    const s1 = await users.createSession({ userId: 'sess' });
    assert.equal(s1.provider, 'server');
    assert.deepEqual([...s1.factors], ['server']);
    assert.equal(s1.userId, 'sess');
    assert.equal(s1.current, false);
    assert.notEqual(s1.secret, '', 'key callers get the secret');
    assert.equal((await new Account(t.withSession(s1.secret)).get()).$id, 'sess');
    const s2 = await users.createSession({ userId: 'sess' });

    const list = await users.listSessions({ userId: 'sess' });
    assert.equal(list.total, 2);
    assert.deepEqual(list.sessions.map((s) => s.$id).sort(), [s1.$id, s2.$id].sort());
    assert.ok(list.sessions.every((s) => s.current === false && s.secret === ''));

    await users.deleteSession({ userId: 'sess', sessionId: s1.$id });
    await expectError(new Account(t.withSession(s1.secret)).get(), 401, 'general_unauthorized_scope');
    await expectError(users.deleteSession({ userId: 'sess', sessionId: s1.$id }), 404, 'user_session_not_found');
    await expectError(users.deleteSession({ userId: 'ada', sessionId: s2.$id }), 404, 'user_session_not_found');
    assert.equal((await users.listSessions({ userId: 'sess' })).total, 1);

    await users.createSession({ userId: 'sess' });
    await users.deleteSessions({ userId: 'sess' });
    assert.equal(await count('sessions', 'sess'), 0);
    await expectError(new Account(t.withSession(s2.secret)).get(), 401, 'general_unauthorized_scope');
    await expectError(users.createSession({ userId: 'nobody' }), 404, 'user_not_found');
    await expectError(users.listSessions({ userId: 'nobody' }), 404, 'user_not_found');
  });

  it('createToken mints a custom token that logs in (smoke)', async () => {
    await users.create({ userId: 'tok' });
    const token = await users.createToken({ userId: 'tok', length: 10 });
    assert.match(token.secret, /^[0-9a-f]{10}$/);
    const session = await new Account(t.guest()).createSession({ userId: 'tok', secret: token.secret });
    assert.equal(session.userId, 'tok');
  });

  it('createJWT acts as the user; bound to a session, it dies with the session; an unknown session gives an unbound JWT', async () => {
    await users.create({ userId: 'jwty' });
    const bare = await users.createJWT({ userId: 'jwty' });
    assert.equal((await new Account(t.withJwt(bare.jwt)).get()).$id, 'jwty', 'a user without sessions still gets a working JWT');
    const session = await users.createSession({ userId: 'jwty' });
    const bound = await users.createJWT({ userId: 'jwty', sessionId: session.$id, duration: 60 });
    const payload = JSON.parse(Buffer.from(bound.jwt.split('.')[1], 'base64url').toString());
    assert.equal(payload.userId, 'jwty');
    assert.equal(payload.sessionId, session.$id);
    const recent = JSON.parse(Buffer.from((await users.createJWT({ userId: 'jwty' })).jwt.split('.')[1], 'base64url').toString());
    assert.equal(recent.sessionId, session.$id, 'recent picks the newest session');
    assert.equal((await new Account(t.withJwt(bound.jwt)).get()).$id, 'jwty');
    await users.deleteSession({ userId: 'jwty', sessionId: session.$id });
    await expectError(new Account(t.withJwt(bound.jwt)).get(), 401, 'general_unauthorized_scope');
    // As Appwrite: a session id the user does not hold leaves the JWT bound to no session.
    const unbound = await users.createJWT({ userId: 'jwty', sessionId: 'missing' });
    assert.equal(JSON.parse(Buffer.from(unbound.jwt.split('.')[1], 'base64url').toString()).sessionId, '');
    await expectError(users.createJWT({ userId: 'nobody' }), 404, 'user_not_found');
    await expectError(users.createJWT({ userId: 'jwty', duration: 3601 }), 400, 'general_argument_invalid');
  });

  it('a key with only users.read can read users but not write them (401 general_unauthorized_scope)', async () => {
    const ro = await t.container.keys.create({ projectId: 'default', id: 'ro', name: 'ro', scopes: ['users.read'], expire: null });
    const roUsers = new Users(new Client().setEndpoint(t.endpoint).setProject('default').setKey(ro.secret!));
    assert.ok((await roUsers.list()).total > 0);
    assert.equal((await roUsers.get({ userId: 'ada' })).$id, 'ada');
    await expectError(roUsers.create({ userId: ID.unique(), email: 'ro@example.com' }), 401, 'general_unauthorized_scope');
    await expectError(roUsers.updateName({ userId: 'ada', name: 'x' }), 401, 'general_unauthorized_scope');
    await expectError(roUsers.delete({ userId: 'ada' }), 401, 'general_unauthorized_scope');
    assert.equal((await dbUser('ada'))?.name, 'Ada Lovelace');
    await expectError(new Users(t.guest()).list(), 401, 'general_unauthorized_scope');
  });
});
