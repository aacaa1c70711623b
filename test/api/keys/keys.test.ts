import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Client, ID, Users } from 'node-appwrite';
import { describeEachBackend, rejection, startServer, type TestServer } from '../../harness.ts';

/** Every column value of every row, as strings: where a leaked secret would show up. */
function cells(rows: Record<string, unknown>[]): string[] {
  return rows.flatMap((r) => Object.values(r).map((v) => String(v)));
}

describeEachBackend('API keys and stored secrets', (backend) => {
  let t: TestServer;
  let aliceId: string;
  before(async () => {
    t = await startServer(backend);
    const alice = await new Users(t.server()).create({ userId: ID.unique(), email: 'alice@example.com', password: 'alice-password', name: 'Alice' });
    aliceId = alice.$id;
  });
  after(async () => t?.close());

  const keyClient = (secret: string, project = t.projectId) => new Client().setEndpoint(t.endpoint).setProject(project).setKey(secret);
  const newKey = (scopes: string[], opts: { projectId?: string; expire?: number | null } = {}) =>
    t.container.keys.create({ projectId: opts.projectId ?? 'default', id: ID.unique(), name: 'test key', scopes, expire: opts.expire ?? null });

  it('a wrong standard key is 401 user_unauthorized', async () => {
    for (const secret of ['standard_' + 'ab'.repeat(128), 'ab'.repeat(16), t.apiKey.slice(0, -1) + (t.apiKey.endsWith('0') ? '1' : '0')]) {
      const err = await rejection(new Users(keyClient(secret)).list({}));
      assert.deepEqual([err.code, err.type], [401, 'user_unauthorized'], secret.slice(0, 20));
    }
  });

  it("a key of project B used with project A is 401 user_unauthorized and shows nothing of A", async () => {
    await t.container.projects.create('project-b', 'Project B');
    const keyB = await newKey(['users.read', 'users.write', 'sessions.write'], { projectId: 'project-b' });

    const asA = new Users(keyClient(keyB.secret!, 'default'));
    const calls = [() => asA.list({}), () => asA.get({ userId: aliceId }), () => asA.create({ userId: ID.unique(), email: 'intruder@example.com' })];
    for (const call of calls) {
      const err = await rejection(call());
      assert.deepEqual([err.code, err.type], [401, 'user_unauthorized']);
    }
    const viaFetch = await t.fetch(`/users/${aliceId}`, { headers: { 'x-appwrite-key': keyB.secret! } });
    assert.equal(viaFetch.status, 401);
    assert.doesNotMatch(await viaFetch.text(), /alice/i);

    // In its own project the key works, and project A's rows do not exist there.
    const asB = new Users(keyClient(keyB.secret!, 'project-b'));
    assert.equal((await asB.list({})).total, 0);
    const missing = await rejection(asB.get({ userId: aliceId }));
    assert.deepEqual([missing.code, missing.type], [404, 'user_not_found']);
    const login = await rejection(
      new Account(keyClient(keyB.secret!, 'project-b')).createEmailPasswordSession({ email: 'alice@example.com', password: 'alice-password' }),
    );
    assert.equal(login.code, 401);
    const count = await t.container.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', 'default').executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'project A still has only Alice');
  });

  it('an expired key is 401 project_key_expired', async () => {
    const expired = await newKey(['users.read'], { expire: t.container.clock.now() - 1000 });
    const err = await rejection(new Users(keyClient(expired.secret!)).list({}));
    assert.deepEqual([err.code, err.type], [401, 'project_key_expired']);
    const live = await newKey(['users.read'], { expire: t.container.clock.now() + 3_600_000 });
    assert.ok((await new Users(keyClient(live.secret!)).list({})).total >= 1);
  });

  it('a key without users.write is 401 general_unauthorized_scope naming the scope', async () => {
    const readOnly = await newKey(['users.read']);
    const users = new Users(keyClient(readOnly.secret!));
    assert.ok((await users.list({})).total >= 1, 'reading is allowed');
    const err = await rejection(users.create({ userId: ID.unique(), email: 'ro@example.com' }));
    assert.equal(err.code, 401);
    assert.equal(err.type, 'general_unauthorized_scope');
    // Appwrite names a key caller as the project's service user (shared/api.php:162-169,471).
    assert.equal(err.message, 'app.default@service.127.0.0.1 (role: applications) missing scopes (["users.write"])');
    const del = await rejection(users.delete({ userId: aliceId }));
    assert.equal(del.type, 'general_unauthorized_scope');
    assert.equal((await new Users(t.server()).get({ userId: aliceId })).$id, aliceId);
  });

  it('a key never holds the account scope', async () => {
    const err = await rejection(new Account(t.server()).get());
    assert.deepEqual([err.code, err.type], [401, 'general_unauthorized_scope']);
    assert.equal(err.message, 'app.default@service.127.0.0.1 (role: applications) missing scopes (["account"])');
    // Even a key created asking for it cannot: `account` is not a key scope.
    await assert.rejects(newKey(['account']), (e: any) => e.type === 'general_argument_invalid');
  });

  it('keys are stored hashed: no plaintext secret in the keys table', async () => {
    const fresh = await newKey(['users.read']);
    const rows = await t.container.db.selectFrom('keys').selectAll().execute();
    assert.ok(rows.length >= 2);
    const all = cells(rows);
    for (const secret of [t.apiKey, fresh.secret!]) {
      const bare = secret.replace(/^standard_/, '');
      assert.ok(!all.some((v) => v.includes(bare)), 'the secret is not stored');
    }
    const row = rows.find((r) => r.id === fresh.id)!;
    assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
  });

  it('a key records accessedAt and the SDK name after use', async () => {
    const key = await newKey(['users.read']);
    const row = () => t.container.db.selectFrom('keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    const before = await row();
    assert.equal(before.accessed_at, null);
    assert.deepEqual(JSON.parse(before.sdks), []);
    const start = t.container.clock.now();
    await new Users(keyClient(key.secret!)).list({});
    const after = await row();
    assert.ok(after.accessed_at !== null && Number(after.accessed_at) >= start, 'accessedAt is set');
    assert.deepEqual(JSON.parse(after.sdks), ['Node.js']);
    // Another SDK name is added, not substituted.
    const res = await t.fetch('/users', { headers: { 'x-appwrite-key': key.secret!, 'x-sdk-name': 'Web' } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse((await row()).sdks), ['Node.js', 'Web']);
    // The client names its SDK, so the list is bounded: 20 names of at most 64 characters.
    await t.fetch('/users', { headers: { 'x-appwrite-key': key.secret!, 'x-sdk-name': 'x'.repeat(65) } });
    for (let i = 0; i < 30; i++) await t.fetch('/users', { headers: { 'x-appwrite-key': key.secret!, 'x-sdk-name': `sdk-${i}` } });
    const sdks = JSON.parse((await row()).sdks) as string[];
    assert.equal(sdks.length, 20);
    assert.deepEqual(sdks.slice(0, 3), ['Node.js', 'Web', 'sdk-0']);
  });

  it('session secrets are stored hashed: secret_hash is not the cookie secret', async () => {
    const res = await t.fetch('/account/sessions/email', { method: 'POST', json: { email: 'alice@example.com', password: 'alice-password' } });
    assert.equal(res.status, 201);
    const session = await res.json();
    const cookieValue: string = JSON.parse(res.headers.get('x-fallback-cookies')!).a_session_default;
    const { id, secret } = JSON.parse(Buffer.from(cookieValue, 'base64').toString('utf8'));
    assert.equal(id, aliceId);
    assert.ok(secret.length >= 64);
    const rows = await t.container.db.selectFrom('sessions').selectAll().where('id', '=', session.$id).execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].secret_hash, secret);
    assert.notEqual(rows[0].secret_hash, cookieValue);
    assert.ok(!cells(rows).some((v) => v.includes(secret) || v.includes(cookieValue)), 'no column holds the secret');
    // And the stored hash still authenticates the cookie.
    assert.equal((await new Account(t.withSession(cookieValue)).get()).$id, aliceId);
  });

  it('token secrets are stored hashed: secret_hash is not the token secret', async () => {
    const token = await new Users(t.server()).createToken({ userId: aliceId, length: 64 });
    const rows = await t.container.db.selectFrom('tokens').selectAll().where('id', '=', token.$id).execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].secret_hash, token.secret);
    assert.ok(!cells(rows).some((v) => v.includes(token.secret)), 'no column holds the secret');
    const session = await new Account(t.guest()).createSession({ userId: aliceId, secret: token.secret });
    assert.equal(session.userId, aliceId);
  });
});
