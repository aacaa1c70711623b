import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Client, ID, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, expectError, rejection, startServer, type TestServer } from '../../harness.ts';

const PASSWORD = 'correct-horse-1';

/** base64url of a JSON value, for hand-built JWT segments. */
const seg = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describeEachBackend('keys, JWTs and abuse limits against Appwrite\'s source', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  const keyClient = (secret: string) => new Client().setEndpoint(t.endpoint).setProject(t.projectId).setKey(secret);
  const newKey = (scopes: string[]) => t.container.keys.create({ projectId: t.projectId, id: ID.unique(), name: 'conformance', scopes, expire: null });
  const sessionCount = async (userId: string) =>
    Number((await t.container.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n);

  async function signedIn(email: string) {
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    return { user, session, account: new Account(t.withSession(session.secret)) };
  }


  describe('the Users API sessions routes', () => {
    it("a guest cannot create or delete any user's sessions, though guests hold sessions.write", async () => {
      const { user } = await signedIn('victim-guest@example.com');
      const before = await sessionCount(user.$id);
      const create = await t.fetch(`/users/${user.$id}/sessions`, { method: 'POST', json: {} });
      assert.equal(create.status, 401);
      assert.equal((await create.json()).type, 'general_unauthorized_scope');
      for (const path of [`/users/${user.$id}/sessions`, `/users/${user.$id}/sessions/any-session`]) {
        const del = await t.fetch(path, { method: 'DELETE' });
        assert.equal(del.status, 401, path);
        assert.equal((await del.json()).type, 'general_unauthorized_scope');
      }
      assert.equal(await sessionCount(user.$id), before, 'no session created or removed');
    });

    it("a signed-in user cannot create a session for another user or end theirs", async () => {
      const { user: victim } = await signedIn('victim-user@example.com');
      const { session } = await signedIn('attacker@example.com');
      const asAttacker = new Users(t.withSession(session.secret));
      await expectError(asAttacker.createSession({ userId: victim.$id }), 401, 'general_unauthorized_scope');
      await expectError(asAttacker.deleteSessions({ userId: victim.$id }), 401, 'general_unauthorized_scope');
      assert.equal(await sessionCount(victim.$id), 1);
      // A key with users.write still can, and so can a key with sessions.write alone (Appwrite's
      // label lists both): that scope admits keys only.
      const issued = await new Users(keyClient((await newKey(['users.write'])).secret!)).createSession({ userId: victim.$id });
      assert.equal(issued.userId, victim.$id);
      const sessionsKey = new Users(keyClient((await newKey(['sessions.write'])).secret!));
      assert.equal((await sessionsKey.createSession({ userId: victim.$id })).userId, victim.$id);
      await sessionsKey.deleteSessions({ userId: victim.$id });
      assert.equal(await sessionCount(victim.$id), 0);
      const guest = await rejection(new Users(t.guest()).createSession({ userId: victim.$id }));
      assert.match(guest.message, /missing scopes \(\["users.write","sessions.write"\]\)/);
    });
  });

  const usersInProject = async () =>
    Number((await t.container.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', t.projectId).executeTakeFirstOrThrow()).n);

  describe('X-Appwrite-Key', () => {
    it('the secret without its standard_ prefix is 401 user_unauthorized (Appwrite matches the whole header)', async () => {
      const bare = t.apiKey.replace(/^standard_/, '');
      await expectError(new Users(keyClient(bare)).list({}), 401, 'user_unauthorized');
      assert.equal((await new Users(keyClient(t.apiKey)).list({})).total, await usersInProject(), 'the whole header is accepted');
    });

    it('an account_ or organization_ key matching nothing is 401 user_unauthorized', async () => {
      for (const secret of ['account_' + 'ab'.repeat(64), 'organization_' + 'cd'.repeat(64)]) {
        await expectError(new Users(keyClient(secret)).list({}), 401, 'user_unauthorized');
      }
    });

    it('an ephemeral or unknown-prefix key makes the caller a guest', async () => {
      for (const secret of ['ephemeral_a.b.c', 'dynamic_x', 'whatever_123']) {
        const err = await expectError(new Users(keyClient(secret)).list({}), 401, 'general_unauthorized_scope');
        assert.match(err.message, /\(role: guests\)/);
        const res = await t.fetch('/account/sessions/anonymous', { method: 'POST', headers: { 'x-appwrite-key': secret }, json: {} });
        assert.equal(res.status, 201, `${secret} acts as a guest`);
      }
    });

    it("keys accept every scope of Appwrite's project scope list", async () => {
      const key = await newKey(['users.read', 'presences.read', 'schedules.write', 'execution.read', 'embeddings.write', 'vcs.read', 'reports.write']);
      assert.ok(key.scopes.includes('presences.read'));
      assert.equal((await new Users(keyClient(key.secret!)).list({})).total, await usersInProject());
    });
  });

  describe('X-Appwrite-JWT', () => {
    it("an invalid JWT's message names the reason as Appwrite's JWT library does", async () => {
      const { account } = await signedIn('jwt-messages@example.com');
      const { jwt } = await account.createJWT();
      const [h, p, s] = jwt.split('.');
      const cases: [string, string][] = [
        ['garbage', 'Incomplete segments'],
        [`${seg({ typ: 'JWT' })}.${p}.${s}`, 'Missing header algo'],
        [`${seg({ alg: 'none', typ: 'JWT' })}.${p}.`, 'Unsupported header algo'],
        [`${h}.${seg({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), userId: 'someone-else' })}.${s}`, 'Signature failed'],
        [`${seg({ alg: 'HS512', typ: 'JWT' })}.${p}.${s}`, 'Signature failed'],
      ];
      for (const [token, reason] of cases) {
        const err = await expectError(new Account(t.withJwt(token)).get(), 401, 'user_jwt_invalid');
        assert.equal(err.message, `Failed to verify JWT. Invalid token: ${reason}`);
      }
    });

    it('an expired JWT says "Invalid token: Expired" from its exp second on', async () => {
      const { account } = await signedIn('jwt-expired@example.com');
      const { jwt } = await account.createJWT({ duration: 5 });
      const viaJwt = new Account(t.withJwt(jwt));
      clock.advance(4_000);
      await viaJwt.get();
      clock.advance(1_000);
      const err = await expectError(viaJwt.get(), 401, 'user_jwt_invalid');
      assert.equal(err.message, 'Failed to verify JWT. Invalid token: Expired');
    });

    it("a JWT issued a moment ahead of this process's clock is accepted (another process minted it)", async () => {
      const { user, account } = await signedIn('jwt-skew@example.com');
      const { jwt } = await account.createJWT();
      clock.advance(-3_000);
      try {
        assert.equal((await new Account(t.withJwt(jwt)).get()).$id, user.$id);
      } finally {
        clock.advance(3_000);
      }
    });

    it('a JWT of a blocked user is 403 user_blocked, with or without a session, until unblocked', async () => {
      const { user, account } = await signedIn('jwt-blocked@example.com');
      const bound = (await account.createJWT()).jwt;
      const sessionless = (await users.createJWT({ userId: user.$id, sessionId: 'none-such' })).jwt;
      await users.updateStatus({ userId: user.$id, status: false });
      for (const jwt of [bound, sessionless]) await expectError(new Account(t.withJwt(jwt)).get(), 403, 'user_blocked');
      await users.updateStatus({ userId: user.$id, status: true });
      assert.equal((await new Account(t.withJwt(bound)).get()).$id, user.$id);
    });
  });

  describe('abuse limits', () => {
    const exchange = (path: string, method: string, userId: string, secret: string) => t.fetch(path, { method, json: { userId, secret } });
    const remaining = (res: Response) => Number(res.headers.get('x-ratelimit-remaining'));

    it('a phone-session login does not reset its counter; a token login does', async () => {
      for (const [path, method, resets] of [['/account/sessions/phone', 'PUT', false], ['/account/sessions/token', 'POST', true]] as const) {
        const user = await users.create({ userId: ID.unique(), email: `${method.toLowerCase()}-reset@example.com`, password: PASSWORD });
        const bad = await exchange(path, method, user.$id, 'wrong-secret');
        assert.equal(bad.status, 401, path);
        assert.equal(remaining(bad), 9);
        const token = await users.createToken({ userId: user.$id });
        const ok = await exchange(path, method, user.$id, token.secret);
        assert.equal(ok.status, 201, path);
        assert.equal(remaining(ok), 8);
        const after = await exchange(path, method, user.$id, 'wrong-secret');
        assert.equal(remaining(after), resets ? 9 : 7, `${path} ${resets ? 'resets' : 'keeps counting'}`);
      }
    });
  });

  describe('GET /v1/ping', () => {
    it('answers Pong! for a project, with any caller', async () => {
      // The SDK wraps a text body as {message}.
      assert.deepEqual(await t.guest().ping(), { message: 'Pong!' });
      assert.deepEqual(await t.server().ping(), { message: 'Pong!' });
      const res = await t.fetch('/ping');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), 'Pong!');
    });

    it('without a project, for the console or an unknown project it is 404 project_not_found', async () => {
      for (const headers of [{}, { 'x-appwrite-project': 'console' }, { 'x-appwrite-project': 'no-such-project' }] as Record<string, string>[]) {
        const res = await fetch(`${t.endpoint}/ping`, { headers });
        assert.equal(res.status, 404, JSON.stringify(headers));
        assert.equal((await res.json()).type, 'project_not_found');
      }
    });

    it('a wrong key is still refused: 401 user_unauthorized', async () => {
      await expectError(keyClient('standard_' + 'ef'.repeat(128)).ping(), 401, 'user_unauthorized');
    });
  });
});
