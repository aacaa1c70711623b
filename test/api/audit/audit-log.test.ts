import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Query, Teams, Users, type Models } from 'node-appwrite';
import { describeEachBackend, eventually, expectError, FakeClock, startServer, type TestServer } from '../../harness.ts';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const DAY = 86_400_000;

describeEachBackend('audit log', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock, env: { TESSERA_ABUSE_LIMITS: 'disabled', TESSERA_AUDIT_RETENTION_DAYS: '30' } });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /** A user's log once it holds `n` entries (entries are written just after their change commits). */
  async function logsOf(userId: string, n: number): Promise<Models.LogList> {
    await eventually(async () => (await users.listLogs({ userId })).total, n);
    return users.listLogs({ userId });
  }

  async function login(email: string, password: string): Promise<string> {
    const res = await t.fetch('/account/sessions/email', { method: 'POST', headers: { 'user-agent': FIREFOX }, json: { email, password } });
    assert.equal(res.status, 201);
    return JSON.parse(res.headers.get('x-fallback-cookies')!)[`a_session_${t.projectId}`];
  }

  it('a login and a password change are listed newest first with the actor, address and device (account.listLogs)', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'audited@example.com', password: 'password-123', name: 'Ada' });
    const secret = await login('audited@example.com', 'password-123');
    const account = new Account(t.withSession(secret));
    await account.updatePassword({ password: 'password-456', oldPassword: 'password-123' });
    // user.create (key), session.create, user.update (password), session.delete (the other sessions end)
    await logsOf(user.$id, 4);
    const mine = await account.listLogs();
    assert.equal(mine.total, 4);
    assert.deepEqual(mine.logs.map((l) => l.event), ['session.delete', 'user.update', 'session.create', 'user.create']);
    const [, change, created] = mine.logs;
    for (const entry of [change, created]) {
      assert.deepEqual([entry.userId, entry.userEmail, entry.userName, entry.userType, entry.mode], [user.$id, 'audited@example.com', 'Ada', 'user', 'default']);
      assert.equal(entry.ip, '127.0.0.1');
      assert.equal(entry.countryCode, '--');
    }
    // The login came from the browser; the change from node-appwrite (its own agent).
    assert.deepEqual([created.clientName, created.osName], ['Firefox', 'GNU/Linux']);
    assert.notEqual(change.clientName, 'Firefox');
    assert.deepEqual([mine.logs[3].userType, mine.logs[3].mode], ['keyProject', 'admin']);
  });

  it('changes made with an API key are logged with the key as actor in admin mode (users.listLogs)', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'blocked@example.com' });
    await users.updateStatus({ userId: user.$id, status: false });
    const token = await users.createToken({ userId: user.$id });
    const { logs } = await logsOf(user.$id, 3);
    assert.deepEqual(logs.map((l) => l.event), ['token.create', 'user.update', 'user.create']);
    const keyName = (await t.container.db.selectFrom('keys').select('name').where('project_id', '=', t.projectId).executeTakeFirstOrThrow()).name;
    for (const l of logs) assert.deepEqual([l.userType, l.mode, l.userEmail, l.userName], ['keyProject', 'admin', '', keyName]);
    const rows = await t.container.db.selectFrom('audit_logs').selectAll().where('user_id', '=', user.$id).execute();
    assert.ok(rows.every((r) => r.actor_id !== '' && r.actor_id !== user.$id), 'the key is named');
    assert.ok(!JSON.stringify(rows).includes(token.secret), 'the token secret is never stored');
  });

  it("membership changes go in the member's log, with the team and membership as resource", async () => {
    const user = await users.create({ userId: ID.unique(), email: 'member-audit@example.com' });
    const teams = new Teams(t.server());
    const team = await teams.create({ teamId: ID.unique(), name: 'Audited' });
    const m = await teams.createMembership({ teamId: team.$id, roles: ['editor'], userId: user.$id });
    await teams.updateMembership({ teamId: team.$id, membershipId: m.$id, roles: ['admin'] });
    await teams.deleteMembership({ teamId: team.$id, membershipId: m.$id });
    const { logs } = await logsOf(user.$id, 4);
    assert.deepEqual(logs.map((l) => l.event), ['membership.delete', 'membership.update', 'membership.create', 'user.create']);
    const rows = await t.container.db.selectFrom('audit_logs').select('resource').where('user_id', '=', user.$id).where('event', '=', 'membership.create').execute();
    assert.deepEqual(rows.map((r) => r.resource), [`team/${team.$id}/membership/${m.$id}`]);
  });

  it('limit and offset page the log; other queries are 400; an unknown user is 404', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'paged@example.com' });
    for (const name of ['a', 'b', 'c']) await users.updateName({ userId: user.$id, name });
    await logsOf(user.$id, 4);
    const page = await users.listLogs({ userId: user.$id, queries: [Query.limit(2), Query.offset(1)] });
    assert.deepEqual([page.total, page.logs.length], [4, 2]);
    const noTotal = await users.listLogs({ userId: user.$id, queries: [Query.limit(1)], total: false });
    assert.deepEqual([noTotal.total, noTotal.logs.length], [0, 1]);
    await expectError(users.listLogs({ userId: user.$id, queries: [Query.equal('event', 'user.update')] }), 400, 'general_argument_invalid');
    await expectError(users.listLogs({ userId: 'nobody' }), 404, 'user_not_found');
  });

  it('the log never stores a password or its hash', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'secretive@example.com', password: 'hunter2-hunter2' });
    await users.updatePassword({ userId: user.$id, password: 'correct-horse-battery' });
    await logsOf(user.$id, 3);
    const dump = JSON.stringify(await t.container.db.selectFrom('audit_logs').selectAll().execute());
    const hash = (await t.container.db.selectFrom('users').select('password').where('id', '=', user.$id).executeTakeFirstOrThrow()).password!;
    for (const secret of ['hunter2-hunter2', 'correct-horse-battery', hash]) assert.ok(!dump.includes(secret));
  });

  it('entries older than the retention period are pruned by the maintenance job; newer ones stay', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'old@example.com' });
    await logsOf(user.$id, 1);
    clock.advance(20 * DAY);
    await users.updateName({ userId: user.$id, name: 'newer' });
    await logsOf(user.$id, 2);
    clock.advance(11 * DAY);
    const removed = await t.container.maintenance.runOnce();
    assert.ok(removed.auditLogs >= 1);
    const { logs } = await logsOf(user.$id, 1);
    assert.deepEqual(logs.map((l) => l.event), ['user.update']);
  });
});
