import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Client, ID, MessagingProviderType, Query, Users, type Models } from 'node-appwrite';
import { backends, freshDatabaseUrl, expectError, rejection, startServer, type TestServer } from '../../harness.ts';
import { createDb } from '../../../src/db/database.ts';
import * as coreMigration from '../../../src/db/migrations/2026-11-23T00-00-core.ts';
import * as targetsMigration from '../../../src/db/migrations/2026-11-24T00-00-targets.ts';
import { hashSecret } from '../../../src/support/secrets.ts';

const TARGET_FIELDS = ['$id', '$createdAt', '$updatedAt', 'name', 'userId', 'providerId', 'providerType', 'identifier', 'expired'].sort();
const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;
const PASSWORD = 'targets-password-1';
// The cache is keyed by the SHA-256 of the whole session value.
const cacheKey = (secret: string) => hashSecret(secret);
const idents = (targets: Models.Target[]) => targets.map((x) => [x.providerType, x.identifier]);

for (const backend of backends()) {
  describe(`Users API: messaging targets [${backend}]`, () => {
    let t: TestServer;
    let users: Users;
    before(async () => {
      t = await startServer(backend);
      users = new Users(t.server());
    });
    after(async () => t?.close());

    const dbTargets = (userId: string) =>
      t.container.db.selectFrom('targets').selectAll().where('project_id', '=', 'default').where('user_id', '=', userId).orderBy('seq').execute();
    /** A user with a server session whose GET /account is answered from the session cache. */
    async function warmAccount(userId: string) {
      const { secret } = await users.createSession({ userId });
      const account = new Account(t.withSession(secret));
      await account.get();
      await account.get();
      assert.ok(t.container.sessions.cache.get(cacheKey(secret)), 'the session is cached');
      return { account, secret };
    }

    it('a user created with email and phone has exactly an email and an sms target; User.targets, listTargets and the table agree', async () => {
      const user = await users.create({ userId: 'ada', email: 'Ada@Example.com', phone: '+14155550101', password: PASSWORD });
      assert.deepEqual(idents(user.targets), [['email', 'ada@example.com'], ['sms', '+14155550101']]);
      for (const target of user.targets) {
        assert.deepEqual(Object.keys(target).sort(), TARGET_FIELDS);
        assert.match(target.$id, /^[0-9a-f]{20}$/, 'a server-generated id');
        assert.match(target.$createdAt, DATE);
        assert.match(target.$updatedAt, DATE);
        assert.deepEqual([target.userId, target.providerId, target.name, target.expired], ['ada', null, '', false]);
      }
      const listed = await users.listTargets({ userId: 'ada' });
      assert.equal(listed.total, 2);
      assert.deepEqual(listed.targets.map((x) => ({ ...x })), user.targets.map((x) => ({ ...x })));
      assert.deepEqual((await users.get({ userId: 'ada' })).targets.map((x) => x.$id), user.targets.map((x) => x.$id));
      const rows = await dbTargets('ada');
      assert.deepEqual(rows.map((r) => [r.id, r.provider_type, r.identifier, r.provider_id, r.expired]), user.targets.map((x) => [x.$id, x.providerType, x.identifier, null, 0]));

      const plain = await users.create({ userId: 'plain' });
      assert.deepEqual([...plain.targets], [], 'no email and no phone: no targets');
      assert.equal((await dbTargets('plain')).length, 0);
      const listedUsers = await users.list({ queries: [Query.equal('$id', ['ada', 'plain'])] });
      assert.deepEqual(listedUsers.users.map((u) => [u.$id, u.targets.length]), [['ada', 2], ['plain', 0]], 'the users list carries targets too');
    });

    it('updating the email renames the email target (same $id), and a warm session sees it at once', async () => {
      const user = await users.create({ userId: 'renamer', email: 'old@example.com', password: PASSWORD });
      const [emailTarget] = user.targets;
      const { account } = await warmAccount('renamer');
      assert.deepEqual(idents((await account.get()).targets), [['email', 'old@example.com']]);

      const changed = await users.updateEmail({ userId: 'renamer', email: 'New@Example.com' });
      assert.deepEqual(changed.targets.map((x) => [x.$id, x.identifier]), [[emailTarget.$id, 'new@example.com']]);
      const seen = (await account.get()).targets;
      assert.deepEqual(seen.map((x) => [x.$id, x.identifier]), [[emailTarget.$id, 'new@example.com']], 'no stale cached account');

      // Through the Account API as well: the owner changes its email with its password.
      const own = await account.updateEmail({ email: 'mine@example.com', password: PASSWORD });
      assert.deepEqual(own.targets.map((x) => [x.$id, x.identifier]), [[emailTarget.$id, 'mine@example.com']]);
      assert.deepEqual((await account.get()).targets.map((x) => x.identifier), ['mine@example.com']);
      assert.deepEqual((await dbTargets('renamer')).map((r) => [r.id, r.identifier]), [[emailTarget.$id, 'mine@example.com']]);
    });

    it('clearing the phone with "" removes the sms target; setting one again creates a new sms target', async () => {
      const user = await users.create({ userId: 'caller', email: 'caller@example.com', phone: '+14155550102' });
      const smsId = user.targets.find((x) => x.providerType === 'sms')!.$id;
      const { account } = await warmAccount('caller');
      const cleared = await users.updatePhone({ userId: 'caller', number: '' });
      assert.deepEqual(idents(cleared.targets), [['email', 'caller@example.com']]);
      assert.deepEqual(idents((await account.get()).targets), [['email', 'caller@example.com']]);
      assert.deepEqual((await dbTargets('caller')).map((r) => r.provider_type), ['email']);

      const again = await users.updatePhone({ userId: 'caller', number: '+14155550103' });
      const sms = again.targets.find((x) => x.providerType === 'sms')!;
      assert.equal(sms.identifier, '+14155550103');
      assert.notEqual(sms.$id, smsId);

      const noEmail = await users.updateEmail({ userId: 'caller', email: '' });
      assert.deepEqual(idents(noEmail.targets), [['sms', '+14155550103']]);
      const viaAccount = await account.updateEmail({ email: 'caller-again@example.com', password: PASSWORD });
      assert.deepEqual(idents(viaAccount.targets), [['sms', '+14155550103'], ['email', 'caller-again@example.com']]);
    });

    it("another user's identifier is refused: 409 user_target_already_exists on updates and createTarget, 409 user_already_exists on create", async () => {
      await users.create({ userId: 'holder', email: 'held@example.com', phone: '+14155550104' });
      await users.createTarget({ userId: 'holder', targetId: 'holder-work', providerType: MessagingProviderType.Email, identifier: 'work@example.com' });
      await users.create({ userId: 'taker', email: 'taker@example.com', password: PASSWORD });

      await expectError(users.updateEmail({ userId: 'taker', email: 'HELD@example.com' }), 409, 'user_target_already_exists');
      await expectError(users.updateEmail({ userId: 'taker', email: 'work@example.com' }), 409, 'user_target_already_exists');
      await expectError(users.updatePhone({ userId: 'taker', number: '+14155550104' }), 409, 'user_target_already_exists');
      const { account } = await warmAccount('taker');
      await expectError(account.updateEmail({ email: 'work@example.com', password: PASSWORD }), 409, 'user_target_already_exists');
      await expectError(account.updatePhone({ phone: '+14155550104', password: PASSWORD }), 409, 'user_target_already_exists');
      await expectError(
        users.createTarget({ userId: 'taker', targetId: ID.unique(), providerType: MessagingProviderType.Sms, identifier: '+14155550104' }),
        409,
        'user_target_already_exists',
      );
      // A new user cannot take another user's email or phone (409), but an identifier that is only
      // another user's extra target leaves the new user without that target, as Appwrite does.
      await expectError(users.create({ userId: ID.unique(), phone: '+14155550104' }), 409, 'user_already_exists');
      const newcomer = await users.create({ userId: 'newcomer', email: 'work@example.com' });
      assert.equal(newcomer.email, 'work@example.com');
      assert.deepEqual(await dbTargets('newcomer'), []);

      const taker = await users.get({ userId: 'taker' });
      assert.deepEqual([taker.email, taker.phone], ['taker@example.com', '']);
      assert.deepEqual((await dbTargets('taker')).map((r) => r.identifier), ['taker@example.com']);
      assert.deepEqual((await dbTargets('holder')).map((r) => r.identifier), ['held@example.com', '+14155550104', 'work@example.com']);
    });

    it('setting the email a user already has is 409 user_target_already_exists, as in Appwrite', async () => {
      await users.create({ userId: 'same', email: 'same@example.com' });
      await expectError(users.updateEmail({ userId: 'same', email: 'same@example.com' }), 409, 'user_target_already_exists');
      assert.deepEqual((await dbTargets('same')).map((r) => r.identifier), ['same@example.com']);
    });

    it('with the owner\'s target deleted, a taken email or phone clashes on the user itself (409 user_email/phone_already_exists)', async () => {
      const owner = await users.create({ userId: 'bare', email: 'bare@example.com', phone: '+14155550105' });
      for (const target of owner.targets) await users.deleteTarget({ userId: 'bare', targetId: target.$id });
      await users.create({ userId: 'wanter', email: 'wanter@example.com', password: PASSWORD });
      await expectError(users.updateEmail({ userId: 'wanter', email: 'bare@example.com' }), 409, 'user_email_already_exists');
      await expectError(users.updatePhone({ userId: 'wanter', number: '+14155550105' }), 409, 'user_phone_already_exists');
      const { account } = await warmAccount('wanter');
      await expectError(account.updateEmail({ email: 'bare@example.com', password: PASSWORD }), 400, 'general_bad_request');
      await expectError(account.updatePhone({ phone: '+14155550105', password: PASSWORD }), 409, 'user_phone_already_exists');
      assert.deepEqual((await dbTargets('wanter')).map((r) => r.identifier), ['wanter@example.com'], 'no target was written');
    });

    it('deleting the user removes its targets', async () => {
      const user = await users.create({ userId: 'leaver', email: 'leaver@example.com', phone: '+14155550106' });
      await users.createTarget({ userId: 'leaver', targetId: 'leaver-push', providerType: MessagingProviderType.Push, identifier: 'device-token' });
      assert.equal((await dbTargets('leaver')).length, 3);
      await users.delete({ userId: 'leaver' });
      assert.equal((await dbTargets('leaver')).length, 0);
      const byId = await t.container.db.selectFrom('targets').select('id').where('id', 'in', [...user.targets.map((x) => x.$id), 'leaver-push']).execute();
      assert.equal(byId.length, 0);
      // The identifiers are free again.
      const back = await users.create({ userId: 'returner', email: 'leaver@example.com', phone: '+14155550106' });
      assert.equal(back.targets.length, 2);
    });

    it('createTarget, getTarget, listTargets with queries, updateTarget and deleteTarget manage a user\'s targets', async () => {
      await users.create({ userId: 'owner', email: 'owner@example.com' });
      const push = await users.createTarget({
        userId: 'owner', targetId: 'phone-app', providerType: MessagingProviderType.Push, identifier: 'fcm-token-1', providerId: 'fcm', name: 'Pixel 9',
      });
      assert.deepEqual(Object.keys(push).sort(), TARGET_FIELDS);
      assert.deepEqual(
        [push.$id, push.userId, push.providerType, push.identifier, push.providerId, push.name, push.expired],
        ['phone-app', 'owner', 'push', 'fcm-token-1', 'fcm', 'Pixel 9', false],
      );
      const generated = await users.createTarget({ userId: 'owner', targetId: ID.unique(), providerType: MessagingProviderType.Sms, identifier: '+14155550107' });
      assert.match(generated.$id, /^[0-9a-f]{20}$/);
      assert.deepEqual([generated.name, generated.providerId], ['', null]);

      assert.deepEqual({ ...(await users.getTarget({ userId: 'owner', targetId: 'phone-app' })) }, { ...push });
      const all = await users.listTargets({ userId: 'owner' });
      assert.deepEqual(idents(all.targets), [['email', 'owner@example.com'], ['push', 'fcm-token-1'], ['sms', '+14155550107']]);
      const pushes = await users.listTargets({ userId: 'owner', queries: [Query.equal('providerType', ['push'])] });
      assert.deepEqual([pushes.total, pushes.targets.map((x) => x.$id)], [1, ['phone-app']]);
      const byIdentifier = await users.listTargets({ userId: 'owner', queries: [Query.equal('identifier', ['owner@example.com']), Query.equal('userId', ['owner'])] });
      assert.equal(byIdentifier.total, 1);
      assert.equal((await users.listTargets({ userId: 'owner', queries: [Query.isNull('providerId')] })).total, 2);
      const page = await users.listTargets({ userId: 'owner', queries: [Query.limit(1), Query.cursorAfter('phone-app')], total: false });
      assert.deepEqual([page.total, page.targets.map((x) => x.identifier)], [0, ['+14155550107']]);
      await expectError(users.listTargets({ userId: 'owner', queries: [Query.equal('name', ['x'])] }), 400, 'general_argument_invalid');
      await expectError(users.listTargets({ userId: 'owner', queries: [Query.cursorAfter('nothing-here')] }), 400, 'general_cursor_not_found');
      const { account } = await warmAccount('owner');
      assert.equal((await account.get()).targets.length, 3, 'the Account model lists every target');

      const renamed = await users.updateTarget({ userId: 'owner', targetId: 'phone-app', identifier: 'fcm-token-2', name: 'Pixel 10' });
      assert.deepEqual([renamed.identifier, renamed.name, renamed.providerId, renamed.expired], ['fcm-token-2', 'Pixel 10', 'fcm', false]);
      assert.ok(Date.parse(renamed.$updatedAt) >= Date.parse(push.$updatedAt));
      assert.deepEqual(
        (await account.get()).targets.find((x) => x.$id === 'phone-app')?.identifier,
        'fcm-token-2',
        'a target write drops the cached account',
      );
      const moved = await users.updateTarget({ userId: 'owner', targetId: 'phone-app', providerId: 'apns' });
      assert.deepEqual([moved.identifier, moved.name, moved.providerId], ['fcm-token-2', 'Pixel 10', 'apns'], 'omitted fields stay');
      await expectError(users.updateTarget({ userId: 'owner', targetId: generated.$id, identifier: 'not-a-phone' }), 400, 'general_invalid_phone');
      await expectError(users.updateTarget({ userId: 'owner', targetId: 'phone-app', identifier: 'owner@example.com' }), 409, 'user_target_already_exists');
      assert.equal((await users.getTarget({ userId: 'owner', targetId: 'phone-app' })).identifier, 'fcm-token-2');

      await users.deleteTarget({ userId: 'owner', targetId: 'phone-app' });
      await expectError(users.getTarget({ userId: 'owner', targetId: 'phone-app' }), 404, 'user_target_not_found');
      await expectError(users.deleteTarget({ userId: 'owner', targetId: 'phone-app' }), 404, 'user_target_not_found');
      assert.deepEqual((await account.get()).targets.map((x) => x.$id).includes('phone-app'), false);
      assert.deepEqual((await dbTargets('owner')).map((r) => r.identifier), ['owner@example.com', '+14155550107']);
    });

    it('createTarget validates its input: 400 general_invalid_email / general_invalid_phone, unknown type 400, taken id 409, unknown user 404', async () => {
      await users.create({ userId: 'checked' });
      await users.create({ userId: 'neighbour' });
      const create = (fields: { targetId?: string; providerType: string; identifier: string; userId?: string }) =>
        users.createTarget({ userId: fields.userId ?? 'checked', targetId: fields.targetId ?? ID.unique(), providerType: fields.providerType as MessagingProviderType, identifier: fields.identifier });
      await expectError(create({ providerType: 'email', identifier: 'not-an-email' }), 400, 'general_invalid_email');
      await expectError(create({ providerType: 'sms', identifier: '4155550108' }), 400, 'general_invalid_phone');
      await expectError(create({ providerType: 'fax', identifier: 'x' }), 400, 'general_argument_invalid');
      await expectError(create({ providerType: 'push', identifier: '' }), 400, 'general_argument_invalid');
      await expectError(create({ providerType: 'push', identifier: 'x'.repeat(256) }), 400, 'general_argument_invalid');
      await expectError(create({ providerType: 'push', identifier: 't', targetId: '_bad' }), 400, 'general_argument_invalid');
      await expectError(create({ providerType: 'push', identifier: 't', userId: 'nobody' }), 404, 'user_not_found');
      await create({ providerType: 'push', identifier: 'token-a', targetId: 'fixed' });
      await expectError(create({ providerType: 'push', identifier: 'token-b', targetId: 'fixed', userId: 'neighbour' }), 409, 'user_target_already_exists');
      assert.equal((await dbTargets('checked')).length, 1);
      assert.equal((await dbTargets('neighbour')).length, 0);

      // Another user's target is not found through this user.
      await expectError(users.getTarget({ userId: 'neighbour', targetId: 'fixed' }), 404, 'user_target_not_found');
      await expectError(users.updateTarget({ userId: 'neighbour', targetId: 'fixed', name: 'mine' }), 404, 'user_target_not_found');
      await expectError(users.deleteTarget({ userId: 'neighbour', targetId: 'fixed' }), 404, 'user_target_not_found');
      await expectError(users.listTargets({ userId: 'nobody' }), 404, 'user_not_found');
      assert.equal((await users.getTarget({ userId: 'checked', targetId: 'fixed' })).name, '');
    });

    it('target routes need users.read / users.write: a read-only key reads, a session cannot reach them', async () => {
      await users.create({ userId: 'scoped', email: 'scoped@example.com', password: PASSWORD });
      const ro = await t.container.keys.create({ projectId: 'default', id: 'targets-ro', name: 'ro', scopes: ['users.read'], expire: null });
      const roUsers = new Users(new Client().setEndpoint(t.endpoint).setProject('default').setKey(ro.secret!));
      assert.equal((await roUsers.listTargets({ userId: 'scoped' })).total, 1);
      await expectError(
        roUsers.createTarget({ userId: 'scoped', targetId: ID.unique(), providerType: MessagingProviderType.Push, identifier: 'tok' }),
        401,
        'general_unauthorized_scope',
      );
      const { secret } = await users.createSession({ userId: 'scoped' });
      await expectError(new Users(t.withSession(secret)).listTargets({ userId: 'scoped' }), 401, 'general_unauthorized_scope');
      assert.equal((await dbTargets('scoped')).length, 1);
    });

    it('a warm GET /account reads no targets from the database: rows deleted behind its back still show until a write invalidates', async () => {
      await users.create({ userId: 'cached', email: 'cached@example.com', phone: '+14155550109' });
      const { account, secret } = await warmAccount('cached');
      const size = t.container.sessions.cache.size;
      await t.container.db.deleteFrom('targets').where('project_id', '=', 'default').where('user_id', '=', 'cached').execute();
      const warm = await account.get();
      assert.deepEqual(idents(warm.targets), [['email', 'cached@example.com'], ['sms', '+14155550109']], 'answered from the cache');
      assert.equal(t.container.sessions.cache.size, size);
      assert.ok(t.container.sessions.cache.get(cacheKey(secret)));

      // Any write to the user drops the entry; the next read sees the table.
      await users.updateName({ userId: 'cached', name: 'Cached' });
      assert.deepEqual([...(await account.get()).targets], []);
    });
  });

  describe(`targets migration [${backend}]`, () => {
    it('gives users that existed before it their email and sms targets', async () => {
      const fresh = await freshDatabaseUrl(backend);
      const database = createDb(fresh.url);
      try {
        const db = database.db as any;
        await db.transaction().execute((trx: any) => coreMigration.up(trx, database.dialect));
        await db.insertInto('projects').values({ id: 'p', name: 'p', settings: '{}', created_at: 1, updated_at: 1 }).execute();
        const user = (id: string, email: string | null, phone: string | null) => ({
          project_id: 'p', id, email, phone, name: '', registration: 5, created_at: 5, updated_at: 6,
        });
        await db.insertInto('users').values([user('both', 'both@example.com', '+14155550110'), user('mail', 'mail@example.com', null), user('none', null, null)]).execute();
        await db.transaction().execute((trx: any) => targetsMigration.up(trx, database.dialect));
        const rows = await db.selectFrom('targets').selectAll().orderBy('user_id').orderBy('provider_type').execute();
        assert.deepEqual(
          rows.map((r: any) => [r.user_id, r.provider_type, r.identifier, r.provider_id, r.name, Number(r.expired), Number(r.created_at)]),
          [['both', 'email', 'both@example.com', null, '', 0, 5], ['both', 'sms', '+14155550110', null, '', 0, 5], ['mail', 'email', 'mail@example.com', null, '', 0, 5]],
        );
        for (const r of rows) assert.match(r.id, /^[0-9a-f]{20}$/);
        // The identifier is unique per project in the database itself.
        const dup = await rejection(
          db.insertInto('targets').values({ project_id: 'p', id: 'x', user_id: 'none', provider_type: 'email', identifier: 'mail@example.com', created_at: 1, updated_at: 1 }).execute(),
        );
        assert.match(String((dup as unknown as Error).message), /unique|UNIQUE/);
      } finally {
        await database.close();
        await fresh.drop();
      }
    });
  });
}
