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

  async function timedMs(path: string, email: string): Promise<number> {
    const start = performance.now();
    const res = await t.fetch(path, { method: 'POST', json: { userId: 'unique()', email } });
    const ms = performance.now() - start;
    assert.equal(res.status, 201);
    return ms;
  }

  /**
   * Median times of known and unknown requests taken in turn (known, unknown, known, …), so that a slow
   * moment of this shared machine (other test files run beside this one) falls on both alike.
   */
  async function interleavedMediansMs(path: string, unknownEmail: (i: number) => string): Promise<{ known: number; unknown: number }> {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 11; i++) {
      known.push(await timedMs(path, 'timing.known@example.com'));
      unknown.push(await timedMs(path, unknownEmail(i)));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[5];
    return { known: median(known), unknown: median(unknown) };
  }

  for (const path of ['/account/tokens/magic-url', '/account/tokens/email']) {
    it(`${path}: an unknown email takes about as long as a known one`, async () => {
      await interleavedMediansMs(path, (i) => `warmup.${i}.${path.length}@example.com`);
      const { known, unknown } = await interleavedMediansMs(path, (i) => `timing.new.${i}.${path.length}@example.com`);
      // A hash on one branch only (an argon2id password, say) would take tens of milliseconds more.
      const report = `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`;
      assert.ok(unknown < known * 3 + 5, report);
      assert.ok(known < unknown * 3 + 5, report);
    });
  }
});
