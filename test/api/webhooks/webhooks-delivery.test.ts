import { it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Users, Webhooks } from 'node-appwrite';
import { describeEachBackend, FakeClock, startServer, type TestServer } from '../../harness.ts';
import { Receiver, seen } from './webhook-receiver.ts';

const HOUR = 3_600_000;
const USER_FIELDS = [
  '$createdAt', '$id', '$updatedAt', 'accessedAt', 'email', 'emailCanonical', 'emailIsCanonical', 'emailIsCorporate', 'emailIsDisposable',
  'emailIsFree', 'emailVerification', 'hash', 'hashOptions', 'impersonator', 'impersonatorUserId', 'labels', 'mfa', 'name', 'password',
  'passwordUpdate', 'phone', 'phoneVerification', 'prefs', 'registration', 'status', 'targets',
];

/**
 * Deliveries to a real HTTP receiver. The server runs on a fake clock and the test drains the outbox
 * itself (no worker), so retries come when the test moves the clock past their backoff.
 */
describeEachBackend('webhook deliveries', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let receiver: Receiver;
  let webhooks: Webhooks;
  let users: Users;
  before(async () => {
    clock = new FakeClock(Date.parse('2026-06-01T12:00:00.000Z'));
    t = await startServer(backend, { clock, env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    receiver = await new Receiver().up();
    webhooks = new Webhooks(t.server());
    users = new Users(t.server());
  });
  after(async () => {
    await receiver?.down();
    await t?.close();
  });
  beforeEach(async () => {
    receiver.mode = 'accept';
    await t.container.outbox.drain();
    for (const w of (await webhooks.list({})).webhooks) await webhooks.delete({ webhookId: w.$id });
  });

  const hook = (id: string, events: string[], extra: { authUsername?: string; authPassword?: string } = {}) =>
    webhooks.create({ webhookId: id, url: receiver.url, name: `hook ${id}`, events, ...extra });
  /** Delivers everything due, after moving the clock past any backoff. */
  const deliver = async (advance = 0) => {
    clock.advance(advance);
    await t.container.outbox.drain();
  };

  it('user, session and token events arrive signed, with Appwrite\'s headers and the resources\' models', async () => {
    const wh = await hook('all-users', ['users.*']);
    const narrow = await hook('sessions-only', ['users.*.sessions.*.create']);
    const user = await users.create({ userId: 'ann', email: 'ann@example.com', password: 'correct horse battery', name: 'Ann' });
    const session = await new Account(t.guest()).createEmailPasswordSession({ email: 'ann@example.com', password: 'correct horse battery' });
    const token = await users.createToken({ userId: 'ann', length: 12 });
    await deliver();

    const got = seen(receiver, wh.$id, wh.secret);
    assert.deepEqual(got.map((d) => d.event), ['users.ann.create', `users.ann.sessions.${session.$id}.create`, `users.ann.tokens.${token.$id}.create`]);
    assert.ok(got.every((d) => d.signed), 'base64 HMAC-SHA1 over URL + body with the webhook secret');
    const [created, login, minted] = got;
    assert.deepEqual(Object.keys(created.payload).sort(), USER_FIELDS);
    assert.deepEqual([created.payload.$id, created.payload.email, created.payload.name, created.payload.password], [user.$id, 'ann@example.com', 'Ann', '']);
    assert.equal(created.payload.targets.length, 1, 'the email target');
    assert.deepEqual(login.payload.$id, session.$id);
    assert.equal(login.payload.secret, '', 'a session secret never leaves in a webhook');
    assert.deepEqual(minted.payload, { $id: token.$id, $createdAt: token.$createdAt, userId: 'ann', secret: token.secret, expire: token.expire, phrase: '' }, 'the token with its plain secret');
    assert.ok(login.events.includes('users.*.sessions.*.create') && login.events.includes('users.*'));

    const h = created.headers;
    assert.equal(h['x-appwrite-webhook-id'], 'all-users');
    assert.equal(h['x-appwrite-webhook-name'], 'hook all-users');
    assert.equal(h['x-appwrite-webhook-project-id'], 'default');
    assert.equal(h['x-appwrite-webhook-user-id'], 'ann');
    assert.equal(h['content-type'], 'application/json');
    assert.equal(h.authorization, undefined, 'no basic auth unless both username and password are set');

    const narrowGot = seen(receiver, narrow.$id, narrow.secret);
    assert.deepEqual(narrowGot.map((d) => d.event), [`users.ann.sessions.${session.$id}.create`], 'only the subscribed events');
    assert.ok(narrowGot[0].signed, 'each webhook signs with its own secret');
  });

  it('a token in the outbox is sealed, and its row is gone once delivered', async () => {
    await hook('tokens', ['users.*.tokens.*.create']);
    await users.create({ userId: 'sealed-tok' });
    const token = await users.createToken({ userId: 'sealed-tok' });
    const rows = await t.container.db.selectFrom('outbox').selectAll().where('channel', '=', 'webhook').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].secret, 1);
    assert.ok(!rows[0].payload.includes(token.secret), 'no live secret in a database dump');
    await deliver();
    assert.equal((await t.container.db.selectFrom('outbox').selectAll().where('channel', '=', 'webhook').execute()).length, 0);
  });

  it('deletes carry the resource as it was; updates arrive in commit order', async () => {
    const wh = await hook('lifecycle', ['users.*']);
    await users.create({ userId: 'bob', email: 'bob@example.com', password: 'correct horse battery' });
    await users.updateName({ userId: 'bob', name: 'Bobby' });
    await users.updateEmail({ userId: 'bob', email: 'robert@example.com' });
    const session = await new Account(t.guest()).createEmailPasswordSession({ email: 'robert@example.com', password: 'correct horse battery' });
    await users.deleteSession({ userId: 'bob', sessionId: session.$id });
    await users.delete({ userId: 'bob' });
    await deliver();
    const got = seen(receiver, wh.$id, wh.secret);
    assert.deepEqual(got.map((d) => d.event), [
      'users.bob.create', 'users.bob.update', 'users.bob.update', `users.bob.sessions.${session.$id}.create`, `users.bob.sessions.${session.$id}.delete`, 'users.bob.delete',
    ]);
    assert.deepEqual(got.map((d) => d.events.includes('users.bob.update.email')), [false, false, true, false, false, false]);
    assert.equal(got[1].payload.name, 'Bobby');
    assert.equal(got[2].payload.email, 'robert@example.com');
    assert.equal(got[4].payload.$id, session.$id, 'the deleted session');
    assert.deepEqual([got[5].payload.$id, got[5].payload.name, got[5].payload.email], ['bob', 'Bobby', 'robert@example.com'], 'the deleted user');
  });

  it('basic auth goes with every delivery when username and password are set', async () => {
    const wh = await hook('authed', ['users.*.create'], { authUsername: 'hooks', authPassword: 's3cret pass' });
    await users.create({ userId: 'auth-user' });
    await deliver();
    const [d] = seen(receiver, wh.$id, wh.secret);
    assert.equal(d.headers.authorization, 'Basic ' + Buffer.from('hooks:s3cret pass').toString('base64'));
  });

  it('a receiver that is down and then back gets every event exactly once, in order; the failures show on the webhook and then reset', async () => {
    const wh = await hook('outage', ['users.*']);
    await receiver.down();
    await users.create({ userId: 'carl' });
    await users.updateName({ userId: 'carl', name: 'Carl' });
    await users.create({ userId: 'dora' });
    await deliver();
    const during = await webhooks.get({ webhookId: 'outage' });
    assert.equal(during.attempts, 2, 'one failed attempt for the head of each user\'s sequence');
    assert.match(during.logs, /^URL: http:\/\/127\.0\.0\.1:\d+\/hook\nMethod: POST\nClient Error: ECONNREFUSED\nEvents: users\.(carl|dora)\.create,/);
    assert.equal(during.enabled, true);

    await receiver.up();
    await deliver(HOUR);
    const got = seen(receiver, wh.$id, wh.secret, { accepted: true });
    assert.deepEqual(got.map((d) => d.event).filter((e) => e.startsWith('users.carl')), ['users.carl.create', 'users.carl.update']);
    assert.deepEqual(got.map((d) => d.event).sort(), ['users.carl.create', 'users.carl.update', 'users.dora.create']);
    for (const d of got) assert.equal(receiver.accepted.get(d.messageId), 1, 'accepted exactly once');
    assert.equal((await webhooks.get({ webhookId: 'outage' })).attempts, 0, 'a success resets the count');
  });

  it('a later event of the same user waits while an earlier one is retried; other users\' events do not', async () => {
    const wh = await hook('ordered', ['users.*']);
    receiver.mode = 'fail';
    await users.create({ userId: 'eve' });
    await users.updateName({ userId: 'eve', name: 'Eve' });
    await users.updateName({ userId: 'eve', name: 'Evelyn' });
    await users.create({ userId: 'fay' });
    await deliver();
    await deliver(HOUR);
    const attempted = seen(receiver, wh.$id, wh.secret).map((d) => d.event);
    assert.deepEqual(attempted.filter((e) => e.startsWith('users.eve')), ['users.eve.create', 'users.eve.create'], 'only the head of eve\'s sequence, twice');
    assert.ok(attempted.includes('users.fay.create'), 'fay is not held up by eve');

    receiver.mode = 'accept';
    await deliver(HOUR);
    const names = seen(receiver, wh.$id, wh.secret, { accepted: true }).filter((d) => d.event.startsWith('users.eve')).map((d) => d.payload.name);
    assert.deepEqual(names, ['', 'Eve', 'Evelyn']);
  });

  it('10 failed attempts in a row disable the webhook (logs show the answer); its pending deliveries and new events are dropped until it is enabled again', async () => {
    const wh = await hook('failing', ['users.*.create']);
    receiver.mode = 'reject';
    for (let i = 0; i < 11; i++) await users.create({ userId: `gone-${i}` });
    await deliver();
    const disabled = await webhooks.get({ webhookId: 'failing' });
    assert.deepEqual([disabled.enabled, disabled.attempts], [false, 10]);
    assert.match(disabled.logs, /^URL: http:\/\/127\.0\.0\.1:\d+\/hook\nMethod: POST\nStatus code: 400\nBody: \nno\n$/);

    receiver.mode = 'accept';
    await users.create({ userId: 'after-disable' });
    await deliver(HOUR);
    assert.equal(seen(receiver, wh.$id, wh.secret, { accepted: true }).length, 0, 'nothing delivered while disabled');
    assert.equal((await t.container.db.selectFrom('outbox').selectAll().where('channel', '=', 'webhook').where('status', '=', 'pending').execute()).length, 0);

    const enabled = await webhooks.update({ webhookId: 'failing', name: 'hook failing', url: receiver.url, events: ['users.*.create'] });
    assert.deepEqual([enabled.enabled, enabled.attempts], [true, 0]);
    await users.create({ userId: 'after-enable' });
    await deliver();
    assert.deepEqual(seen(receiver, wh.$id, wh.secret, { accepted: true }).map((d) => d.event), ['users.after-enable.create']);
  });

  it('a rotated secret signs the deliveries after it', async () => {
    await hook('rotating', ['users.*.create']);
    const rotated = await webhooks.updateSecret({ webhookId: 'rotating', secret: 'the-new-signing-secret' });
    await users.create({ userId: 'rot' });
    await deliver();
    const [d] = seen(receiver, 'rotating', rotated.secret);
    assert.ok(d.signed);
  });

  it('a project without webhooks needs no transaction for its logins once its (empty) list is known', async () => {
    await users.create({ userId: 'warm' });
    const name = 'users.[userId].sessions.[sessionId].create';
    assert.equal(t.container.events.needsTransaction(name, 'default'), false);
    await hook('now-one', ['users.*.sessions.*.create']);
    assert.equal(t.container.events.needsTransaction(name, 'default'), true);
  });
});

describeEachBackend('webhook deliveries without TESSERA_WEBHOOK_ALLOW_PRIVATE', (backend) => {
  let t: TestServer;
  let receiver: Receiver;
  before(async () => {
    t = await startServer(backend);
    receiver = await new Receiver().up();
  });
  after(async () => {
    await receiver?.down();
    await t?.close();
  });

  it('a webhook whose host now resolves to a private address is refused at delivery, and nothing reaches it', async () => {
    // Saved while its name was public; DNS now points it at the loopback (rebinding), or its row was imported.
    for (const [id, host] of [['by-name', 'localhost'], ['by-ip', '127.0.0.1']]) {
      await t.container.db
        .insertInto('webhooks')
        .values({ project_id: 'default', id, name: id, url: receiver.url.replace('127.0.0.1', host), events: '["users.*"]', tls: 1, auth_username: '', auth_password: '', signing_key: t.container.sealer.seal('k', `webhook-key:default:${id}`), enabled: 1, logs: '', attempts: 0, created_at: 0, updated_at: 0 })
        .execute();
    }
    await t.container.events.committed([]);
    await new Users(t.server()).create({ userId: 'probe' });
    await t.container.outbox.drain();
    assert.equal(receiver.requests.length, 0);
    const rows = await t.container.db.selectFrom('webhooks').select(['id', 'attempts', 'logs']).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => [r.id, Number(r.attempts)]), [['by-ip', 1], ['by-name', 1]]);
    for (const r of rows) assert.match(r.logs, /Client Error: .*not (a )?public/);
  });
});
