import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Users, Webhooks } from 'node-appwrite';
import { describeEachBackend, eventually, startServer, type TestServer } from '../../test/harness.ts';
import { event } from '../../src/events/events.ts';
import { TOKEN_TYPE } from '../../src/tokens/tokens.ts';
import { hashSecret } from '../../src/support/secrets.ts';
import { createReceiver, signatureIsValid } from './receiver.mjs';

/** A real SMTP server that keeps every message it is given. */
async function smtpCapture(): Promise<{ url: string; mails: string[]; close(): Promise<void> }> {
  const mails: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks).toString('utf8'));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The example end to end: a webhook on users.*.verification.*.create, Tessera delivering the token
 * with its secret, the receiver checking the signature and mailing its own link.
 */
describeEachBackend('webhook custom email example', (backend) => {
  let t: TestServer;
  let smtp: Awaited<ReturnType<typeof smtpCapture>>;
  let receiver: http.Server;
  let receiverUrl: string;
  let signingSecret: string;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true', TESSERA_OUTBOX_POLL_MS: '50' } });
    smtp = await smtpCapture();
    // The receiver needs the webhook's URL and secret, the webhook the receiver's URL: port first.
    const options = { signingSecret: '', webhookUrl: '', endpoint: t.endpoint, project: t.projectId, apiKey: t.apiKey, smtpUrl: smtp.url, from: 'Shop <no-reply@shop.example>', verifyPageUrl: 'https://shop.example/verify' };
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
    await smtp?.close();
    await t?.close();
  });

  /** What POST /account/verifications does: a verification token and its event (the account flow emits the same). */
  const createVerification = (userId: string, secret: string) =>
    t.container.events.transaction(async (trx, emit) => {
      const issued = await t.container.tokens.issue({ projectId: 'default', userId, type: TOKEN_TYPE.verification, secret, ttlSeconds: 3600, ip: '', userAgent: '' }, trx);
      emit(event('users.[userId].verification.[tokenId].create', 'default', { userId, tokenId: issued.token.id }, issued));
      return issued;
    });

  it('a verification token reaches the receiver, which mails its own link holding the token\'s secret', async () => {
    await new Users(t.server()).create({ userId: 'grace', email: 'grace@example.com', name: 'Grace' });
    const secret = 'a1b2c3d4e5f6'.repeat(8);
    const issued = await createVerification('grace', secret);
    assert.equal(await eventually(async () => smtp.mails.length, 1, 10_000), 1);
    // Quoted-printable: soft line breaks and '=' as =3D.
    const mail = smtp.mails[0].replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    assert.match(mail, /To: grace@example\.com/);
    assert.match(mail, /Subject: Confirm your email address/);
    const link = /https:\/\/shop\.example\/verify\?userId=grace&(?:amp;)?secret=([0-9a-f]+)/.exec(mail);
    assert.ok(link, mail);
    assert.equal(link[1], secret);
    assert.equal(hashSecret(link[1]), issued.token.secret_hash, 'the mailed secret is the live token');
  });

  it('a request with a wrong signature is refused and mails nothing', async () => {
    const before = smtp.mails.length;
    const body = JSON.stringify({ $id: 'x', userId: 'grace', secret: 'forged', expire: '' });
    const res = await fetch(receiverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-webhook-events': 'users.grace.verification.x.create', 'x-appwrite-webhook-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body,
    });
    assert.equal(res.status, 401);
    assert.equal(smtp.mails.length, before);
    assert.equal(signatureIsValid(signingSecret, receiverUrl, body, 'bm90IGEgc2lnbmF0dXJl'), false);
  });
});
