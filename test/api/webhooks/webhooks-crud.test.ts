import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ID, Query, Webhooks } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';

const WEBHOOK_FIELDS = ['$createdAt', '$id', '$updatedAt', 'attempts', 'authPassword', 'authUsername', 'enabled', 'events', 'logs', 'name', 'secret', 'tls', 'url'];
const HOOK_URL = 'http://127.0.0.1:9/hook';
type HookParams = { url?: string; name?: string; events?: string[]; enabled?: boolean; tls?: boolean; authUsername?: string; authPassword?: string; secret?: string };
/** The SDK's objects have no prototype; compared as plain JSON. */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** node-appwrite's Webhooks service against /v1/webhooks: Appwrite's params, model, errors and scopes. */
describeEachBackend('webhooks API', (backend) => {
  let t: TestServer;
  let webhooks: Webhooks;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    webhooks = new Webhooks(t.server());
  });
  after(async () => t?.close());

  const create = (id: string, extra: HookParams = {}) =>
    webhooks.create({ webhookId: id, url: HOOK_URL, name: `hook ${id}`, events: ['users.*'], ...extra });

  it('creates a webhook with the Webhook model; the signing secret is shown on create and never on reads', async () => {
    const made = await create('crud-1', { events: ['users.*.create', 'users.*.sessions.*.create'], authUsername: 'ann', authPassword: 'pw' });
    assert.deepEqual(Object.keys(made).sort(), WEBHOOK_FIELDS);
    assert.equal(made.$id, 'crud-1');
    assert.match(made.secret, /^[0-9a-f]{128}$/, '64 random bytes as hex');
    assert.deepEqual(
      { url: made.url, events: made.events, enabled: made.enabled, tls: made.tls, authUsername: made.authUsername, authPassword: made.authPassword, logs: made.logs, attempts: made.attempts },
      { url: HOOK_URL, events: ['users.*.create', 'users.*.sessions.*.create'], enabled: true, tls: true, authUsername: 'ann', authPassword: 'pw', logs: '', attempts: 0 },
    );
    const read = await webhooks.get({ webhookId: 'crud-1' });
    assert.deepEqual(plain(read), plain({ ...made, secret: '' }));
    const listed = await webhooks.list({ queries: [Query.equal('name', 'hook crud-1')] });
    assert.equal(listed.total, 1);
    assert.deepEqual(plain(listed.webhooks[0]), plain({ ...made, secret: '' }));
  });

  it('seals the signing key and basic-auth password at rest', async () => {
    const made = await create('sealed', { secret: 'my-own-signing-secret', authUsername: 'u', authPassword: 'hunter2-password' });
    assert.equal(made.secret, 'my-own-signing-secret');
    const row = await t.container.db.selectFrom('webhooks').selectAll().where('id', '=', 'sealed').executeTakeFirstOrThrow();
    assert.ok(!row.signing_key.includes('my-own-signing-secret'));
    assert.ok(!row.auth_password.includes('hunter2'));
  });

  it('unique() generates an id; a taken id is 409 webhook_already_exists', async () => {
    const made = await create(ID.unique());
    assert.match(made.$id, /^[0-9a-f]{20}$/);
    await expectError(create(made.$id), 409, 'webhook_already_exists');
  });

  it('update rewrites every field, omitted ones back to their defaults, and keeps the secret hidden', async () => {
    const made = await create('upd', { enabled: false, tls: false, authUsername: 'a', authPassword: 'b' });
    assert.equal(made.enabled, false);
    await t.container.db.updateTable('webhooks').set({ attempts: 7, logs: 'URL: x' }).where('id', '=', 'upd').execute();
    const updated = await webhooks.update({ webhookId: 'upd', name: 'renamed', url: 'http://127.0.0.1:10/other', events: ['teams.*'] });
    assert.deepEqual(
      { name: updated.name, url: updated.url, events: updated.events, enabled: updated.enabled, tls: updated.tls, authUsername: updated.authUsername, authPassword: updated.authPassword, secret: updated.secret, attempts: updated.attempts, logs: updated.logs },
      { name: 'renamed', url: 'http://127.0.0.1:10/other', events: ['teams.*'], enabled: true, tls: true, authUsername: '', authPassword: '', secret: '', attempts: 0, logs: 'URL: x' },
      'enabling resets the failure count; the last log stays',
    );
    await expectError(webhooks.update({ webhookId: 'nope', name: 'x', url: HOOK_URL, events: ['users.*'] }), 404, 'webhook_not_found');
  });

  it('updateSecret rotates the signing key and shows the new one once', async () => {
    const made = await create('rotate');
    const given = await webhooks.updateSecret({ webhookId: 'rotate', secret: 'rotated-secret-1' });
    assert.equal(given.secret, 'rotated-secret-1');
    const generated = await webhooks.updateSecret({ webhookId: 'rotate' });
    assert.match(generated.secret, /^[0-9a-f]{128}$/);
    assert.notEqual(generated.secret, made.secret);
    assert.equal((await webhooks.get({ webhookId: 'rotate' })).secret, '');
    await expectError(webhooks.updateSecret({ webhookId: 'rotate', secret: 'short' }), 400, 'general_argument_invalid');
    await expectError(webhooks.updateSecret({ webhookId: 'missing' }), 404, 'webhook_not_found');
  });

  it('delete removes it (404 afterwards); another project\'s webhook is not found', async () => {
    await create('gone');
    await webhooks.delete({ webhookId: 'gone' });
    await expectError(webhooks.get({ webhookId: 'gone' }), 404, 'webhook_not_found');
    await expectError(webhooks.delete({ webhookId: 'gone' }), 404, 'webhook_not_found');
    await t.container.projects.create('other', 'Other');
    await t.container.webhooks.create('other', 'theirs', { name: 'x', url: HOOK_URL, events: ['users.*'], enabled: true, tls: true, authUsername: '', authPassword: '' }, undefined);
    await expectError(webhooks.get({ webhookId: 'theirs' }), 404, 'webhook_not_found');
  });

  it('refuses events that are not Appwrite event patterns, bad URLs and over-long names with general_argument_invalid', async () => {
    await expectError(create('bad-1', { events: ['users.*.explode'] }), 400, 'general_argument_invalid', /events/);
    await expectError(create('bad-2', { events: ['webhooks.*'] }), 400, 'general_argument_invalid', /events/);
    await expectError(create('bad-3', { url: 'ftp://example.com/x' }), 400, 'general_argument_invalid', /url/);
    await expectError(create('bad-4', { url: 'not a url' }), 400, 'general_argument_invalid', /url/);
    await expectError(create('bad-5', { name: 'n'.repeat(129) }), 400, 'general_argument_invalid', /name/);
    await expectError(create('bad-6', { events: Array.from({ length: 101 }, () => 'users.*') }), 400, 'general_argument_invalid', /events/);
    await expectError(create('bad-7', { secret: 'seven77' }), 400, 'general_argument_invalid', /secret/);
    await expectError(webhooks.get({ webhookId: 'bad-1' }), 404, 'webhook_not_found');
  });

  it('needs webhooks.read / webhooks.write: guests and keys without them get 401 general_unauthorized_scope', async () => {
    const guest = new Webhooks(t.guest());
    await expectError(guest.list({}), 401, 'general_unauthorized_scope');
    const narrow = await t.container.keys.create({ projectId: 'default', id: 'reader-only', name: 'r', scopes: ['webhooks.read'], expire: null });
    const reader = new Webhooks(new Client().setEndpoint(t.endpoint).setProject('default').setKey(narrow.secret!));
    assert.ok((await reader.list({})).total >= 0);
    await expectError(reader.create({ webhookId: 'no', url: HOOK_URL, name: 'x', events: ['users.*'] }), 401, 'general_unauthorized_scope');
  });
});

describeEachBackend('webhooks API without TESSERA_WEBHOOK_ALLOW_PRIVATE', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend);
  });
  after(async () => t?.close());

  it('refuses a URL to a loopback, private, link-local or metadata address, on create and on update', async () => {
    const webhooks = new Webhooks(t.server());
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.0.0.5/hook', 'http://192.168.1.20/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/hook', 'http://localhost:3000/hook']) {
      await expectError(webhooks.create({ webhookId: ID.unique(), url, name: 'internal', events: ['users.*'] }), 400, 'general_argument_invalid', /url/);
    }
    assert.equal((await webhooks.list({})).total, 0);
    await t.container.db
      .insertInto('webhooks')
      .values({ project_id: 'default', id: 'legacy', name: 'l', url: 'https://93.184.215.14/x', events: '["users.*"]', tls: 1, auth_username: '', auth_password: '', signing_key: t.container.sealer.seal('k', 'webhook-key:default:legacy'), enabled: 1, logs: '', attempts: 0, created_at: 0, updated_at: 0 })
      .execute();
    await expectError(webhooks.update({ webhookId: 'legacy', name: 'l', url: 'http://127.0.0.1/x', events: ['users.*'] }), 400, 'general_argument_invalid', /url/);
  });
});
