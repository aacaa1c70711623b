import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../harness.ts';

describeEachBackend('behind a reverse proxy', (backend) => {
  let trusted: TestServer;
  let direct: TestServer;
  before(async () => {
    trusted = await startServer(backend, { env: { TESSERA_TRUST_PROXY: '127.0.0.1' } });
    direct = await startServer(backend);
  });
  after(async () => {
    await trusted?.close();
    await direct?.close();
  });

  async function loginIp(t: TestServer, forwardedFor: string) {
    await new Users(t.server()).create({ userId: ID.unique(), email: `p${forwardedFor}@example.com`, password: 'password-123' });
    const res = await t.fetch('/account/sessions/email', {
      method: 'POST',
      headers: { 'x-forwarded-for': forwardedFor },
      json: { email: `p${forwardedFor}@example.com`, password: 'password-123' },
    });
    assert.equal(res.status, 201);
    return (await res.json()).ip as string;
  }

  it('with TESSERA_TRUST_PROXY the client address comes from X-Forwarded-For', async () => {
    assert.equal(await loginIp(trusted, '203.0.113.7'), '203.0.113.7');
  });

  it('without it X-Forwarded-For is ignored, so a client cannot pick its address', async () => {
    assert.equal(await loginIp(direct, '203.0.113.8'), '127.0.0.1');
  });

  it('per-IP abuse limits count each forwarded client separately behind a trusted proxy', async () => {
    const signUp = (ip: string, i: number) =>
      trusted.fetch('/account', { method: 'POST', headers: { 'x-forwarded-for': ip }, json: { userId: ID.unique(), email: `s${i}-${ip}@example.com`, password: 'password-123' } });
    for (let i = 0; i < 10; i++) assert.equal((await signUp('198.51.100.1', i)).status, 201);
    const limited = await signUp('198.51.100.1', 10);
    assert.equal(limited.status, 429);
    assert.equal((await limited.json()).type, 'general_rate_limit_exceeded');
    assert.equal((await signUp('198.51.100.2', 0)).status, 201, 'another client behind the same proxy has its own budget');
  });
});
