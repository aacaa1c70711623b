import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { codeInSms, describeEachBackend, linkIn, startMailCatcher, startServer, startSmsReceiver, type MailCatcher, type SmsReceiver, type TestServer } from '../harness.ts';

describeEachBackend('mail queued through the outbox reaches a real SMTP server', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url } });
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  it('a mail queued in a committed transaction is sent once, with the outbox id as its message id', async () => {
    const project = (await t.container.projects.get(t.projectId))!;
    t.container.messaging.requireEmail(project);
    const id = await t.container.events.transaction((trx) =>
      t.container.messaging.queueEmail(trx, project, { templateId: 'recovery', locale: 'en', to: { email: 'Ann@Example.com', name: 'Ann' }, variables: { redirect: 'https://app.example.com/reset?secret=abc' } }),
    );
    t.container.messaging.sendSoon();
    const got = await mail.waitFor('ann@example.com');
    assert.equal(got.messageId, id);
    assert.equal(linkIn(got).searchParams.get('secret'), 'abc');
  });

  it('a mail queued in a transaction that rolls back is never sent', async () => {
    const project = (await t.container.projects.get(t.projectId))!;
    await assert.rejects(
      t.container.events.transaction(async (trx) => {
        await t.container.messaging.queueEmail(trx, project, { templateId: 'recovery', locale: 'en', to: { email: 'rolled@example.com', name: '' }, variables: {} });
        throw new Error('rollback');
      }),
    );
    await t.container.events.transaction((trx) =>
      t.container.messaging.queueEmail(trx, project, { templateId: 'recovery', locale: 'en', to: { email: 'after@example.com', name: '' }, variables: {} }),
    );
    t.container.messaging.sendSoon();
    await mail.waitFor('after@example.com');
    assert.equal(mail.messages.filter((m) => m.to.includes('rolled@example.com')).length, 0);
  });
});

describeEachBackend('a project with no way to send mail', (backend) => {
  let t: TestServer;
  before(async () => (t = await startServer(backend)));
  after(async () => t?.close());

  it('requireEmail refuses with 503 general_smtp_disabled', async () => {
    const project = (await t.container.projects.get(t.projectId))!;
    assert.throws(() => t.container.messaging.requireEmail(project), (e: any) => e.type === 'general_smtp_disabled' && e.code === 503);
  });
});

describeEachBackend('SMS queued through the outbox reach the SMS webhook provider', (backend) => {
  let t: TestServer;
  let sms: SmsReceiver;
  before(async () => {
    sms = await startSmsReceiver();
    t = await startServer(backend, { env: { TESSERA_SMS_WEBHOOK_URL: sms.url } });
  });
  after(async () => {
    await t?.close();
    await sms?.close();
  });

  it('a queued SMS is POSTed once to the webhook with its code', async () => {
    const project = (await t.container.projects.get(t.projectId))!;
    t.container.messaging.requireSms();
    const id = await t.container.events.transaction((trx) =>
      t.container.messaging.queueSms(trx, project, { templateId: 'login', locale: 'en', to: '+15550000001', variables: { otp: '123456', project: 'Default' } }),
    );
    t.container.messaging.sendSoon();
    const got = await sms.waitFor('+15550000001');
    assert.equal(got.messageId, id);
    assert.equal(codeInSms(got), '123456');
  });
});

describeEachBackend('a server with no SMS provider', (backend) => {
  let t: TestServer;
  before(async () => (t = await startServer(backend)));
  after(async () => t?.close());

  it('requireSms refuses with 503 general_phone_disabled', () => {
    assert.throws(() => t.container.messaging.requireSms(), (e: any) => e.type === 'general_phone_disabled' && e.code === 503);
  });
});
