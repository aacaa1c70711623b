import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../../harness.ts';

/**
 * A passwordless token request for an unknown email (which creates the user) must cost about what
 * one for a known email costs, so response time does not tell which accounts exist.
 */
describeEachBackend('passwordless token timing does not reveal accounts', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  before(async () => {
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url, TESSERA_ABUSE_LIMITS: 'disabled' } });
    await new Users(t.server()).create({ userId: ID.unique(), email: 'timing.known@example.com' });
  });
  after(async () => {
    await t?.close();
    await mail?.close();
  });

  async function medianMs(path: string, email: (i: number) => string): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < 11; i++) {
      const start = performance.now();
      const res = await t.fetch(path, { method: 'POST', json: { userId: 'unique()', email: email(i) } });
      times.push(performance.now() - start);
      assert.equal(res.status, 201);
    }
    return times.sort((a, b) => a - b)[5];
  }

  for (const path of ['/account/tokens/magic-url', '/account/tokens/email']) {
    it(`${path}: an unknown email takes about as long as a known one`, async () => {
      await medianMs(path, (i) => `warmup.${i}.${path.length}@example.com`);
      const known = await medianMs(path, () => 'timing.known@example.com');
      const unknown = await medianMs(path, (i) => `timing.new.${i}.${path.length}@example.com`);
      // A hash on one branch only (an argon2id password, say) would take tens of milliseconds more.
      const report = `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`;
      assert.ok(unknown < known * 3 + 5, report);
      assert.ok(known < unknown * 3 + 5, report);
    });
  }
});
