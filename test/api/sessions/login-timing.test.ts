import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../harness.ts';

/** Response time must not tell which accounts exist: an unknown email costs an argon2id verification too. */
describeEachBackend('login timing does not reveal accounts', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    await new Users(t.server()).create({ userId: ID.unique(), email: 'known@example.com', password: 'the-real-password' });
  });
  after(async () => t?.close());

  async function timedMs(email: string): Promise<number> {
    const start = performance.now();
    const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email, password: 'a-wrong-password' } });
    const ms = performance.now() - start;
    assert.equal(res.status, 401);
    assert.equal((await res.json()).type, 'user_invalid_credentials');
    return ms;
  }

  /** Medians of wrong-password and unknown-email logins taken in turn, so a slow moment of the machine falls on both. */
  async function interleavedMediansMs(): Promise<{ wrongPassword: number; unknownEmail: number }> {
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i++) {
      wrong.push(await timedMs('known@example.com'));
      unknown.push(await timedMs('nobody@example.com'));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[4];
    return { wrongPassword: median(wrong), unknownEmail: median(unknown) };
  }

  it('an unknown email takes about as long as a wrong password', async () => {
    for (let i = 0; i < 3; i++) await timedMs('warmup@example.com');
    const { wrongPassword, unknownEmail } = await interleavedMediansMs();
    // Without the dummy verification an unknown email answers ~10x faster than a wrong password.
    assert.ok(unknownEmail > wrongPassword * 0.5, `unknown ${unknownEmail.toFixed(1)} ms vs wrong password ${wrongPassword.toFixed(1)} ms`);
    assert.ok(unknownEmail < wrongPassword * 2, `unknown ${unknownEmail.toFixed(1)} ms vs wrong password ${wrongPassword.toFixed(1)} ms`);
  });
});
