import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { ID, Users } from 'node-appwrite';
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { buildApp } from '../../src/app.ts';
import { backends, FakeClock, rawHttp, startServer, TEST_SERVER_KEY, type TestServer } from '../harness.ts';

const PASSWORD = 'correct-password-1';

for (const backend of backends()) {
  describe(`abuse limits on email/password login [${backend}]`, () => {
    let t: TestServer;
    const clock = FakeClock.atHourStart();
    before(async () => {
      t = await startServer(backend, { clock });
    });
    after(async () => t?.close());

    async function createUser(email: string) {
      await new Users(t.server()).create({ userId: ID.unique(), email, password: PASSWORD });
    }

    function login(email: string, password: string, opts: { endpoint?: string; key?: string } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-appwrite-project': t.projectId };
      if (opts.key) headers['x-appwrite-key'] = opts.key;
      return fetch(`${opts.endpoint ?? t.endpoint}/account/sessions/email`, { method: 'POST', headers, body: JSON.stringify({ email, password }) });
    }

    async function failTimes(email: string, n: number, firstRemaining: number, endpoints?: string[]) {
      for (let i = 0; i < n; i++) {
        const res = await login(email, 'wrong-password-x', { endpoint: endpoints?.[i % endpoints.length] });
        assert.equal(res.status, 401, `attempt ${i + 1}`);
        assert.equal((await res.json()).type, 'user_invalid_credentials');
        assert.equal(res.headers.get('x-ratelimit-limit'), '10');
        assert.equal(res.headers.get('x-ratelimit-remaining'), String(firstRemaining - i), `attempt ${i + 1}`);
      }
    }

    async function assertLimited(res: Response) {
      assert.equal(res.status, 429);
      assert.equal((await res.json()).type, 'general_rate_limit_exceeded');
      assert.equal(res.headers.get('x-ratelimit-limit'), '10');
      assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
    }

    it('10 wrong passwords for one email count down, the 11th attempt is 429 even with the right password', async () => {
      await createUser('victim@example.com');
      await failTimes('victim@example.com', 10, 9);
      const blocked = await login('victim@example.com', 'wrong-password-x');
      await assertLimited(blocked);
      const reset = Number(blocked.headers.get('x-ratelimit-reset'));
      const nowS = clock.now() / 1000;
      assert.ok(reset > nowS && reset <= nowS + 3600, `reset ${reset} is within the hour`);
      await assertLimited(await login('victim@example.com', PASSWORD));
      const sessions = await t.container.db.selectFrom('sessions').select('id').execute();
      assert.equal(sessions.length, 0, 'no session was created while limited');
    });

    it('another email is not affected', async () => {
      await createUser('bystander@example.com');
      await failTimes('bystander@example.com', 1, 9);
      const ok = await login('bystander@example.com', PASSWORD);
      assert.equal(ok.status, 201);
    });

    it('a successful login resets the counter for that email', async () => {
      await createUser('forgetful@example.com');
      await failTimes('forgetful@example.com', 5, 9);
      const ok = await login('forgetful@example.com', PASSWORD);
      assert.equal(ok.status, 201);
      // A fresh window of 10: the next failures count from 9 again.
      await failTimes('forgetful@example.com', 10, 9);
      await assertLimited(await login('forgetful@example.com', PASSWORD));
    });

    it('after the window has passed the email may try again', async () => {
      await createUser('patient@example.com');
      await failTimes('patient@example.com', 10, 9);
      await assertLimited(await login('patient@example.com', PASSWORD));
      clock.advance(3_600_000);
      await failTimes('patient@example.com', 1, 9);
      assert.equal((await login('patient@example.com', PASSWORD)).status, 201);
    });

    it('changing the email casing or the Host header does not buy more attempts', async () => {
      await createUser('mixed@example.com');
      const attempt = async (email: string, host: string) => {
        const res = await rawHttp(t.endpoint, {
          method: 'POST',
          path: '/v1/account/sessions/email',
          headers: { host, 'content-type': 'application/json', 'x-appwrite-project': t.projectId },
          body: JSON.stringify({ email, password: 'wrong-password-x' }),
        });
        return { status: res.status, remaining: res.headers['x-ratelimit-remaining'] };
      };
      for (let i = 0; i < 10; i++) {
        const email = i % 2 ? 'MIXED@example.com' : 'Mixed@Example.com';
        const res = await attempt(email, `h${i}.example.net`);
        assert.deepEqual(res, { status: 401, remaining: String(9 - i) }, `attempt ${i + 1}`);
      }
      assert.equal((await attempt('mixed@EXAMPLE.COM', 'elsewhere.example')).status, 429);
      await assertLimited(await login('mixed@example.com', PASSWORD));
    });

    it('API-key callers are never limited or counted, but see the X-RateLimit-* headers (as Appwrite)', async () => {
      await createUser('server-side@example.com');
      await failTimes('server-side@example.com', 2, 9);
      for (let i = 0; i < 15; i++) {
        const res = await login('server-side@example.com', 'wrong-password-x', { key: t.apiKey });
        assert.equal(res.status, 401);
        assert.equal((await res.json()).type, 'user_invalid_credentials');
        assert.equal(res.headers.get('x-ratelimit-limit'), '10');
        assert.equal(res.headers.get('x-ratelimit-remaining'), '7', 'two guest attempts counted, this one would be the third');
      }
      const ok = await login('server-side@example.com', PASSWORD, { key: t.apiKey });
      assert.equal(ok.status, 201);
      // Key calls did not consume the guests' budget either.
      await failTimes('server-side@example.com', 1, 9);
    });

    it('the limit holds across two server processes sharing one database', async () => {
      const config = loadConfig({
        TESSERA_DATABASE_URL: t.databaseUrl,
        TESSERA_DATA_DIR: t.container.config.dataDir,
        TESSERA_PORT: '0',
        TESSERA_HOST: '127.0.0.1',
        TESSERA_SECRET_KEY: TEST_SERVER_KEY,
      });
      const container2 = await createContainer(config, { clock, logger: pino({ level: 'silent' }) });
      const app2 = await buildApp(container2);
      try {
        await app2.listen({ port: 0, host: '127.0.0.1' });
        const endpoint2 = `http://127.0.0.1:${(app2.server.address() as AddressInfo).port}/v1`;
        await createUser('shared@example.com');
        await failTimes('shared@example.com', 10, 9, [t.endpoint, endpoint2]);
        await assertLimited(await login('shared@example.com', PASSWORD, { endpoint: t.endpoint }));
        await assertLimited(await login('shared@example.com', PASSWORD, { endpoint: endpoint2 }));
      } finally {
        await app2.close();
        await container2.close();
      }
    });
  });

  describe(`abuse limits disabled [${backend}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    });
    after(async () => t?.close());

    it('TESSERA_ABUSE_LIMITS=disabled lets every attempt through without rate headers', async () => {
      await new Users(t.server()).create({ userId: ID.unique(), email: 'bench@example.com', password: PASSWORD });
      for (let i = 0; i < 13; i++) {
        const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email: 'bench@example.com', password: 'wrong-password-x' } });
        assert.equal(res.status, 401);
        assert.equal((await res.json()).type, 'user_invalid_credentials');
        assert.equal(res.headers.get('x-ratelimit-limit'), null);
      }
      const ok = await t.fetch('/account/sessions/email', { method: 'POST', json: { email: 'bench@example.com', password: PASSWORD } });
      assert.equal(ok.status, 201);
      const rows = await t.container.db.selectFrom('rate_limits').selectAll().execute();
      assert.equal(rows.length, 0, 'nothing is counted');
    });
  });
}
