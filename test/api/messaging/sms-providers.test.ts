import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { codeInSms, describeEachBackend, eventually, startServer, startSmsReceiver, type TestServer } from '../../harness.ts';
import type { SmsMessage } from '../../../src/messaging/messaging.ts';

const SID = 'AC0123456789abcdef';
const TOKEN = 'twilio-auth-token-42';

interface TwilioRequest {
  path: string;
  authorization: string;
  form: URLSearchParams;
}

/** A local HTTP server speaking Twilio's Messages API; `answers` scripts the statuses of the next requests (then 201). */
async function startFakeTwilio() {
  const requests: TwilioRequest[] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', authorization: String(req.headers.authorization ?? ''), form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
      const status = answers.shift() ?? 201;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status === 201 ? { sid: 'SM1', status: 'queued' } : { code: 21211, message: 'nope' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    answers,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function queueSms(t: TestServer, msg: SmsMessage): Promise<string> {
  const project = (await t.container.projects.get(t.projectId))!;
  t.container.messaging.requireSms();
  const id = await t.container.events.transaction((trx) => t.container.messaging.queueSms(trx, project, msg));
  t.container.messaging.sendSoon();
  return id;
}

const outboxStatus = (t: TestServer, id: string) =>
  t.container.db.selectFrom('outbox').select(['status', 'attempts']).where('id', '=', id).executeTakeFirst();

describeEachBackend('the Twilio-compatible SMS provider', (backend) => {
  let t: TestServer;
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  before(async () => {
    twilio = await startFakeTwilio();
    t = await startServer(backend, {
      env: {
        TESSERA_SMS_PROVIDER: 'twilio',
        TESSERA_SMS_TWILIO_ACCOUNT_SID: SID,
        TESSERA_SMS_TWILIO_AUTH_TOKEN: TOKEN,
        TESSERA_SMS_TWILIO_FROM: '+15005550006',
        TESSERA_SMS_TWILIO_BASE_URL: twilio.baseUrl,
      },
    });
  });
  after(async () => {
    await t?.close();
    await twilio?.close();
  });

  const sentTo = (to: string) => twilio.requests.filter((r) => r.form.get('To') === to);

  it('posts the code as a form to the account’s Messages resource with Basic auth', async () => {
    await queueSms(t, { templateId: 'login', locale: 'en', to: '+15550200001', variables: { otp: '735102' } });
    assert.equal(await eventually(async () => sentTo('+15550200001').length, 1, 5_000), 1);
    const [req] = sentTo('+15550200001');
    assert.equal(req.path, `/2010-04-01/Accounts/${SID}/Messages.json`);
    assert.equal(req.authorization, `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    assert.equal(req.form.get('From'), '+15005550006');
    assert.equal(req.form.get('Body'), '735102 is your Default project sign-in code.');
  });

  it('a 5xx answer is retried until Twilio accepts; a 4xx one is refused for good and not sent again', async () => {
    twilio.answers.push(503);
    const retried = await queueSms(t, { templateId: 'verification', locale: 'en', to: '+15550200002', variables: { otp: '111222' } });
    assert.equal(await eventually(async () => (await outboxStatus(t, retried))?.status ?? 'gone', 'gone', 8_000), 'gone', 'delivered and purged');
    assert.equal(sentTo('+15550200002').length, 2, 'one failed attempt, one accepted');

    twilio.answers.push(400);
    const refused = await queueSms(t, { templateId: 'verification', locale: 'en', to: '+15550200003', variables: { otp: '333444' } });
    assert.equal(await eventually(async () => (await outboxStatus(t, refused))?.status, 'dead', 5_000), 'dead');
    assert.equal(sentTo('+15550200003').length, 1);
  });
});

describeEachBackend('the webhook SMS provider', (backend) => {
  it('posts {to, from, text} JSON with the code, and an invitation with its link', async () => {
    const sms = await startSmsReceiver();
    const t = await startServer(backend, { env: { TESSERA_SMS_PROVIDER: 'webhook', TESSERA_SMS_WEBHOOK_URL: sms.url } });
    try {
      await queueSms(t, { templateId: 'mfaChallenge', locale: 'en', to: '+15550200011', variables: { otp: '908172' } });
      const got = await sms.waitFor('+15550200011');
      assert.equal(codeInSms(got), '908172');
      assert.equal(got.text, '908172 is your Default project two-step verification code.');
      await queueSms(t, { templateId: 'invitation', locale: 'en', to: '+15550200012', variables: { team: 'Crew', redirect: 'https://app.example.com/join?secret=s' } });
      assert.equal((await sms.waitFor('+15550200012')).text, 'You are invited to join Crew at Default project: https://app.example.com/join?secret=s');
    } finally {
      await t.close();
      await sms.close();
    }
  });
});
