import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../harness.ts';

/** Invariants that must hold when requests race, kept by the database rather than by luck. */
describeEachBackend('invariants under concurrency', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
  });
  after(async () => t?.close());

  it('one email per project: 10 concurrent sign-ups with one email give one 201 and nine 409 user_already_exists', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.fetch('/account', { method: 'POST', json: { userId: `racer${i}`, email: i % 2 ? 'Race@Example.com' : 'race@example.com', password: 'password-123' } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    for (const r of results.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409);
      assert.equal((await r.json()).type, 'user_already_exists');
    }
    const rows = await t.container.db.selectFrom('users').select('id').where('email', '=', 'race@example.com').execute();
    assert.equal(rows.length, 1);
  });

  it('one phone per project: concurrent Users API creates with one phone leave one user', async () => {
    const users = new Users(t.server());
    const settled = await Promise.allSettled(Array.from({ length: 8 }, () => users.create({ userId: ID.unique(), phone: '+15550001111' })));
    assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 1);
    for (const s of settled) if (s.status === 'rejected') assert.equal((s.reason as { type: string }).type, 'user_already_exists');
    const rows = await t.container.db.selectFrom('users').select('id').where('phone', '=', '+15550001111').execute();
    assert.equal(rows.length, 1);
  });

  it('the session limit holds when 16 logins of one user race (default limit 10)', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'many@example.com', password: 'password-123' });
    const results = await Promise.all(
      Array.from({ length: 16 }, () => t.fetch('/account/sessions/email', { method: 'POST', json: { email: 'many@example.com', password: 'password-123' } })),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
    const sessions = await users.listSessions({ userId: user.$id });
    assert.equal(sessions.total, 10);
  });

  it('a session deleted while it is being used is refused from then on', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'gone@example.com', password: 'password-123' });
    const session = await users.createSession({ userId: user.$id });
    const use = () => t.fetch('/account', { headers: { 'x-appwrite-session': session.secret } });
    assert.equal((await use()).status, 200);
    const during = Promise.all(Array.from({ length: 10 }, use));
    await users.deleteSession({ userId: user.$id, sessionId: session.$id });
    await during;
    for (let i = 0; i < 5; i++) assert.equal((await use()).status, 401);
  });
});
