import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Account, ID, Users, Webhooks } from 'node-appwrite';
import { describeEachBackend, linkIn, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../test/harness.ts';
import { createReceiver, signatureIsValid } from './receiver.mjs';

const CUSTOM_SUBJECT = 'Confirm your email address';

/**
 * The example end to end: a signed-in user calls account.createEmailVerification through the SDK, a
 * webhook on users.*.verification.*.create delivers the token with its secret, the receiver checks
 * the signature and mails its own link, and that link's secret completes the verification. One real
 * SMTP catcher stands in for both Tessera's SMTP server and the receiver's.
 */
describeEachBackend('webhook custom email example', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  let receiver: http.Server;
  let receiverUrl: string;
  let signingSecret: string;
  before(async () => {
    mail = await startMailCatcher();
    // account.createVerification needs SMTP on Tessera too (503 general_smtp_disabled otherwise, as in Appwrite).
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url, TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true', TESSERA_OUTBOX_POLL_MS: '50' } });
    // The receiver needs the webhook's URL and secret, the webhook the receiver's URL: port first.
    const options = { signingSecret: '', webhookUrl: '', endpoint: t.endpoint, project: t.projectId, apiKey: t.apiKey, smtpUrl: mail.url, from: 'Shop <no-reply@shop.example>', verifyPageUrl: 'https://shop.example/verify' };
    receiver = createReceiver(options);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    const hook = await new Webhooks(t.server()).create({ webhookId: 'mailer', url: receiverUrl, name: 'Custom verification mail', events: ['users.*.verification.*.create'] });
    signingSecret = hook.secret;
    Object.assign(options, { signingSecret, webhookUrl: hook.url });
    t.container.outbox.start();
  });
  after(async () => {
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
    await t?.close();
    await mail?.close();
  });

  it('account.createVerification reaches the receiver, whose own mailed link verifies the email', async () => {
    const email = 'grace@example.com';
    await new Users(t.server()).create({ userId: 'grace', email, password: 'correct horse battery', name: 'Grace' });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: 'correct horse battery' });
    const account = new Account(t.withSession(session.secret));
    const token = await account.createEmailVerification({ url: 'http://localhost:3000/verify' });

    const custom = await mail.waitFor(email, (m) => m.subject === CUSTOM_SUBJECT, 10_000);
    assert.equal(custom.from, 'no-reply@shop.example');
    assert.match(custom.text, /Hello Grace/);
    const link = linkIn(custom);
    assert.equal(link.origin + link.pathname, 'https://shop.example/verify');
    assert.equal(link.searchParams.get('userId'), 'grace');
    const secret = link.searchParams.get('secret')!;
    const tesserasOwn = await mail.waitFor(email, (m) => m.subject !== CUSTOM_SUBJECT);
    assert.equal(linkIn(tesserasOwn).searchParams.get('secret'), secret, 'the same live token as Tessera\'s own mail');

    // What the /verify page does with the link.
    const done = await new Account(t.guest()).updateEmailVerification({ userId: 'grace', secret });
    assert.equal(done.$id, token.$id);
    assert.equal((await account.get()).emailVerification, true);
    assert.equal(mail.messages.filter((m) => m.subject === CUSTOM_SUBJECT).length, 1, 'mailed once');
  });

  it('a request with a wrong signature is refused and mails nothing', async () => {
    const before = mail.messages.length;
    const body = JSON.stringify({ $id: 'x', userId: 'grace', secret: 'forged', expire: '' });
    const res = await fetch(receiverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-webhook-events': 'users.grace.verification.x.create', 'x-appwrite-webhook-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body,
    });
    assert.equal(res.status, 401);
    assert.equal(mail.messages.length, before);
    assert.equal(signatureIsValid(signingSecret, receiverUrl, body, 'bm90IGEgc2lnbmF0dXJl'), false);
  });
});
