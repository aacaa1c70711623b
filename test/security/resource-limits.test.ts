import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { ID, Users } from 'node-appwrite';
import { buildApp, REQUEST_TIMEOUT_MS } from '../../src/app.ts';
import { MAX_INPUT_LEVELS, parseQueryString } from '../../src/http/query-string.ts';
import { HASH_COST_LIMITS, verifyPassword } from '../../src/passwords/passwords.ts';
import type { SessionRow } from '../../src/sessions/sessions.ts';
import type { UserRow } from '../../src/users/users.ts';
import { describeEachBackend, expectError, FakeClock, standaloneCache, startServer, userChanged, type TestServer } from '../harness.ts';

const PASSWORD = 'limits-password-1';
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A phpass ($P$) string whose iteration count is 2^log2 (the digest part is never reached or never matches). */
const phpassWithCount = (log2: number) => `$P$${ITOA64[log2]}saltsalt${'A'.repeat(22)}`;

/**
 * A form body of keys nested 64 levels deep at index 1000: with sparse arrays each level allocated
 * 1,001 slots, so 1 MB of it took ~800 MB and a second of CPU to parse.
 */
function nestedFormBody(bytes: number): string {
  const deep = '[1000]'.repeat(63);
  const parts: string[] = [];
  for (let n = 0, len = 0; len < bytes - 200; n++) {
    const part = `a[${n}]${deep}=1`;
    parts.push(part);
    len += part.length + 1;
  }
  return parts.join('&');
}

// Runs first in this file's process, so the peak RSS it reads is its own.
describe('form and query-string parsing stays proportional to the input', () => {
  it('1 MB of keys nested 64 deep at index 1000 parses in well under a second and a few MB', () => {
    const body = nestedFormBody(1024 * 1024);
    const peakBefore = process.resourceUsage().maxRSS;
    const started = performance.now();
    const out = parseQueryString(body);
    const ms = performance.now() - started;
    const grewMb = (process.resourceUsage().maxRSS - peakBefore) / 1024;
    // Each key opens 64 levels: the keys past MAX_INPUT_LEVELS levels in all are dropped.
    assert.equal((out.a as unknown[]).length, Math.floor(MAX_INPUT_LEVELS / 64), 'the first keys kept, the ones past the level budget dropped');
    let node: unknown = (out.a as unknown[])[0];
    for (let i = 0; i < 63; i++) node = (node as unknown[])[0];
    assert.equal(node, '1', 'the gaps are closed at every level');
    assert.ok(grewMb < 300, `peak memory grew by ${grewMb.toFixed(0)} MB`);
    assert.ok(ms < 600, `took ${ms.toFixed(0)} ms`);
  });

  it('keeps PHP reading: indexes in order, gaps closed, [] appends after the highest index', () => {
    assert.deepEqual(parseQueryString('q[5]=c&q[1]=b&q[]=d&q[0]=a&x[2][]=y&x[2][]=z'), { q: ['a', 'b', 'c', 'd'], x: [['y', 'z']] });
  });

  it('drops keys with an index above 1000, nested past 64 levels, or unclosed, in time linear in the key', () => {
    assert.deepEqual(parseQueryString('q[1001]=x&q[1000]=y&deep' + '[0]'.repeat(65) + '=z&ok=1'), { q: ['y'], ok: '1' });
    const started = performance.now();
    const out = parseQueryString('a=1&x' + '['.repeat(700_000) + '=2&y' + '[]'.repeat(350_000) + '=3');
    assert.ok(performance.now() - started < 500, `took ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(out.a, '1');
    assert.equal(out.y, undefined);
  });
});

describe('session cache holds a bounded number of bytes, not only of entries', () => {
  const bigPrefs = JSON.stringify({ blob: 'x'.repeat(64_000) });
  const entry = (i: number) => ({
    session: { project_id: 'p', id: `s${i}`, user_id: `u${i}` } as SessionRow,
    user: { project_id: 'p', id: `u${i}`, prefs: bigPrefs } as UserRow,
    targets: [],
  });

  it('200 sessions of users with 64 kB prefs fill a 1 MB budget, the oldest evicted first', () => {
    const { cache } = standaloneCache(50_000, 1024 * 1024);
    for (let i = 0; i < 200; i++) cache.set(`h${i}`, entry(i));
    assert.ok(cache.heldBytes <= cache.maxBytes, `${cache.heldBytes} bytes held`);
    assert.ok(cache.size >= 5 && cache.size <= 8, `${cache.size} entries`);
    assert.ok(cache.get('h199'), 'the newest is kept');
    assert.equal(cache.get('h0'), undefined, 'the oldest went');
  });

  it('dropping users and clearing give their bytes back', async () => {
    const { cache, userEvent } = standaloneCache(50_000, 1024 * 1024);
    cache.set('a', entry(1));
    cache.set('b', entry(2));
    const one = cache.heldBytes / 2;
    cache.set('a', entry(1));
    assert.equal(cache.heldBytes, 2 * one, 'a replaced entry is counted once');
    await userEvent('p', 'u1');
    assert.equal(cache.heldBytes, one);
    cache.clear();
    assert.equal(cache.heldBytes, 0);
  });
});

describe('imported hashes cost at most HASH_COST_LIMITS to verify', () => {
  it('a bcrypt cost of 31 and a phpass count of 2^30 are refused at once, without hashing', async () => {
    const started = performance.now();
    assert.equal(await verifyPassword('whatever-pass', { password: `$2y$31$${'a'.repeat(53)}`, hash: 'bcrypt', hashOptions: {} }), false);
    assert.equal(await verifyPassword('whatever-pass', { password: phpassWithCount(30), hash: 'phpass', hashOptions: {} }), false);
    assert.equal(
      await verifyPassword('whatever-pass', { password: '$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', hash: 'argon2', hashOptions: {} }),
      false,
    );
    const scrypt = { salt: 's', costCpu: 1 << 20, costMemory: 1024, costParallel: 1, length: 64 };
    assert.equal(await verifyPassword('whatever-pass', { password: 'ab', hash: 'scrypt', hashOptions: scrypt }), false);
    assert.ok(performance.now() - started < 500, 'no hashing was attempted');
  });

  it('hashes at the limits still verify', async () => {
    const bcrypt = (await import('bcryptjs')).default;
    const hash = await bcrypt.hash('limit-pass-1', 4);
    assert.equal(await verifyPassword('limit-pass-1', { password: hash, hash: 'bcrypt', hashOptions: {} }), true);
    assert.equal(HASH_COST_LIMITS.bcryptCost >= 12 && HASH_COST_LIMITS.phpassLog2 >= 11, true, 'common real-world costs stay allowed');
  });
});

describeEachBackend('resource limits for unauthenticated and low-privilege callers', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  const count = async (table: 'users' | 'sessions' | 'rate_limits') =>
    Number((await t.container.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('one session sent in 300 re-encodings is answered each time but cached once (no entry, and 64 kB prefs copy, per encoding)', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'encodings@example.com', password: PASSWORD });
    await users.updatePrefs({ userId: user.$id, prefs: { blob: 'x'.repeat(60_000) } });
    const { secret } = await users.createSession({ userId: user.$id });
    const decoded = JSON.parse(Buffer.from(secret, 'base64').toString('utf8'));
    const cache = t.container.sessions.cache;
    const sizeBefore = cache.size;
    const canonical = await t.fetch('/account', { headers: { 'x-appwrite-session': secret } });
    assert.equal(canonical.status, 200);
    for (let i = 0; i < 300; i++) {
      const variant = Buffer.from(JSON.stringify({ id: decoded.id, secret: decoded.secret, n: i })).toString('base64');
      const res = await t.fetch('/account', { headers: { 'x-appwrite-session': variant } });
      assert.equal(res.status, 200, `encoding ${i}`);
      assert.equal((await res.json()).$id, user.$id);
    }
    assert.equal(cache.size - sizeBefore, 1, 'only the issued encoding is cached');
    assert.ok(cache.heldBytes <= cache.maxBytes);
  });

  it('2,000 unknown project ids are refused without growing the project cache', async () => {
    const projectCache = t.container.projects['cache'];
    const before = projectCache.size;
    for (let i = 0; i < 2000; i += 100) {
      const ids = Array.from({ length: 100 }, () => `p${randomBytes(12).toString('hex')}`);
      const statuses = await Promise.all(ids.map((id) => t.fetch('/account', { headers: { 'x-appwrite-project': id } }).then((r) => r.status)));
      assert.ok(statuses.every((s) => s === 404), `statuses ${[...new Set(statuses)]}`);
    }
    assert.equal(projectCache.size, before);
  });

  it('500 made-up API keys are 401 and none is cached', async () => {
    const keyCache = t.container.keys['cache'];
    const before = keyCache.size;
    for (let i = 0; i < 500; i += 50) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () =>
          t.fetch('/users', { headers: { 'x-appwrite-key': `standard_${randomBytes(32).toString('hex')}` } }).then((r) => r.status),
        ),
      );
      assert.ok(statuses.every((s) => s === 401), `statuses ${[...new Set(statuses)]}`);
    }
    assert.equal(keyCache.size, before);
  });

  it('a guest gets 50 anonymous accounts an hour per IP; the 51st is 429 and creates nothing', async () => {
    const usersBefore = await count('users');
    for (let i = 0; i < 50; i++) {
      const res = await t.fetch('/account/sessions/anonymous', { method: 'POST' });
      assert.equal(res.status, 201, `anonymous session ${i + 1}`);
    }
    const refused = await t.fetch('/account/sessions/anonymous', { method: 'POST' });
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).type, 'general_rate_limit_exceeded');
    assert.equal(await count('users'), usersBefore + 50);
    clock.advance(3_600_000);
    assert.equal((await t.fetch('/account/sessions/anonymous', { method: 'POST' })).status, 201, 'a new hour, a new budget');
  });

  it('failed logins with distinct emails leave one fixed-size counter each, all removed a day later', async () => {
    await t.container.db.deleteFrom('rate_limits').execute();
    for (let i = 0; i < 20; i++) {
      const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email: `nobody${i}-${'y'.repeat(200)}@example.com`, password: 'wrong-pass-1' } });
      assert.equal(res.status, 401);
    }
    const keys = await t.container.db.selectFrom('rate_limits').select('key').execute();
    assert.equal(keys.length, 20);
    assert.ok(keys.every((k) => k.key.length === 64), 'stored as hashes, whatever the email');
    clock.advance(2 * 86_400_000);
    await t.container.maintenance.runOnce();
    assert.equal(await count('rate_limits'), 0);
  });

  it('a body over 1 MB is refused with an Appwrite error body before the route runs', async () => {
    const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email: 'a@example.com', password: 'x'.repeat(1024 * 1024) } });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.deepEqual([body.type, body.message], ['general_argument_invalid', 'Request body is too large.']);
    assert.equal((await t.fetch('/health/version')).status, 200, 'the server still answers');
  });

  it('a header block over 16 kB is 431 with an Appwrite error body, and the server still answers', async () => {
    const res = await t.fetch('/health/version', { headers: { 'x-padding': 'p'.repeat(20_000) } });
    assert.equal(res.status, 431);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = await res.json();
    assert.deepEqual(body, { message: 'The request headers are larger than 16 KiB.', code: 431, type: 'general_bad_request', version: '1.9.6' });
    assert.equal((await t.fetch('/health/version')).status, 200);
  });

  it('bytes that are no HTTP get 400 with an Appwrite error body', async () => {
    const raw = await rawExchange(t.endpoint, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.deepEqual([body.code, body.type], [400, 'general_bad_request']);
  });

  it('a body that stops arriving gets 408 with an Appwrite error body once the request timeout passes', async () => {
    const app = await buildApp(t.container, { requestTimeoutMs: 500 });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const started = performance.now();
      // Promises 100 bytes of body and sends 10.
      const raw = await rawExchange(url, 'POST /v1/account/sessions/email HTTP/1.1\r\nHost: localhost\r\nX-Appwrite-Project: ' + t.projectId + '\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":"');
      const ms = performance.now() - started;
      assert.match(raw, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
      assert.deepEqual(body, { message: 'The request did not arrive within 0.5 seconds.', code: 408, type: 'general_bad_request', version: '1.9.6' });
      assert.ok(ms >= 400 && ms < 5000, `answered after ${ms.toFixed(0)} ms`);
    } finally {
      await app.close();
    }
  });

  it('an unauthenticated 1 MB form body of deeply nested keys is answered promptly', async () => {
    const started = performance.now();
    const res = await t.fetch('/account/sessions/email', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: nestedFormBody(1000 * 1000),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).type, 'general_argument_invalid');
    assert.ok(performance.now() - started < 1000, `took ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('imported hashes above the cost limits are refused at import (bcrypt 31, phpass 2^30, argon2 4 GiB, scrypt 1 GiB)', async () => {
    await expectError(users.createBcryptUser({ userId: ID.unique(), email: 'b31@import.test', password: `$2y$31$${'a'.repeat(53)}` }), 400, 'general_argument_invalid', /bcrypt cost at most 14/);
    await expectError(users.createPHPassUser({ userId: ID.unique(), email: 'p30@import.test', password: phpassWithCount(30) }), 400, 'general_argument_invalid', /phpass/);
    await expectError(
      users.createArgon2User({ userId: ID.unique(), email: 'a4g@import.test', password: '$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA' }),
      400,
      'general_argument_invalid',
      /argon2 memory/,
    );
    await expectError(
      users.createScryptUser({ userId: ID.unique(), email: 's1g@import.test', password: 'ab'.repeat(32), passwordSalt: 'salt', passwordCpu: 1 << 20, passwordMemory: 8, passwordParallel: 1, passwordLength: 64 }),
      400,
      'general_argument_invalid',
      /scrypt memory/,
    );
    const found = await users.list({ queries: [] });
    assert.equal(found.users.some((u) => u.email?.endsWith('@import.test')), false, 'no user was created');
  });

  it('a stored hash above the limits (bcrypt 20, phpass 2^22) fails login at once as a wrong password', async () => {
    const planted = [
      { email: 'planted-bcrypt@example.com', hash: 'bcrypt', password: `$2b$20$${'a'.repeat(53)}` },
      { email: 'planted-phpass@example.com', hash: 'phpass', password: phpassWithCount(22) },
    ];
    for (const p of planted) {
      const user = await users.create({ userId: ID.unique(), email: p.email, password: PASSWORD });
      // As an older version or a direct database import could have left it.
      await t.container.db.updateTable('users').set({ password: p.password, hash: p.hash, hash_options: '{}' }).where('id', '=', user.$id).execute();
      await userChanged(t.container, t.projectId, user.$id);
      const started = performance.now();
      const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email: p.email, password: PASSWORD } });
      const ms = performance.now() - started;
      assert.equal(res.status, 401, p.hash);
      assert.equal((await res.json()).type, 'user_invalid_credentials');
      assert.ok(ms < 2000, `${p.hash} login took ${ms.toFixed(0)} ms`);
    }
  });

  it('a request whose body never finishes arriving is bounded by a request timeout (Fastify sets none)', async () => {
    const app = await buildApp(t.container);
    try {
      assert.ok(app.server.requestTimeout > 0 && app.server.requestTimeout <= 60_000, `requestTimeout ${app.server.requestTimeout}`);
      assert.equal(app.server.requestTimeout, REQUEST_TIMEOUT_MS);
      // Node enforces requestTimeout only while headersTimeout is no longer (else a trickled body waits headersTimeout).
      assert.ok(app.server.headersTimeout > 0 && app.server.headersTimeout <= app.server.requestTimeout, `headersTimeout ${app.server.headersTimeout}`);
      assert.ok(app.server.keepAliveTimeout > 0 && app.server.keepAliveTimeout <= 120_000, `keepAliveTimeout ${app.server.keepAliveTimeout}`);
    } finally {
      await app.close();
    }
  });
});

/** Writes raw bytes to the server and returns everything it sends back until it closes the connection. */
function rawExchange(baseUrl: string, request: string): Promise<string> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (data += d));
    socket.on('close', () => resolve(data));
    socket.on('error', (err) => (data ? resolve(data) : reject(err)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
  });
}
