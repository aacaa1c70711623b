import { it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, ProjectPolicyId, Users } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';

describeEachBackend('project policies: sessions and users', (backend) => {
  let t: TestServer;
  let project: Project;
  let users: Users;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    project = new Project(t.server());
    users = new Users(t.server());
  });
  afterEach(async () => t.restoreSettings());
  after(async () => t?.close());

  /** A guest's email/password login; returns the session secret a client would keep. */
  async function login(email: string, password: string): Promise<string> {
    const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email, password } });
    assert.equal(res.status, 201);
    return JSON.parse(res.headers.get('x-fallback-cookies')!)[`a_session_${t.projectId}`];
  }

  it('session limit: 20 concurrent logins of one user all succeed and leave exactly the limit (3), the newest', async () => {
    await project.updateSessionLimitPolicy({ total: 3 });
    const user = await users.create({ userId: ID.unique(), email: 'racer@example.com' });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => users.createToken({ userId: user.$id, length: 64 })));
    const results = await Promise.all(
      tokens.map((token) => t.fetch('/account/sessions/token', { method: 'POST', json: { userId: user.$id, secret: token.secret } })),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
    const created = await Promise.all(results.map((r) => r.json()));
    const sessions = await users.listSessions({ userId: user.$id });
    assert.equal(sessions.total, 3);
    const newestThree = created.map((s) => s.$id).sort().slice(-3);
    assert.deepEqual(sessions.sessions.map((s) => s.$id).sort(), newestThree);
  });

  it('session limit: out of range (0, 101) is 400 and the limit in force is unchanged', async () => {
    await expectError(project.updateSessionLimitPolicy({ total: 0 }), 400, 'general_argument_invalid');
    await expectError(project.updateSessionLimitPolicy({ total: 101 }), 400, 'general_argument_invalid');
    assert.equal((await project.getPolicy({ policyId: ProjectPolicyId.Sessionlimit }) as { total: number }).total, 10);
  });

  it('session duration: new sessions expire after the configured seconds', async () => {
    await project.updateSessionDurationPolicy({ duration: 120 });
    const user = await users.create({ userId: ID.unique(), email: 'short@example.com', password: 'password-123' });
    const secret = await login('short@example.com', 'password-123');
    const session = await new Account(t.withSession(secret)).getSession({ sessionId: 'current' });
    assert.equal(session.userId, user.$id);
    assert.equal(Date.parse(session.expire) - Date.parse(session.$createdAt), 120_000);
    await expectError(project.updateSessionDurationPolicy({ duration: 59 }), 400, 'general_argument_invalid');
  });

  it('session invalidation on: a password change through the account ends the other sessions only', async () => {
    await project.updateSessionInvalidationPolicy({ enabled: true });
    await users.create({ userId: ID.unique(), email: 'inval@example.com', password: 'password-123' });
    const [mine, other] = [await login('inval@example.com', 'password-123'), await login('inval@example.com', 'password-123')];
    await new Account(t.withSession(mine)).updatePassword({ password: 'password-456', oldPassword: 'password-123' });
    await new Account(t.withSession(mine)).get();
    await expectError(new Account(t.withSession(other)).get(), 401, 'general_unauthorized_scope');
  });

  it('session invalidation off: the other sessions survive a password change', async () => {
    await project.updateSessionInvalidationPolicy({ enabled: false });
    assert.equal((await project.getPolicy({ policyId: ProjectPolicyId.Sessioninvalidation }) as { enabled: boolean }).enabled, false);
    await users.create({ userId: ID.unique(), email: 'keep@example.com', password: 'password-123' });
    const [mine, other] = [await login('keep@example.com', 'password-123'), await login('keep@example.com', 'password-123')];
    await new Account(t.withSession(mine)).updatePassword({ password: 'password-456', oldPassword: 'password-123' });
    await new Account(t.withSession(other)).get();
  });

  it('user limit: sign-ups stop at the limit (user_count_exceeded); the Users API still creates; null lifts it', async () => {
    const { total } = await users.list();
    await project.updateUserLimitPolicy({ total: total + 1 });
    const account = new Account(t.guest());
    await account.create({ userId: ID.unique(), email: 'last@example.com', password: 'password-123' });
    await expectError(account.create({ userId: ID.unique(), email: 'over@example.com', password: 'password-123' }), 400, 'user_count_exceeded');
    await expectError(account.createAnonymousSession(), 400, 'user_count_exceeded');
    await users.create({ userId: ID.unique(), email: 'by-key@example.com' });
    await project.updateUserLimitPolicy({ total: null as unknown as number });
    assert.equal((await project.getPolicy({ policyId: ProjectPolicyId.Userlimit }) as { total: number }).total, 0);
    await account.create({ userId: ID.unique(), email: 'over@example.com', password: 'password-123' });
  });

  it('user limit: of 10 simultaneous sign-ups (accounts and anonymous) only as many as the limit leaves room for succeed', async () => {
    const { total } = await users.list();
    await project.updateUserLimitPolicy({ total: total + 3 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? t.fetch('/account/sessions/anonymous', { method: 'POST' })
          : t.fetch('/account', { method: 'POST', json: { userId: ID.unique(), email: `rush${i}@example.com`, password: 'password-123' } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 3, statuses.join(','));
    for (const r of results.filter((x) => x.status !== 201)) assert.deepEqual([r.status, (await r.json()).type], [400, 'user_count_exceeded']);
    assert.equal((await users.list()).total, total + 3);
  });
});
