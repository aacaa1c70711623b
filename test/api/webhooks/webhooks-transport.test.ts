import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Users, Webhooks } from 'node-appwrite';
import { describeEachBackend, FakeClock, startServer, type TestServer } from '../../harness.ts';
import { Receiver } from './webhook-receiver.ts';

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** How a delivery goes over the wire: TLS verification, redirects, slow receivers, large answers. */
describeEachBackend('webhook transport', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let webhooks: Webhooks;
  let users: Users;
  let n = 0;
  before(async () => {
    clock = new FakeClock(Date.parse('2026-06-01T12:00:00.000Z'));
    // A 1.5 s attempt limit: a receiver that does not answer fails its attempt after 1.2 s.
    t = await startServer(backend, { clock, env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true', TESSERA_OUTBOX_TIMEOUT_MS: '1500' } });
    webhooks = new Webhooks(t.server());
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /** Creates a webhook, fires one event at it, delivers, and returns the webhook as it then is. */
  const fireAt = async (url: string, opts: { tls?: boolean } = {}) => {
    const id = `hook-${++n}`;
    await webhooks.create({ webhookId: id, url, name: id, events: [`users.u-${n}.create`], tls: opts.tls });
    await users.create({ userId: `u-${n}` });
    await t.container.outbox.drain();
    return webhooks.get({ webhookId: id });
  };

  it('verifies the receiver\'s certificate unless the webhook has tls off', async () => {
    const received: string[] = [];
    const server = https.createServer(selfSigned(), (req, res) => {
      req.resume().on('end', () => {
        received.push(String(req.headers['x-appwrite-webhook-id']));
        res.end('ok');
      });
    });
    const port = await listen(server);
    try {
      const verified = await fireAt(`https://127.0.0.1:${port}/hook`, { tls: true });
      assert.equal(verified.attempts, 1);
      assert.match(verified.logs, /Client Error: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
      const unverified = await fireAt(`https://127.0.0.1:${port}/hook`, { tls: false });
      assert.equal(unverified.attempts, 0);
      assert.deepEqual(received, [unverified.$id], 'only the webhook without verification got through');
    } finally {
      server.close();
    }
  });

  it('does not follow a redirect: the attempt fails and nothing reaches its target', async () => {
    const receiver = await new Receiver().up();
    try {
      receiver.mode = 'redirect';
      const hook = await fireAt(receiver.url);
      assert.equal(receiver.requests.length, 1, 'one request, no second one to the Location');
      assert.equal(hook.attempts, 1);
      assert.match(hook.logs, /Status code: 302/);
    } finally {
      await receiver.down();
    }
  });

  it('a receiver that does not answer fails its attempt within the outbox timeout', async () => {
    const receiver = await new Receiver().up();
    try {
      receiver.mode = 'hold';
      const started = Date.now();
      const hook = await fireAt(receiver.url);
      assert.ok(Date.now() - started < 5_000);
      assert.equal(hook.attempts, 1);
      assert.match(hook.logs, /Client Error: ETIMEDOUT/);
    } finally {
      await receiver.down();
    }
  });

  it('reads at most 10 kB of a receiver\'s answer into the webhook\'s logs', async () => {
    const server = http.createServer((req, res) => {
      req.resume().on('end', () => res.writeHead(500).end('x'.repeat(1_000_000)));
    });
    const port = await listen(server);
    try {
      const hook = await fireAt(`http://127.0.0.1:${port}/hook`);
      assert.equal(hook.attempts, 1);
      assert.match(hook.logs, /Status code: 500\nBody: \nx+\n$/);
      assert.ok(hook.logs.length < 10_200, `logs hold ${hook.logs.length} chars`);
    } finally {
      server.close();
    }
  });
});
