// Outbox throughput on this machine (not a test): N messages (half of them sealed) enqueued in one
// transaction, then one worker delivers them to a local receiver in this process.
// Run: node --import tsx test/outbox/throughput.ts   (N=2000 C=4 B=sqlite,postgres)
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { freshDatabaseUrl, type Backend } from '../harness.ts';
import { Receiver } from './receiver.ts';
import { createDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrator.ts';
import { systemClock, systemRandom } from '../../src/support/clock.ts';
import { createSealer } from '../../src/support/sealing.ts';
import { OutboxService } from '../../src/events/outbox.service.ts';
import { HTTP_CHANNEL, httpChannel } from '../../src/events/channels/http.ts';

const N = Number(process.env.N ?? 2000);
const concurrency = Number(process.env.C ?? 4);
for (const backend of (process.env.B ?? 'sqlite,postgres').split(',') as Backend[]) {
  const fresh = await freshDatabaseUrl(backend);
  const database = createDb(fresh.url);
  await migrate(database);
  const receiver = await new Receiver().up();
  const outbox = new OutboxService(database, systemClock, systemRandom(), createSealer(randomBytes(32)), pino({ level: 'silent' }), { concurrency });
  outbox.register(HTTP_CHANNEL, httpChannel());

  let started = performance.now();
  await database.db.transaction().execute(async (trx) => {
    for (let i = 0; i < N; i++) await outbox.enqueue(trx, 'p', { channel: HTTP_CHANNEL, payload: { url: receiver.url, body: { i } }, secret: i % 2 === 0 });
  });
  const enqueueMs = performance.now() - started;

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpuBefore = process.cpuUsage();
  started = performance.now();
  outbox.start();
  while (receiver.totalAccepted() < N) await new Promise((r) => setTimeout(r, 5));
  const deliverMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await outbox.stop();
  delay.disable();

  console.log(
    `${backend}: enqueue ${(enqueueMs / N).toFixed(2)} ms/message; delivered ${N} in ${deliverMs.toFixed(0)} ms = ${((N / deliverMs) * 1000).toFixed(0)}/s ` +
      `(concurrency ${concurrency}); CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms/message with the receiver; ` +
      `event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
  );
  await receiver.down();
  await database.close();
  await fresh.drop();
}
