import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { describeEachBackend, eventually, freshDatabaseUrl, type Backend } from '../harness.ts';
import { bundleServer, spawnServer, type ServerProcess } from '../multiprocess-helpers.ts';
import { createDb, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrator.ts';
import { systemClock, systemRandom } from '../../src/support/clock.ts';
import { createSealer } from '../../src/support/sealing.ts';
import { OutboxService } from '../../src/events/outbox.service.ts';
import { HTTP_CHANNEL } from '../../src/events/channels/http.ts';
import { Receiver } from './receiver.ts';

/**
 * The outbox across real server processes (the bundle `npm start` runs): killed with SIGKILL in the
 * middle of a delivery, restarted, and two of them sharing one PostgreSQL database. The receiver
 * counts what it accepted per message id: every message must be accepted exactly once.
 */
const SERVER_KEY = randomBytes(32).toString('hex');

/** Short lease and poll so a dead worker's messages come back within seconds; the timeout outlasts the test's kill. */
const FAST_OUTBOX = { TESSERA_OUTBOX_POLL_MS: '50', TESSERA_OUTBOX_TIMEOUT_MS: '2000', TESSERA_OUTBOX_LEASE_MS: '2500' };

interface Fixture {
  url: string;
  database: Database;
  /** Writes messages as a producer would, sealed under the key the server processes are given. */
  producer: OutboxService;
  drop(): Promise<void>;
}

async function fixture(backend: Backend): Promise<Fixture> {
  const fresh = await freshDatabaseUrl(backend);
  const database = createDb(fresh.url);
  await migrate(database);
  const producer = new OutboxService(database, systemClock, systemRandom(), createSealer(Buffer.from(SERVER_KEY, 'hex')), pino({ level: 'silent' }));
  return {
    url: fresh.url,
    database,
    producer,
    drop: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}

const outboxRows = (f: Fixture) => f.database.db.selectFrom('outbox').selectAll().orderBy('seq').execute();

describeEachBackend('outbox across server processes', (backend) => {
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

  it('kill -9 in the middle of delivery: the next process delivers each message, accepted exactly once, and a third sends nothing again', async () => {
    const f = await fixture(backend);
    const procs: ServerProcess[] = [];
    const start = async (name: string) => {
      const p = await spawnServer(name, bundle!.mainJs, { TESSERA_DATABASE_URL: f.url, TESSERA_SECRET_KEY: SERVER_KEY, ...FAST_OUTBOX });
      procs.push(p);
      return p;
    };
    try {
      receiver.mode = 'hold';
      const secretId = await f.producer.enqueue(f.database.db, 'default', { channel: HTTP_CHANNEL, payload: { url: receiver.url, body: { code: '551204' } }, secret: true });
      const plainId = await f.producer.enqueue(f.database.db, 'default', { channel: HTTP_CHANNEL, payload: { url: receiver.url, body: { n: 1 } } });

      const first = await start('first');
      assert.equal(await eventually(async () => receiver.held.length, 2, 10_000), 2, first.logTail());
      await first.kill();
      assert.equal(receiver.totalAccepted(), 0);
      const leased = await outboxRows(f);
      assert.deepEqual(leased.map((r) => [r.id, r.status, r.attempts]), [[secretId, 'pending', 1], [plainId, 'pending', 1]], 'leased by the dead process');

      receiver.mode = 'accept';
      const second = await start('second');
      assert.equal(await eventually(async () => receiver.totalAccepted(), 2, 15_000), 2, second.logTail());
      assert.equal(await eventually(async () => (await outboxRows(f)).length, 0), 0, 'rows gone once accepted');
      assert.deepEqual(receiver.requests.map((q) => q.id).sort(), [secretId, secretId, plainId, plainId].sort(), 'one cut attempt and one accepted each, same ids');
      assert.deepEqual(JSON.parse(receiver.requests.find((q) => q.id === secretId)!.body), { code: '551204' });

      // A restart after acceptance sends nothing again: once a message enqueued after it is accepted,
      // the new worker has looked at everything due before it.
      await second.kill();
      await start('third');
      const marker = await f.producer.enqueue(f.database.db, 'default', { channel: HTTP_CHANNEL, payload: { url: receiver.url, body: { marker: true } } });
      assert.equal(await eventually(async () => receiver.accepted.get(marker) ?? 0, 1, 10_000), 1);
      assert.deepEqual([...receiver.accepted].sort(), [[secretId, 1], [plainId, 1], [marker, 1]].sort());
    } finally {
      receiver.mode = 'accept';
      for (const p of procs) await p.stop();
      await f.drop();
    }
  });

  it('two processes on one database share 200 messages: each accepted exactly once, both delivered some', { skip: backend !== 'postgres' && 'PostgreSQL only: a SQLite deployment is one process' }, async () => {
    const f = await fixture(backend);
    const env = { TESSERA_DATABASE_URL: f.url, TESSERA_SECRET_KEY: SERVER_KEY, ...FAST_OUTBOX, TESSERA_OUTBOX_CONCURRENCY: '8' };
    const procs = [await spawnServer('a', bundle!.mainJs, env), await spawnServer('b', bundle!.mainJs, env)];
    const acceptedBefore = receiver.totalAccepted();
    try {
      receiver.answerDelayMs = 5;
      const ids = await f.database.db.transaction().execute(async (trx) => {
        const out: string[] = [];
        // A dedupe key keeps a payload-less tombstone naming the worker that delivered it.
        for (let i = 0; i < 200; i++) {
          out.push(await f.producer.enqueue(trx, 'default', { channel: HTTP_CHANNEL, payload: { url: receiver.url, body: { i } }, dedupeKey: `m${i}`, secret: i % 2 === 0 }));
        }
        return out;
      });
      const want = acceptedBefore + 200;
      assert.equal(await eventually(async () => receiver.totalAccepted(), want, 30_000), want, procs.map((p) => p.logTail()).join('\n'));
      for (const id of ids) assert.equal(receiver.accepted.get(id), 1, `message ${id} accepted once`);
      const rows = await eventually(async () => (await outboxRows(f)).filter((r) => r.status === 'delivered').length, 200);
      assert.equal(rows, 200);
      const workers = new Map<string, number>();
      for (const r of await outboxRows(f)) workers.set(r.worker!, (workers.get(r.worker!) ?? 0) + 1);
      assert.equal(workers.size, 2, `both processes delivered: ${JSON.stringify(Object.fromEntries(workers))}`);
      assert.ok((await outboxRows(f)).every((r) => r.payload === ''), 'delivered rows keep no payload');
    } finally {
      receiver.answerDelayMs = 0;
      for (const p of procs) await p.stop();
      await f.drop();
    }
  });
});
