// A webhook receiver that sends its own verification mail.
//
// Tessera POSTs `users.[userId].verification.[tokenId].create` to this server with the Token model
// in the body, its plain `secret` included (Appwrite's webhooks carry it). The receiver checks the
// signature, looks the user's email up with an API key, and mails a link to your own page, which
// completes the verification with `account.updateVerification({ userId, secret })`.
//
//   node examples/webhook-custom-email/receiver.mjs     # listens on RECEIVER_PORT (default 4000)
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHmac, timingSafeEqual } from 'node:crypto';
import nodemailer from 'nodemailer';
import { Client, Users } from 'node-appwrite';

const MAX_BODY_BYTES = 1024 * 1024;
/** The concrete name of a verification token's creation: users.<userId>.verification.<tokenId>.create */
const VERIFICATION_CREATED = /^users\.[^.]+\.verification\.[^.]+\.create$/;
/** How many delivery ids to remember (a delivery retried after a crash is not mailed twice). */
const REMEMBERED_DELIVERIES = 10_000;

/**
 * Appwrite's webhook signature: base64(HMAC-SHA1(secret, url + body)), where `url` is the URL
 * exactly as saved on the webhook and `body` the raw request bytes (parse JSON only after checking).
 */
export function signatureIsValid(secret, url, rawBody, signature) {
  const expected = createHmac('sha1', secret).update(url).update(rawBody).digest();
  const given = Buffer.from(String(signature ?? ''), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The mail this receiver sends for one verification token. */
export function verificationMail({ from, to, name, verifyPageUrl, userId, secret, expire }) {
  const link = new URL(verifyPageUrl);
  link.searchParams.set('userId', userId);
  link.searchParams.set('secret', secret);
  return {
    from,
    to,
    subject: 'Confirm your email address',
    text: `Hello ${name || 'there'},\n\nConfirm your email address by opening this link:\n\n${link}\n\nIt works until ${expire}.\n`,
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return reject(Object.assign(new Error('body too large'), { status: 413 }));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * options: signingSecret (the webhook's secret), webhookUrl (the URL saved on the webhook),
 * endpoint, project, apiKey (users.read), smtpUrl, from, verifyPageUrl.
 * Answers 200 once the mail is handed to SMTP; anything else makes Tessera try again later.
 */
export function createReceiver(options) {
  const users = new Users(new Client().setEndpoint(options.endpoint).setProject(options.project).setKey(options.apiKey));
  const mailer = nodemailer.createTransport(options.smtpUrl);
  const done = new Set();

  async function handle(req, res) {
    if (req.method !== 'POST') return reply(res, 405, 'POST only');
    const raw = await readBody(req);
    if (!signatureIsValid(options.signingSecret, options.webhookUrl, raw, req.headers['x-appwrite-webhook-signature'])) {
      return reply(res, 401, 'bad signature');
    }
    const deliveryId = String(req.headers['x-tessera-message-id'] ?? '');
    const [event] = String(req.headers['x-appwrite-webhook-events'] ?? '').split(',');
    if (!VERIFICATION_CREATED.test(event) || done.has(deliveryId)) return reply(res, 200, 'ignored');
    const token = JSON.parse(raw.toString('utf8'));
    const user = await users.get({ userId: token.userId });
    if (!user.email) return reply(res, 200, 'no email');
    const mail = verificationMail({ from: options.from, to: user.email, name: user.name, verifyPageUrl: options.verifyPageUrl, userId: token.userId, secret: token.secret, expire: token.expire });
    await mailer.sendMail(mail);
    if (deliveryId) {
      if (done.size >= REMEMBERED_DELIVERIES) done.clear();
      done.add(deliveryId);
    }
    reply(res, 200, 'sent');
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((err) => reply(res, err.status ?? 500, err.status ? err.message : 'try again later'));
  });
}

function reply(res, status, text) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const env = process.env;
  for (const name of ['WEBHOOK_SECRET', 'WEBHOOK_URL', 'TESSERA_KEY']) {
    if (!env[name]) throw new Error(`set ${name} (see examples/webhook-custom-email/README.md)`);
  }
  const port = Number(env.RECEIVER_PORT ?? 4000);
  createReceiver({
    signingSecret: env.WEBHOOK_SECRET,
    webhookUrl: env.WEBHOOK_URL,
    endpoint: env.TESSERA_ENDPOINT ?? 'http://localhost:8080/v1',
    project: env.TESSERA_PROJECT ?? 'default',
    apiKey: env.TESSERA_KEY,
    smtpUrl: env.SMTP_URL ?? 'smtp://127.0.0.1:2525',
    from: env.MAIL_FROM ?? 'Example <no-reply@example.com>',
    verifyPageUrl: env.VERIFY_PAGE_URL ?? 'http://localhost:3000/verify',
  }).listen(port, () => console.log(`webhook receiver on http://localhost:${port}/ (POST)`));
}
