import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Users, Webhooks } from 'node-appwrite';
import { describeEachBackend, eventually, freshDatabaseUrl, startPeer, startServer } from '../../harness.ts';
import { bundleServer, readKeySecret, spawnServer, type ServerProcess } from '../../multiprocess-helpers.ts';
import { Receiver, seen } from './webhook-receiver.ts';

/** Short lease and poll so a killed worker's deliveries come back within seconds. */
const FAST = { TESSERA_OUTBOX_POLL_MS: '50', TESSERA_OUTBOX_TIMEOUT_MS: '2000', TESSERA_OUTBOX_LEASE_MS: '2500', TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' };

const sdk = (p: ServerProcess, key: string) => new Client().setEndpoint(p.endpoint).setProject('default').setKey(key);

/** Webhooks across real server processes (the bundle `npm start` runs): SIGKILL mid-delivery, and two processes on one PostgreSQL. */
describeEachBackend('webhooks across server processes', (backend) => {
  let bundle: Awaited<ReturnType<typeof bundleServer>> | undefined;
  let receiver: Receiver;
  before(async () => {
    bundle = await bundleServer();
    receiver = await new Receiver().up();
  });
  after(async () => {
    await receiver?.down();
    bundle?.remove();
  });

  it('kill -9 with deliveries in flight and waiting: the next process delivers every event, each accepted once, in order', async () => {
    const db = await freshDatabaseUrl(backend);
    const procs: ServerProcess[] = [];
    const start = async (name: string) => {
      const p = await spawnServer(name, bundle!.mainJs, { TESSERA_DATABASE_URL: db.url, ...FAST });
      procs.push(p);
      return p;
    };
    try {
      const first = await start('first');
      const key = readKeySecret(first.keyFile!);
      const hook = await new Webhooks(sdk(first, key)).create({ webhookId: 'durable', url: receiver.url, name: 'durable', events: ['users.*'] });
      receiver.mode = 'hold';
      const users = new Users(sdk(first, key));
      for (const id of ['k1', 'k2', 'k3']) await users.create({ userId: id });
      await users.updateName({ userId: 'k1', name: 'after create' });
      assert.equal(await eventually(async () => receiver.held.length, 3, 10_000), 3, first.logTail());
      await first.kill();
      assert.equal(receiver.totalAccepted(), 0);

      receiver.mode = 'accept';
      const second = await start('second');
      assert.equal(await eventually(async () => receiver.totalAccepted(), 4, 15_000), 4, second.logTail());
      const got = seen(receiver, hook.$id, hook.secret, { accepted: true });
      assert.deepEqual(got.map((d) => d.event).sort(), ['users.k1.create', 'users.k1.update', 'users.k2.create', 'users.k3.create']);
      assert.deepEqual(got.filter((d) => d.event.startsWith('users.k1')).map((d) => d.event), ['users.k1.create', 'users.k1.update'], 'k1 in commit order');
      for (const d of got) assert.equal(receiver.accepted.get(d.messageId), 1);
      assert.ok(got.every((d) => d.signed));
    } finally {
      receiver.mode = 'accept';
      for (const p of procs) await p.stop();
      await db.drop();
    }
  });

  it('two processes on one PostgreSQL database deliver each event exactly once', { skip: backend !== 'postgres' && 'PostgreSQL only: a SQLite deployment is one process' }, async () => {
    const db = await freshDatabaseUrl(backend);
    const a = await spawnServer('a', bundle!.mainJs, { TESSERA_DATABASE_URL: db.url, ...FAST });
    const b = await spawnServer('b', bundle!.mainJs, { TESSERA_DATABASE_URL: db.url, ...FAST });
    try {
      const key = readKeySecret(a.keyFile!);
      const hook = await new Webhooks(sdk(a, key)).create({ webhookId: 'shared', url: receiver.url, name: 'shared', events: ['users.*.create'] });
      const before = receiver.totalAccepted();
      const ids = Array.from({ length: 30 }, (_, i) => `p${i}`);
      await Promise.all(ids.map((id, i) => new Users(sdk(i % 2 ? a : b, key)).create({ userId: id })));
      assert.equal(await eventually(async () => receiver.totalAccepted(), before + 30, 15_000), before + 30, a.logTail() + b.logTail());
      const got = seen(receiver, hook.$id, hook.secret, { accepted: true });
      assert.deepEqual(got.map((d) => d.event).sort(), ids.map((id) => `users.${id}.create`).sort());
      for (const d of got) assert.equal(receiver.accepted.get(d.messageId), 1);
    } finally {
      await a.stop();
      await b.stop();
      await db.drop();
    }
  });

  it('two processes draining one PostgreSQL outbox at once keep each user\'s events in commit order', { skip: backend !== 'postgres' && 'PostgreSQL only' }, async () => {
    const t = await startServer(backend, { env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const peer = await startPeer(t);
    try {
      const hook = await new Webhooks(t.server()).create({ webhookId: 'ordered', url: receiver.url, name: 'ordered', events: ['users.*'] });
      const users = new Users(t.server());
      for (const id of ['o1', 'o2', 'o3']) await users.create({ userId: id });
      for (let i = 1; i <= 5; i++) for (const id of ['o1', 'o2', 'o3']) await users.updateName({ userId: id, name: `${id}-${i}` });
      receiver.answerDelayMs = 10;
      await Promise.all([t.container.outbox.drain(), peer.container.outbox.drain(), t.container.outbox.drain(), peer.container.outbox.drain()]);
      const got = seen(receiver, hook.$id, hook.secret, { accepted: true });
      assert.equal(got.length, 18);
      for (const id of ['o1', 'o2', 'o3']) {
        const names = got.filter((d) => d.payload.$id === id).map((d) => d.payload.name);
        assert.deepEqual(names, ['', `${id}-1`, `${id}-2`, `${id}-3`, `${id}-4`, `${id}-5`], `${id} in commit order`);
      }
      for (const d of got) assert.equal(receiver.accepted.get(d.messageId), 1);
    } finally {
      receiver.answerDelayMs = 0;
      await peer.close();
      await t.close();
    }
  });

  it('another process drops its cached webhook list when one is created, so its next event goes out', { skip: backend !== 'postgres' && 'PostgreSQL only' }, async () => {
    const t = await startServer(backend, { env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const peer = await startPeer(t);
    try {
      const name = 'users.[userId].create';
      await new Users(new Client().setEndpoint(peer.endpoint).setProject('default').setKey(t.apiKey)).create({ userId: 'warm-peer' });
      assert.equal(peer.container.events.needsTransaction(name, 'default'), false, 'the peer knows the project has no webhooks');
      await new Webhooks(t.server()).create({ webhookId: 'late', url: receiver.url, name: 'late', events: ['users.*'] });
      assert.equal(await eventually(async () => peer.container.events.needsTransaction(name, 'default'), true), true);
      await new Users(new Client().setEndpoint(peer.endpoint).setProject('default').setKey(t.apiKey)).create({ userId: 'after-hook' });
      const rows = await t.container.db.selectFrom('outbox').select('channel').where('channel', '=', 'webhook').execute();
      assert.equal(rows.length, 1, 'the peer enqueued the delivery');
    } finally {
      await peer.close();
      await t.close();
    }
  });
});

