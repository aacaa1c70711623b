import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../harness.ts';

describeEachBackend('memory bounds', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_SESSION_CACHE_MB: '1' } });
  });
  after(async () => t?.close());

  it('the session cache holds no more than TESSERA_SESSION_CACHE_MB, and sessions past it still answer from the database', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'many@example.com' });
    const secrets: string[] = [];
    for (let i = 0; i < 400; i++) secrets.push((await users.createSession({ userId: user.$id })).secret);
    for (const secret of secrets) {
      const res = await t.fetch('/account', { headers: { 'x-appwrite-session': secret } });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).$id, user.$id);
    }
    const cache = t.container.sessions.cache;
    assert.equal(cache.maxBytes, 1024 * 1024);
    assert.ok(cache.heldBytes <= 1024 * 1024, `held ${cache.heldBytes} bytes`);
    assert.ok(cache.size > 0 && cache.size < 400, `${cache.size} entries cached`);
  });
});
