import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { backends, eventually, FakeClock, startServer, type TestServer } from '../../test/harness.ts';
import { Receiver } from '../../test/outbox/receiver.ts';
import { loadConfig } from '../config.ts';
import { systemRandom } from '../support/clock.ts';
import { HTTP_CHANNEL, httpChannel } from './channels/http.ts';
import { backoffDelay, PermanentDeliveryError, sealContext, type OutboxOptions } from './outbox.ts';
import { claimDue, reschedule } from './outbox.repository.ts';
import { OutboxService } from './outbox.service.ts';

const silent = pino({ level: 'silent' });

describe('outbox backoff', () => {
  it('doubles from the base, stays between half and all of the step, and is capped', () => {
    const random = systemRandom();
    for (let failed = 1; failed <= 20; failed++) {
      const full = Math.min(3_600_000, 1000 * 2 ** (failed - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(failed, random, 1000, 3_600_000);
        assert.ok(d >= full / 2 && d <= full, `attempt ${failed}: ${d} outside [${full / 2}, ${full}]`);
      }
    }
  });
});

describe('outbox configuration (TESSERA_OUTBOX_*)', () => {
  it('defaults suit production; a lease not longer than the timeout, or a non-integer, stops the start', () => {
    assert.deepEqual(loadConfig({}).outbox, { pollMs: 1000, leaseMs: 60_000, timeoutMs: 15_000, concurrency: 4 });
    assert.deepEqual(
      loadConfig({ TESSERA_OUTBOX_POLL_MS: '50', TESSERA_OUTBOX_LEASE_MS: '2500', TESSERA_OUTBOX_TIMEOUT_MS: '2000', TESSERA_OUTBOX_CONCURRENCY: '8' }).outbox,
      { pollMs: 50, leaseMs: 2500, timeoutMs: 2000, concurrency: 8 },
    );
    assert.throws(() => loadConfig({ TESSERA_OUTBOX_LEASE_MS: '15000' }), /TESSERA_OUTBOX_LEASE_MS must be longer than TESSERA_OUTBOX_TIMEOUT_MS/);
    assert.throws(() => loadConfig({ TESSERA_OUTBOX_CONCURRENCY: '0' }), /TESSERA_OUTBOX_CONCURRENCY must be an integer of at least 1/);
    assert.throws(() => loadConfig({ TESSERA_OUTBOX_POLL_MS: '1s' }), /TESSERA_OUTBOX_POLL_MS must be an integer/);
  });
});

for (const backend of backends()) {
  describe(`outbox delivery over HTTP [${backend}]`, () => {
    let t: TestServer;
    let outbox: OutboxService;
    let receiver: Receiver;
    const clock = new FakeClock();
    before(async () => {
      t = await startServer(backend, { clock, env: { TESSERA_OUTBOX_TIMEOUT_MS: '300', TESSERA_OUTBOX_LEASE_MS: '5000' } });
      outbox = t.container.outbox;
      receiver = await new Receiver().up();
    });
    after(async () => {
      await receiver?.down();
      await t?.close();
    });
    beforeEach(async () => {
      await receiver.up();
      receiver.mode = 'accept';
      receiver.requests.length = 0;
      receiver.held.length = 0;
      receiver.accepted.clear();
      await t.container.db.deleteFrom('outbox').execute();
    });

    const rows = () => t.container.db.selectFrom('outbox').selectAll().orderBy('seq').execute();
    const row = async (id: string) => (await rows()).find((r) => r.id === id);
    const enqueueHttp = (body: unknown, extra: { secret?: boolean; dedupeKey?: string } = {}) =>
      t.container.db.transaction().execute((trx) => outbox.enqueue(trx, t.projectId, { channel: HTTP_CHANNEL, payload: { url: receiver.url, body }, ...extra }));

    it('a message enqueued in a transaction that rolls back leaves no row and is never sent', async () => {
      const rolledBack = t.container.db.transaction().execute(async (trx) => {
        await outbox.enqueue(trx, t.projectId, { channel: HTTP_CHANNEL, payload: { url: receiver.url, body: { n: 1 } } });
        throw new Error('the cause failed');
      });
      await assert.rejects(rolledBack, /the cause failed/);
      await outbox.drain();
      assert.deepEqual(await rows(), []);
      assert.equal(receiver.requests.length, 0);
    });

    it('a committed message is delivered once, with its id as X-Tessera-Message-Id and Idempotency-Key, and its row is gone', async () => {
      const id = await enqueueHttp({ hello: 'world' });
      assert.equal((await row(id))?.status, 'pending');
      await outbox.drain();
      await outbox.drain();
      assert.equal(receiver.requests.length, 1);
      const [req] = receiver.requests;
      assert.deepEqual([req.id, req.idempotencyKey, JSON.parse(req.body)], [id, id, { hello: 'world' }]);
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual([...receiver.accepted], [[id, 1]]);
      assert.deepEqual(await rows(), []);
    });

    it('a receiver refusing connections, then answering 503, then back: retried with backoff and accepted exactly once', async () => {
      await receiver.down();
      const id = await enqueueHttp({ n: 2 });
      await outbox.drain();
      let r = await row(id);
      assert.deepEqual([r?.status, r?.attempts, r?.last_error], ['pending', 1, 'request failed: ECONNREFUSED']);
      assert.ok(r!.due_at >= clock.now() + 500 && r!.due_at <= clock.now() + 1000, 'first retry 0.5-1 s later');

      await outbox.drain();
      assert.equal((await row(id))?.attempts, 1, 'not attempted again before it is due');
      clock.advance(1000);
      await outbox.drain();
      r = await row(id);
      assert.equal(r?.attempts, 2);
      assert.ok(r!.due_at >= clock.now() + 1000 && r!.due_at <= clock.now() + 2000, 'second retry 1-2 s later');

      await receiver.up();
      receiver.mode = 'fail';
      clock.advance(2000);
      await outbox.drain();
      r = await row(id);
      assert.deepEqual([r?.attempts, r?.last_error], [3, 'receiver answered 503']);
      assert.ok(r!.due_at >= clock.now() + 2000 && r!.due_at <= clock.now() + 4000, 'third retry 2-4 s later');

      receiver.mode = 'accept';
      clock.advance(4000);
      await outbox.drain();
      clock.advance(3_600_000);
      await outbox.drain();
      assert.deepEqual(receiver.requests.map((q) => q.id), [id, id], 'the 503 attempt and the accepted one, same id');
      assert.deepEqual([...receiver.accepted], [[id, 1]]);
      assert.equal(await row(id), undefined);
    });

    it('429 and 408 are retried; another 4xx is permanent: a dead letter, never sent again', async () => {
      receiver.mode = 'throttle';
      const throttled = await enqueueHttp({ n: 3 });
      await outbox.drain();
      assert.deepEqual([(await row(throttled))?.status, (await row(throttled))?.last_error], ['pending', 'receiver answered 429']);
      await t.container.db.deleteFrom('outbox').execute();

      receiver.mode = 'reject';
      const rejected = await enqueueHttp({ n: 4 });
      await outbox.drain();
      clock.advance(3_600_000);
      await outbox.drain();
      const r = await row(rejected);
      assert.deepEqual([r?.status, r?.attempts, r?.last_error, JSON.parse(r!.payload).body], ['dead', 1, 'receiver answered 400', { n: 4 }]);
      assert.equal(receiver.requests.filter((q) => q.id === rejected).length, 1);
    });

    it('a redirect is not followed and a message without an http(s) url is never sent: both dead letters at once', async () => {
      receiver.mode = 'redirect';
      const redirected = await enqueueHttp({ n: 12 });
      const noUrl = await t.container.db.transaction().execute((trx) =>
        outbox.enqueue(trx, t.projectId, { channel: HTTP_CHANNEL, payload: { url: 'file:///etc/passwd', body: {} } }),
      );
      await outbox.drain();
      assert.deepEqual([(await row(redirected))?.status, (await row(redirected))?.last_error], ['dead', 'receiver answered 302']);
      assert.deepEqual([(await row(noUrl))?.status, (await row(noUrl))?.last_error], ['dead', 'http message without an http(s) url']);
      assert.deepEqual(receiver.requests.map((q) => q.id), [redirected], 'the redirect was not followed');
    });

    it("a secret message's row never holds the plaintext, opens only under its own id, and is gone after delivery", async () => {
      const secret = 'magic-link-secret-7f3a9c';
      const id = await enqueueHttp({ link: `https://app.example/verify?secret=${secret}` }, { secret: true });
      const [stored] = await rows();
      assert.equal(stored.secret, 1);
      assert.ok(!stored.payload.includes(secret) && !stored.payload.includes('example'), 'sealed at rest');
      assert.match(t.container.sealer.open(stored.payload, sealContext(id)), new RegExp(secret));
      assert.throws(() => t.container.sealer.open(stored.payload, sealContext('another-row')));

      await outbox.drain();
      assert.equal(JSON.parse(receiver.requests[0].body).link, `https://app.example/verify?secret=${secret}`);
      assert.deepEqual(await rows(), [], 'purged after delivery');
    });

    it('a secret message that dies keeps no payload in its dead letter', async () => {
      receiver.mode = 'reject';
      const id = await enqueueHttp({ code: '834211' }, { secret: true });
      await outbox.drain();
      const r = await row(id);
      assert.deepEqual([r?.status, r?.payload, r?.last_error], ['dead', '', 'receiver answered 400']);
    });

    it('a second enqueue with the same dedupe key is a no-op, also after delivery, until the tombstone is swept', async () => {
      const first = await enqueueHttp({ n: 5 }, { dedupeKey: 'user.u1.welcome', secret: true });
      assert.equal(await enqueueHttp({ n: 6 }, { dedupeKey: 'user.u1.welcome' }), first);
      assert.equal((await rows()).length, 1);
      await outbox.drain();
      assert.deepEqual(receiver.requests.map((q) => JSON.parse(q.body)), [{ n: 5 }]);
      const tomb = await row(first);
      assert.deepEqual([tomb?.status, tomb?.payload, tomb?.claim], ['delivered', '', null], 'tombstone without payload');

      assert.equal(await enqueueHttp({ n: 7 }, { dedupeKey: 'user.u1.welcome' }), first);
      await outbox.drain();
      assert.equal(receiver.requests.length, 1, 'not sent again');

      // Past the retention the sweep (run by the worker) removes the tombstone; the key is free again.
      const sweeper = new OutboxService(t.container.database, clock, systemRandom(), t.container.sealer, silent, { pollMs: 60_000 });
      clock.advance(86_400_000 + 61_000);
      sweeper.start();
      await sweeper.stop();
      assert.equal(await row(first), undefined);
      assert.notEqual(await enqueueHttp({ n: 8 }, { dedupeKey: 'user.u1.welcome' }), first);
    });

    it('a receiver that never answers is abandoned at the timeout and retried, then accepted once', async () => {
      receiver.mode = 'hold';
      const id = await enqueueHttp({ n: 9 });
      const started = performance.now();
      await outbox.drain();
      assert.ok(performance.now() - started < 2_000, 'the attempt was cut at the 300 ms timeout');
      const r = await row(id);
      assert.deepEqual([r?.status, r?.attempts], ['pending', 1]);
      assert.match(r!.last_error!, /timed out after 300 ms/);
      receiver.mode = 'accept';
      clock.advance(1000);
      await outbox.drain();
      assert.deepEqual([...receiver.accepted], [[id, 1]]);
      assert.equal(await row(id), undefined);
    });

    it('the running worker delivers at once on kick(), without waiting for its poll', async () => {
      const worker = new OutboxService(t.container.database, clock, systemRandom(), t.container.sealer, silent, { pollMs: 3_600_000 });
      worker.register(HTTP_CHANNEL, httpChannel());
      worker.start();
      try {
        await eventually(async () => worker.busy, 0);
        const id = await enqueueHttp({ n: 10 });
        worker.kick();
        assert.equal(await eventually(async () => receiver.accepted.get(id) ?? 0, 1), 1);
        assert.equal(await eventually(async () => (await row(id)) === undefined, true), true);
      } finally {
        await worker.stop();
      }
    });

    it('stop() waits for a delivery in flight and records its acceptance', async () => {
      const worker = new OutboxService(t.container.database, clock, systemRandom(), t.container.sealer, silent, { pollMs: 3_600_000 });
      worker.register(HTTP_CHANNEL, httpChannel());
      receiver.mode = 'hold';
      const id = await enqueueHttp({ n: 11 });
      worker.start();
      await eventually(async () => receiver.held.length, 1);
      const stopped = worker.stop();
      receiver.releaseHeld();
      await stopped;
      assert.deepEqual([...receiver.accepted], [[id, 1]]);
      assert.equal(await row(id), undefined);
    });
  });

  describe(`outbox claims and attempts [${backend}]`, () => {
    let t: TestServer;
    const clock = new FakeClock();
    before(async () => {
      t = await startServer(backend, { clock });
    });
    after(async () => t?.close());
    beforeEach(async () => {
      await t.container.db.deleteFrom('outbox').execute();
    });

    const service = (opts: Partial<OutboxOptions> = {}) =>
      new OutboxService(t.container.database, clock, systemRandom(), t.container.sealer, silent, opts);

    it('a worker past its lease cannot reschedule the message another worker has claimed since', async () => {
      const id = await service().enqueue(t.container.db, t.projectId, { channel: 'test', payload: {} });
      const claimA = { channels: ['test'], limit: 10, claim: 'claim-a', worker: 'a' };
      const [a] = await claimDue(t.container.db, t.container.database.dialect, { ...claimA, now: clock.now(), leaseUntil: clock.now() + 1000 });
      assert.equal(a.id, id);
      assert.deepEqual(await claimDue(t.container.db, t.container.database.dialect, { ...claimA, claim: 'claim-x', now: clock.now(), leaseUntil: clock.now() + 1000 }), [], 'held by the lease');
      clock.advance(1000);
      const [b] = await claimDue(t.container.db, t.container.database.dialect, { ...claimA, claim: 'claim-b', worker: 'b', now: clock.now(), leaseUntil: clock.now() + 1000 });
      assert.deepEqual([b.id, b.attempts, b.worker], [id, 2, 'b']);
      assert.equal(await reschedule(t.container.db, id, 'claim-a', clock.now() + 5, 'late', clock.now()), false);
      const stored = await t.container.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual([stored.claim, stored.due_at], ['claim-b', clock.now() + 1000]);
    });

    it('a channel this process has not registered is never claimed by it', async () => {
      const a = service();
      await a.enqueue(t.container.db, t.projectId, { channel: 'sms', payload: {} });
      await a.drain();
      const [stored] = await t.container.db.selectFrom('outbox').selectAll().execute();
      assert.deepEqual([stored.status, stored.attempts], ['pending', 0]);
    });

    it('exhausted attempts make a dead letter; PermanentDeliveryError makes one at once', async () => {
      const a = service({ maxAttempts: 3, backoffBaseMs: 10, backoffCapMs: 10 });
      const attempts: number[] = [];
      a.register('flaky', async (m) => {
        attempts.push(m.attempt);
        throw new Error('still down');
      });
      a.register('refusing', async () => {
        throw new PermanentDeliveryError('no such mailbox');
      });
      const flaky = await a.enqueue(t.container.db, t.projectId, { channel: 'flaky', payload: { x: 1 } });
      const refused = await a.enqueue(t.container.db, t.projectId, { channel: 'refusing', payload: { x: 2 } });
      for (let i = 0; i < 5; i++) {
        await a.drain();
        clock.advance(10);
      }
      assert.deepEqual(attempts, [1, 2, 3]);
      const byId = new Map((await t.container.db.selectFrom('outbox').selectAll().execute()).map((r) => [r.id, r]));
      assert.deepEqual([byId.get(flaky)?.status, byId.get(flaky)?.attempts, byId.get(flaky)?.last_error], ['dead', 3, 'still down']);
      assert.deepEqual([byId.get(refused)?.status, byId.get(refused)?.attempts, byId.get(refused)?.last_error], ['dead', 1, 'no such mailbox']);
    });

    it('a message whose worker keeps dying (leases expiring) becomes a dead letter instead of looping', async () => {
      const a = service({ maxAttempts: 2, leaseMs: 1000, timeoutMs: 500 });
      let calls = 0;
      a.register('crashy', async () => void calls++);
      const id = await a.enqueue(t.container.db, t.projectId, { channel: 'crashy', payload: {} });
      for (const claim of ['c1', 'c2']) {
        await claimDue(t.container.db, t.container.database.dialect, { channels: ['crashy'], limit: 1, now: clock.now(), leaseUntil: clock.now() + 1000, claim, worker: 'gone' });
        clock.advance(1000);
      }
      await a.drain();
      assert.equal(calls, 0);
      const stored = await t.container.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual([stored.status, stored.attempts], ['dead', 3]);
    });

    it('two workers with their own connections share 200 messages, each delivered exactly once', async () => {
      const { createDb } = await import('../db/database.ts');
      const second = createDb(t.databaseUrl);
      try {
        const delivered = new Map<string, number>();
        const byWorker = new Map<string, number>();
        const workers = [t.container.database, second].map((database) => {
          const w = new OutboxService(database, clock, systemRandom(), t.container.sealer, silent, { concurrency: 8 });
          w.register('count', async (m) => {
            delivered.set(m.id, (delivered.get(m.id) ?? 0) + 1);
            byWorker.set(w.workerId, (byWorker.get(w.workerId) ?? 0) + 1);
            await new Promise((resolve) => setImmediate(resolve));
          });
          return w;
        });
        await t.container.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 200; i++) await workers[0].enqueue(trx, t.projectId, { channel: 'count', payload: { i } });
        });
        await Promise.all(workers.map((w) => w.drain()));
        assert.equal(delivered.size, 200);
        assert.deepEqual([...new Set(delivered.values())], [1], 'no message delivered twice');
        assert.equal(byWorker.size, 2, `both workers delivered: ${JSON.stringify([...byWorker.values()])}`);
        assert.equal(Number((await t.container.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
      } finally {
        await second.close();
      }
    });
  });
}
