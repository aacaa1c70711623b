import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Project } from 'node-appwrite';
import { describeEachBackend, eventually, freshDatabaseUrl, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';
import { bundleServer, readKeySecret, spawnServer, type ServerProcess } from '../../multiprocess-helpers.ts';
import { createDb } from '../../../src/db/database.ts';

/**
 * A short poll, so a worker looks again soon after the SMTP server comes back (retries still back off).
 * The attempt timeout stays generous: an attempt cut by it after the SMTP server took the mail would be
 * sent again (SMTP has no idempotency key), and on a loaded machine a first send can take seconds.
 */
const FAST_OUTBOX = { TESSERA_OUTBOX_POLL_MS: '50', TESSERA_OUTBOX_TIMEOUT_MS: '10000', TESSERA_OUTBOX_LEASE_MS: '12000' };

/** How many times each outbox message id reached the SMTP server. */
function arrivals(mail: MailCatcher, ids: string[]): number[] {
  return ids.map((id) => mail.messages.filter((m) => m.messageId === id).length);
}

describeEachBackend('mail through an SMTP outage', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url, ...FAST_OUTBOX } });
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  const queue = async (n: number, prefix: string) => {
    const project = (await t.container.projects.get(t.projectId))!;
    const ids = await t.container.events.transaction(async (trx) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        out.push(await t.container.messaging.queueEmail(trx, project, {
          templateId: 'otpSession', locale: 'en', to: { email: `${prefix}${i}@example.com`, name: '' }, variables: { otp: String(100000 + i) },
        }));
      }
      return out;
    });
    t.container.messaging.sendSoon();
    return ids;
  };
  const pending = async () => Number((await t.container.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('the SMTP server goes down mid-way and comes back: every mail arrives exactly once', async () => {
    const before = await queue(4, 'pre');
    assert.deepEqual(await eventually(async () => arrivals(mail, before).join(), '1,1,1,1', 5_000), '1,1,1,1');

    await mail.stop();
    const during = await queue(6, 'down');
    // Every one of them is attempted against the stopped server and fails (no connection).
    const tried = async () => Number((await t.container.db.selectFrom('outbox').select((eb) => eb.fn.min<number>('attempts').as('n')).executeTakeFirstOrThrow()).n ?? 0);
    assert.ok((await eventually(async () => (await tried()) >= 1, true, 5_000)), 'each mail failed at least once while the server was down');
    assert.deepEqual(arrivals(mail, during), [0, 0, 0, 0, 0, 0]);

    await mail.restart();
    const after = await queue(3, 'post');
    const all = [...before, ...during, ...after];
    const want = all.map(() => 1).join();
    assert.equal(await eventually(async () => arrivals(mail, all).join(), want, 15_000), want, 'each mail once, after retries');
    assert.equal(await eventually(pending, 0, 5_000), 0, 'nothing is left to send (so nothing is sent again)');
    assert.equal(mail.messages.filter((m) => /^(pre|down|post)\d@example\.com$/.test(m.to[0])).length, all.length);
  });
});

describeEachBackend('mail pending in the outbox when the server is killed', (backend) => {
  let bundle: Awaited<ReturnType<typeof bundleServer>> | undefined;
  before(async () => (bundle = await bundleServer()));
  after(async () => bundle?.remove());

  it('kill -9 with test mails pending while the project’s SMTP server is down: the next process sends each one once', async () => {
    const fresh = await freshDatabaseUrl(backend);
    const database = createDb(fresh.url);
    const mail = await startMailCatcher();
    const procs: ServerProcess[] = [];
    const start = async (name: string) => {
      const p = await spawnServer(name, bundle!.mainJs, { TESSERA_DATABASE_URL: fresh.url, ...FAST_OUTBOX });
      procs.push(p);
      return p;
    };
    const outbox = () => database.db.selectFrom('outbox').select(['id', 'status', 'attempts']).execute();
    try {
      const first = await start('first');
      const key = readKeySecret(first.keyFile!);
      const project = new Project(new Client().setEndpoint(first.endpoint).setProject('default').setKey(key));
      await project.updateSMTP({ enabled: true, host: '127.0.0.1', port: mail.port, senderEmail: 'team@proj.test' });
      await mail.stop();

      const emails = Array.from({ length: 8 }, (_, i) => `pending${i}@example.com`);
      await project.createSMTPTest({ emails });
      assert.equal(await eventually(async () => (await outbox()).every((r) => r.attempts >= 1), true, 8_000), true, first.logTail());
      await first.kill();
      const left = await outbox();
      assert.equal(left.length, emails.length, 'every mail is still in the outbox');
      assert.ok(left.every((r) => r.status === 'pending'));

      await mail.restart();
      const second = await start('second');
      const ids = left.map((r) => r.id);
      const want = ids.map(() => 1).join();
      assert.equal(await eventually(async () => arrivals(mail, ids).join(), want, 30_000), want, second.logTail());
      assert.deepEqual(mail.messages.flatMap((m) => m.to).sort(), [...emails].sort());
      assert.equal(await eventually(async () => (await outbox()).length, 0, 5_000), 0);
    } finally {
      for (const p of procs) await p.stop();
      await mail.close();
      await database.close();
      await fresh.drop();
    }
  });
});
