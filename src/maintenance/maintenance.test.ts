import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import pino from 'pino';
import { describeEachBackend, FakeClock, projectChanged, startServer, type TestServer } from '../../test/harness.ts';
import { MaintenanceService } from './maintenance.service.ts';

describeEachBackend('maintenance removes only rows nothing can use', (backend) => {
  let t: TestServer;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
  });
  after(async () => t?.close());

  const count = async (table: 'tokens' | 'sessions' | 'rate_limits') =>
    Number((await t.container.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('deletes expired tokens and sessions and old abuse counters, keeps the live ones', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'm@example.com', password: 'password-123' });
    await users.createToken({ userId: user.$id, expire: 60 });
    const live = await users.createToken({ userId: user.$id, expire: 7200 });
    await t.fetch('/account/sessions/email', { method: 'POST', json: { email: 'm@example.com', password: 'wrong-password' } });
    await t.container.db.updateTable('projects').set({ settings: JSON.stringify({ auths: { duration: 120 } }) }).where('id', '=', 'default').execute();
    await projectChanged(t.container, 'default');
    const short = await users.createSession({ userId: user.$id });
    assert.equal(await count('tokens'), 2);
    assert.equal(await count('rate_limits'), 1);

    clock.advance(61_000);
    assert.deepEqual(await t.container.maintenance.runOnce(), { tokens: 1, sessions: 0, rateLimits: 0, auditLogs: 0 });
    assert.equal(await count('tokens'), 1);

    clock.advance(60_000);
    assert.deepEqual(await t.container.maintenance.runOnce(), { tokens: 0, sessions: 1, rateLimits: 0, auditLogs: 0 });
    assert.equal((await users.listSessions({ userId: user.$id })).sessions.some((s) => s.$id === short.$id), false);

    clock.advance(2 * 86_400_000);
    const r = await t.container.maintenance.runOnce();
    assert.equal(r.rateLimits, 1);
    assert.equal(r.tokens, 1, `token ${live.$id} expired by now too`);
    assert.equal(await count('rate_limits'), 0);
  });

  it('removes a backlog in batches until none is left, and keeps live rows', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'backlog@example.com', password: 'password-123' });
    for (let i = 0; i < 10; i++) await users.createToken({ userId: user.$id, expire: 60 });
    const live = await users.createToken({ userId: user.$id, expire: 3600 });
    clock.advance(61_000);
    const small = new MaintenanceService(t.container.db, clock, pino({ level: 'silent' }), 3);
    assert.deepEqual(await small.runOnce(), { tokens: 10, sessions: 0, rateLimits: 0 }, 'four batches of at most 3');
    const left = await t.container.db.selectFrom('tokens').select('id').where('user_id', '=', user.$id).execute();
    assert.deepEqual(left.map((r) => r.id), [live.$id]);
  });
});
