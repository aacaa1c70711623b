import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { Account, Client, ID, Query, Users } from 'node-appwrite';
import { PROVIDER_IDS } from '../../src/oauth2/providers.ts';
import { buildApp } from '../../src/app.ts';
import { KEY_SCOPES } from '../../src/keys/keys.ts';
import { describeEachBackend, expectError, FakeClock, startServer, type TestServer } from '../harness.ts';

/**
 * An attacker's view of the HTTP API: cross-project isolation, every route's privilege gate,
 * secrets in responses, hostile parsing input, and replay of ended credentials. Each attack
 * asserts the refusal (status and Appwrite type) and that the database did not change.
 */

const PASSWORD = 'correct-horse-battery-1';
const B = 'tenant-b';

interface Reply {
  status: number;
  type: string | undefined;
  text: string;
  json: any;
  headers: Headers;
}

type KeyScope = (typeof KEY_SCOPES)[number];

/**
 * Scopes only an API key holds (Appwrite's app/config/roles.php grants them to neither guests nor users), each
 * with every key scope that admits a route labelled with it: GET /users/:userId/sessions also takes
 * sessions.read, the user-session routes also take sessions.write from a key, the policies routes
 * take project.policies.*. A new key-only scope is one line here, and rows in ROUTES.
 */
const KEY_ONLY_SCOPES = {
  'users.read': ['users.read', 'sessions.read'],
  'users.write': ['users.write', 'sessions.write'],
  'platforms.read': ['platforms.read'],
  'platforms.write': ['platforms.write'],
  'keys.read': ['keys.read'],
  'keys.write': ['keys.write'],
  'project.read': ['project.read'],
  'project.write': ['project.write'],
  'policies.read': ['policies.read', 'project.policies.read'],
  'policies.write': ['policies.write', 'project.policies.write'],
  'mocks.read': ['mocks.read'],
  'mocks.write': ['mocks.write'],
  'templates.read': ['templates.read'],
  'templates.write': ['templates.write'],
  'project.oauth2.read': ['project.oauth2.read'],
  'project.oauth2.write': ['project.oauth2.write'],
  'webhooks.read': ['webhooks.read'],
  'webhooks.write': ['webhooks.write'],
} as const satisfies Record<string, readonly KeyScope[]>;

/** Scopes a signed-in user holds (sessions and JWTs: Appwrite's `users` role) and a key may be granted. */
const SIGNED_IN_SCOPES = {
  'teams.read': ['teams.read'],
  'teams.write': ['teams.write'],
} as const satisfies Record<string, readonly KeyScope[]>;

type KeyOnlyScope = keyof typeof KEY_ONLY_SCOPES;
type SignedInScope = keyof typeof SIGNED_IN_SCOPES;
/** `account`: signed-in users only, never a key; `sessions.write`: guests and keys holding it; the rest: everyone. */
type Scope = KeyOnlyScope | SignedInScope | 'account' | 'sessions.write' | 'global' | 'none' | 'avatars.read' | 'public';

const isKeyOnly = (scope: Scope): scope is KeyOnlyScope => Object.hasOwn(KEY_ONLY_SCOPES, scope);
const isSignedIn = (scope: Scope): scope is SignedInScope => Object.hasOwn(SIGNED_IN_SCOPES, scope);

/** Every key scope except those admitting a route labelled `scope` (for `account`: every key scope). */
function scopesLacking(scope: Scope): KeyScope[] {
  const admitting: readonly string[] = isKeyOnly(scope) ? KEY_ONLY_SCOPES[scope] : isSignedIn(scope) ? SIGNED_IN_SCOPES[scope] : [scope];
  return KEY_SCOPES.filter((s) => !admitting.includes(s));
}

/** The mock phone number the attacks aim at. */
const MOCK_PHONE = '+15550001111';

/** Every row an attack could change; columns a read legitimately touches (accessedAt, key use) are left out. */
async function snapshot(t: TestServer) {
  const db = t.container.db;
  const byId = (rows: any[]) => rows.sort((a, b) => `${a.project_id}/${a.id}`.localeCompare(`${b.project_id}/${b.id}`));
  const byContent = (rows: any[]) => rows.map((r) => JSON.stringify(r)).sort();
  const users = byId(await db.selectFrom('users').selectAll().execute()).map(({ accessed_at, ...u }) => u);
  return {
    users,
    sessions: byId(await db.selectFrom('sessions').selectAll().execute()),
    tokens: byId(await db.selectFrom('tokens').selectAll().execute()),
    targets: byId(await db.selectFrom('targets').selectAll().execute()),
    platforms: byId(await db.selectFrom('platforms').selectAll().execute()),
    webhooks: byId(await db.selectFrom('webhooks').selectAll().execute()),
    projects: byId(await db.selectFrom('projects').selectAll().execute()),
    keys: byId(await db.selectFrom('keys').select(['project_id', 'id', 'name', 'scopes', 'secret_hash', 'expire']).execute()),
    jwtSecret: await db.selectFrom('server_settings').selectAll().execute(),
    teams: byContent(await db.selectFrom('teams').selectAll().execute()),
    memberships: byContent(await db.selectFrom('memberships').selectAll().execute()),
    mockPhones: byContent(await db.selectFrom('mock_phones').selectAll().execute()),
    emailTemplates: byContent(await db.selectFrom('email_templates').selectAll().execute()),
    mfaAuthenticators: byContent(await db.selectFrom('mfa_authenticators').selectAll().execute()),
    mfaRecoveryCodes: byContent(await db.selectFrom('mfa_recovery_codes').selectAll().execute()),
    mfaChallenges: byContent(await db.selectFrom('mfa_challenges').selectAll().execute()),
    // Messages enqueued (mail, SMS): no test SMTP server or SMS provider delivers them, so no row
    // goes away; the worker's bookkeeping columns (status, attempts) are left out.
    outbox: byContent(await db.selectFrom('outbox').select(['id', 'project_id', 'channel', 'dedupe_key']).execute()),
  };
}

/** The (method, route) pairs the app serves, read from Fastify's route tree (HEAD and OPTIONS left out). */
function servedRoutes(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:├── |└── )(.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = [...m[1]].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (method !== 'HEAD' && method !== 'OPTIONS') out.push(`${method} ${path}`);
    }
  }
  return out.sort();
}

/** Sends raw bytes and returns the status line: for requests fetch() refuses to build. */
function rawRequest(endpoint: string, text: string): Promise<string> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let data = '';
    socket.on('data', (c) => {
      data += c.toString('latin1');
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]);
      }
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(data.split('\r\n')[0]));
  });
}

function decodeJwt(jwt: string) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

/** Every property name anywhere in a JSON value. */
function keysDeep(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keysDeep(x, out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) keysDeep(x, out.add(k));
  return out;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describeEachBackend('security: an attacker probing the API', (backend) => {
  let t: TestServer;
  const clock = new FakeClock();
  let users: Users;
  let usersB: Users;
  let keyB: string;
  /** Keys of the default project holding every scope but those that admit a route of the given scope. */
  const lacking: Partial<Record<Scope, string>> = {};
  /** Keys of the default project holding the given scope alone. */
  const only: Partial<Record<Scope, string>> = {};
  /** The victim's team (victim is its owner) and membership. */
  let victimTeam: { teamId: string; membershipId: string };
  let alice: { id: string; secret: string; sessionId: string; jwt: string };
  let victim: { id: string; sessionId: string; targetId: string };
  let twinA: { secret: string };
  let twinB: { secret: string };
  let platformId: string;

  const client = (project = t.projectId) => new Client().setEndpoint(t.endpoint).setProject(project);

  async function call(method: string, path: string, o: { project?: string | null; headers?: Record<string, string>; json?: unknown; body?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.project !== null) headers['x-appwrite-project'] = o.project ?? t.projectId;
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    } else if (body !== undefined && !headers['content-type']) {
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(t.endpoint + path, { method, headers, body });
    const text = await res.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, type: json?.type, text, json, headers: res.headers };
  }

  const refused = (r: Reply, status: number, type: string, what: string) => assert.deepEqual([r.status, r.type], [status, type], `${what}: ${r.text.slice(0, 200)}`);

  /** Signs in through the server (an API key receives the secret in the body). */
  async function login(email: string, project = t.projectId, key = t.apiKey) {
    const s = await new Account(client(project).setKey(key)).createEmailPasswordSession({ email, password: PASSWORD });
    return { secret: s.secret, sessionId: s.$id };
  }

  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
    await t.container.projects.create(B, 'Tenant B');
    keyB = (await t.container.keys.create({ projectId: B, id: 'bkey', name: 'b', scopes: ['users.read', 'users.write', 'sessions.read', 'sessions.write', 'platforms.read', 'platforms.write'], expire: null })).secret!;
    usersB = new Users(client(B).setKey(keyB));
    const keyWith = async (name: string, scopes: string[]) =>
      (await t.container.keys.create({ projectId: 'default', id: ID.unique(), name, scopes, expire: null })).secret!;
    for (const scope of [...Object.keys(KEY_ONLY_SCOPES), ...Object.keys(SIGNED_IN_SCOPES)] as Scope[]) {
      lacking[scope] = await keyWith(`lacks ${scope}`, scopesLacking(scope));
      only[scope] = await keyWith(`only ${scope}`, [scope]);
    }
    for (const scope of ['account', 'sessions.write'] as const) lacking[scope] = await keyWith(`lacks ${scope}`, scopesLacking(scope));

    const a = await users.create({ userId: 'alice', email: 'alice@example.com', password: PASSWORD, name: 'Alice' });
    const aliceSession = await login('alice@example.com');
    const jwt = (await new Account(t.withSession(aliceSession.secret)).createJWT({})).jwt;
    alice = { id: a.$id, ...aliceSession, jwt };

    const v = await users.create({ userId: 'victim', email: 'victim@example.com', password: PASSWORD, name: 'Victim' });
    const vs = await login('victim@example.com');
    const target = await users.createTarget({ userId: v.$id, targetId: 'vtarget', providerType: 'push' as any, identifier: 'device-token-1' });
    victim = { id: v.$id, sessionId: vs.sessionId, targetId: target.$id };
    const asKey = { 'x-appwrite-key': t.apiKey };
    const team = await call('POST', '/teams', { headers: asKey, json: { teamId: 'vteam', name: 'Victim team' } });
    assert.equal(team.status, 201, team.text);
    const member = await call('POST', '/teams/vteam/memberships', { headers: asKey, json: { userId: victim.id, roles: ['owner'] } });
    assert.equal(member.status, 201, member.text);
    victimTeam = { teamId: team.json.$id, membershipId: member.json.$id };
    const mock = await call('POST', '/project/mock-phones', { headers: asKey, json: { number: MOCK_PHONE, otp: '123456' } });
    assert.equal(mock.status, 201, mock.text);

    // The same user id in both projects, with different emails.
    await users.create({ userId: 'twin', email: 'twin-a@example.com', password: PASSWORD });
    await usersB.create({ userId: 'twin', email: 'twin-b@example.com', password: PASSWORD });
    twinA = await login('twin-a@example.com');
    twinB = await login('twin-b@example.com', B, keyB);

    const platform = await call('POST', '/project/platforms/web', { headers: { 'x-appwrite-key': t.apiKey }, json: { platformId: 'web1', name: 'Web', hostname: 'app.example.com' } });
    assert.equal(platform.status, 201, platform.text);
    platformId = platform.json.$id;
    const evil = await call('POST', '/project/platforms/web', { project: B, headers: { 'x-appwrite-key': keyB }, json: { platformId: 'evil', name: 'Evil', hostname: 'evil.example' } });
    assert.equal(evil.status, 201, evil.text);

    // Warm every credential once, so reads that legitimately touch rows (accessedAt) are done.
    for (const secret of [alice.secret, twinA.secret]) assert.equal((await call('GET', '/account', { headers: { 'x-appwrite-session': secret } })).status, 200);
    assert.equal((await call('GET', '/account', { project: B, headers: { 'x-appwrite-session': twinB.secret } })).status, 200);
  });
  after(async () => t?.close());

  describe('cross-project isolation', () => {
    it("project A's session, JWT and key are nobody in project B, through the SDK", async () => {
      const before = await snapshot(t);
      // A's session was just used in A, so it is in the session cache: B must still refuse it.
      assert.equal((await new Account(t.withSession(alice.secret)).get()).$id, 'alice');
      await expectError(new Account(client(B).setSession(alice.secret)).get(), 401, 'general_unauthorized_scope');
      await expectError(new Account(client(B).setSession(twinA.secret)).get(), 401, 'general_unauthorized_scope');
      await expectError(new Account(client(B).setJWT(alice.jwt)).get(), 401, 'user_jwt_invalid', /Project mismatch/);
      await expectError(new Users(client(B).setKey(t.apiKey)).list({}), 401, 'user_unauthorized');
      await expectError(new Users(client(B).setKey(t.apiKey)).updateName({ userId: 'twin', name: 'pwned' }), 401, 'user_unauthorized');
      await expectError(new Account(client(B).setSession(alice.secret)).updateName({ name: 'pwned' }), 401, 'general_unauthorized_scope');
      await expectError(new Account(client(B).setSession(twinA.secret)).deleteSessions(), 401, 'general_unauthorized_scope');
      assert.deepEqual(await snapshot(t), before);
    });

    it("a key of A naming B in the query string while its header says A is refused", async () => {
      const before = await snapshot(t);
      refused(await call('GET', `/users?project=${B}`, { headers: { 'x-appwrite-key': t.apiKey } }), 403, 'project_id_missing', 'query');
      refused(await call('PATCH', '/users/twin/name', { headers: { 'x-appwrite-key': t.apiKey }, json: { project: B, name: 'pwned' } }), 403, 'project_id_missing', 'body');
      assert.deepEqual(await snapshot(t), before);
    });

    it("cookies named for B carrying A's secret, and fallback cookies mixing projects, are guests", async () => {
      const before = await snapshot(t);
      const attempts: Record<string, string>[] = [
        { cookie: `a_session_${B}=${twinA.secret}` },
        { cookie: `a_session_${B}_legacy=${twinA.secret}` },
        { cookie: `a_session_default=${twinA.secret}` },
        { 'x-fallback-cookies': JSON.stringify({ a_session_default: twinA.secret }) },
        { 'x-fallback-cookies': JSON.stringify({ [`a_session_${B}`]: twinA.secret, a_session_default: twinA.secret }) },
        { 'x-fallback-cookies': JSON.stringify([{ [`a_session_${B}`]: twinB.secret }]) },
      ];
      for (const headers of attempts) {
        refused(await call('GET', '/account', { project: B, headers }), 401, 'general_unauthorized_scope', JSON.stringify(headers));
        refused(await call('DELETE', '/account/sessions', { project: B, headers }), 401, 'general_unauthorized_scope', JSON.stringify(headers));
      }
      // The same mechanisms do carry B's own session: the refusals above are about the project.
      const own = await call('GET', '/account', { project: B, headers: { 'x-fallback-cookies': JSON.stringify({ [`a_session_${B}`]: twinB.secret, a_session_default: twinA.secret }) } });
      assert.equal(own.status, 200);
      assert.equal(own.json.email, 'twin-b@example.com');
      const cookie = await call('GET', '/account', { project: B, headers: { cookie: `a_session_default=${twinA.secret}; a_session_${B}=${twinB.secret}` } });
      assert.equal(cookie.json.email, 'twin-b@example.com');
      assert.deepEqual(await snapshot(t), before);
    });

    it("A's user, session and target ids are unknown to B's key", async () => {
      const before = await snapshot(t);
      const asB = (method: string, path: string, json?: unknown) => call(method, path, { project: B, headers: { 'x-appwrite-key': keyB }, json });
      refused(await asB('GET', `/users/${victim.id}`), 404, 'user_not_found', 'get');
      refused(await asB('PATCH', `/users/${victim.id}/name`, { name: 'pwned' }), 404, 'user_not_found', 'name');
      refused(await asB('PATCH', `/users/${victim.id}/password`, { password: 'pwned-password-1' }), 404, 'user_not_found', 'password');
      refused(await asB('PATCH', `/users/${victim.id}/status`, { status: false }), 404, 'user_not_found', 'status');
      refused(await asB('DELETE', `/users/${victim.id}`), 404, 'user_not_found', 'delete');
      refused(await asB('GET', `/users/${victim.id}/sessions`), 404, 'user_not_found', 'sessions');
      refused(await asB('POST', `/users/${victim.id}/sessions`), 404, 'user_not_found', 'mint session');
      refused(await asB('DELETE', `/users/${victim.id}/sessions`), 404, 'user_not_found', 'end sessions');
      refused(await asB('POST', `/users/${victim.id}/tokens`, {}), 404, 'user_not_found', 'token');
      refused(await asB('POST', `/users/${victim.id}/jwts`, {}), 404, 'user_not_found', 'jwt');
      refused(await asB('GET', `/users/${victim.id}/targets/${victim.targetId}`), 404, 'user_not_found', 'target');
      refused(await asB('GET', `/project/platforms/${platformId}`), 404, 'platform_not_found', 'platform');
      refused(await asB('DELETE', `/project/platforms/${platformId}`), 404, 'platform_not_found', 'delete platform');
      // The twin exists in both: B's key acts on B's twin only, never on A's sessions.
      refused(await asB('DELETE', `/users/twin/sessions/${victim.sessionId}`), 404, 'user_session_not_found', 'A session under B twin');
      const list = await usersB.list({ queries: [Query.equal('email', 'victim@example.com')] });
      assert.equal(list.total, 0);
      const search = await usersB.list({ search: 'victim' });
      assert.equal(search.total, 0);
      assert.deepEqual(await snapshot(t), before);
    });

    it("a token of A's twin cannot be exchanged in B for B's twin", async () => {
      const token = await users.createToken({ userId: 'twin' });
      const before = await snapshot(t);
      await expectError(new Account(client(B)).createSession({ userId: 'twin', secret: token.secret }), 401, 'user_invalid_token');
      assert.deepEqual(await snapshot(t), before);
      // Still good where it was issued (so the refusal above was about the project).
      const session = await new Account(client()).createSession({ userId: 'twin', secret: token.secret });
      assert.equal(session.userId, 'twin');
    });

    it("an origin allowed in B cannot act in A by naming A in the body or query", async () => {
      const before = await snapshot(t);
      const origin = { origin: 'https://evil.example' };
      refused(
        await call('POST', '/account/sessions/email', { project: B, headers: origin, json: { project: 'default', email: 'alice@example.com', password: PASSWORD } }),
        403, 'general_unknown_origin', 'body project',
      );
      refused(await call('GET', '/account?project=default', { project: B, headers: { ...origin, cookie: `a_session_default=${alice.secret}` } }), 403, 'general_unknown_origin', 'query project');
      assert.deepEqual(await snapshot(t), before);
      const inB = await call('GET', '/account', { project: B, headers: { ...origin, 'x-appwrite-session': twinB.secret } });
      assert.equal(inB.status, 200, 'the origin is one of B');
      assert.equal(inB.headers.get('access-control-allow-origin'), 'https://evil.example');
    });
  });

  describe('privilege: every route against every kind of caller', () => {
    /**
     * Appwrite's scope label for each route (src/Appwrite/Platform/Modules/{Users,Project,Teams}/Http/**,
     * app/controllers/api/account.php);
     * `body`: what an attacker sends (a change the snapshot would show); `destructive`: no positive
     * probe; `signedIn`: a sessions.write route outside Appwrite's session group, open to signed-in
     * callers too. A path param needs an id in both `targets` and `nobody` below.
     */
    const ROUTES: { route: string; scope: Scope; body?: unknown; destructive?: boolean; signedIn?: boolean }[] = [
      { route: 'GET /v1/health/version', scope: 'none' },
      { route: 'GET /v1/ping', scope: 'global' },
      { route: 'GET /v1/users', scope: 'users.read' },
      { route: 'POST /v1/users', scope: 'users.write', body: { userId: 'intruder', email: 'intruder@example.com', password: PASSWORD } },
      ...['argon2', 'bcrypt', 'md5', 'phpass', 'sha', 'scrypt', 'scrypt-modified'].map((alg) => ({
        route: `POST /v1/users/${alg}`, scope: 'users.write' as Scope, body: { userId: 'intruder', email: 'intruder@example.com', password: 'hash' },
      })),
      { route: 'GET /v1/users/:userId', scope: 'users.read' },
      { route: 'DELETE /v1/users/:userId', scope: 'users.write' },
      { route: 'PATCH /v1/users/:userId/name', scope: 'users.write', body: { name: 'pwned' } },
      { route: 'PATCH /v1/users/:userId/email', scope: 'users.write', body: { email: 'attacker@example.com' } },
      { route: 'PATCH /v1/users/:userId/phone', scope: 'users.write', body: { number: '+15550000000' } },
      { route: 'PATCH /v1/users/:userId/password', scope: 'users.write', body: { password: 'attacker-password' } },
      { route: 'PATCH /v1/users/:userId/status', scope: 'users.write', body: { status: false } },
      { route: 'PATCH /v1/users/:userId/verification', scope: 'users.write', body: { emailVerification: true } },
      { route: 'PATCH /v1/users/:userId/verification/phone', scope: 'users.write', body: { phoneVerification: true } },
      { route: 'PATCH /v1/users/:userId/impersonator', scope: 'users.write', body: { impersonator: true } },
      { route: 'PATCH /v1/users/:userId/mfa', scope: 'users.write', body: { mfa: true } },
      { route: 'PUT /v1/users/:userId/labels', scope: 'users.write', body: { labels: ['admin'] } },
      { route: 'GET /v1/users/:userId/prefs', scope: 'users.read' },
      { route: 'PATCH /v1/users/:userId/prefs', scope: 'users.write', body: { prefs: { role: 'admin' } } },
      { route: 'POST /v1/users/:userId/jwts', scope: 'users.write', body: {} },
      { route: 'POST /v1/users/:userId/tokens', scope: 'users.write', body: {} },
      { route: 'GET /v1/users/:userId/sessions', scope: 'users.read' },
      { route: 'POST /v1/users/:userId/sessions', scope: 'users.write' },
      { route: 'DELETE /v1/users/:userId/sessions', scope: 'users.write' },
      { route: 'DELETE /v1/users/:userId/sessions/:sessionId', scope: 'users.write' },
      { route: 'GET /v1/users/:userId/targets', scope: 'users.read' },
      { route: 'POST /v1/users/:userId/targets', scope: 'users.write', body: { targetId: 'evil', providerType: 'email', identifier: 'attacker@example.com' } },
      { route: 'GET /v1/users/:userId/targets/:targetId', scope: 'users.read' },
      { route: 'PATCH /v1/users/:userId/targets/:targetId', scope: 'users.write', body: { identifier: 'attacker-device' } },
      { route: 'DELETE /v1/users/:userId/targets/:targetId', scope: 'users.write' },
      { route: 'GET /v1/project/platforms', scope: 'platforms.read' },
      { route: 'GET /v1/project/platforms/:platformId', scope: 'platforms.read' },
      { route: 'DELETE /v1/project/platforms/:platformId', scope: 'platforms.write' },
      { route: 'POST /v1/project/platforms/web', scope: 'platforms.write', body: { platformId: 'evil2', name: 'Evil', hostname: 'attacker.example' } },
      { route: 'PUT /v1/project/platforms/web/:platformId', scope: 'platforms.write', body: { name: 'Evil', hostname: 'attacker.example' } },
      ...(['android', 'apple', 'linux', 'windows'] as const).flatMap((type) => [
        { route: `POST /v1/project/platforms/${type}`, scope: 'platforms.write' as Scope, body: { platformId: 'evil3', name: 'Evil' } },
        { route: `PUT /v1/project/platforms/${type}/:platformId`, scope: 'platforms.write' as Scope, body: { name: 'Evil' } },
      ]),
      { route: 'GET /v1/project/keys', scope: 'keys.read' },
      { route: 'GET /v1/project/keys/:keyId', scope: 'keys.read' },
      { route: 'POST /v1/project/keys', scope: 'keys.write', body: { keyId: 'evil', name: 'Evil', scopes: ['users.read'] } },
      { route: 'PUT /v1/project/keys/:keyId', scope: 'keys.write', body: { name: 'Evil', scopes: ['users.read', 'users.write', 'keys.read', 'keys.write'] } },
      { route: 'DELETE /v1/project/keys/:keyId', scope: 'keys.write' },
      { route: 'POST /v1/account', scope: 'sessions.write', body: { userId: 'intruder', email: 'intruder@example.com', password: PASSWORD } },
      { route: 'POST /v1/account/sessions', scope: 'sessions.write', body: { email: 'victim@example.com', password: PASSWORD } },
      { route: 'POST /v1/account/sessions/email', scope: 'sessions.write', body: { email: 'victim@example.com', password: PASSWORD } },
      { route: 'POST /v1/account/sessions/anonymous', scope: 'sessions.write', destructive: true },
      { route: 'POST /v1/account/sessions/token', scope: 'sessions.write', body: { userId: 'victim', secret: '123456' } },
      { route: 'PUT /v1/account/sessions/magic-url', scope: 'sessions.write', body: { userId: 'victim', secret: '123456' } },
      { route: 'PUT /v1/account/sessions/phone', scope: 'sessions.write', body: { userId: 'victim', secret: '123456' } },
      { route: 'GET /v1/account', scope: 'account' },
      { route: 'GET /v1/account/prefs', scope: 'account' },
      { route: 'PATCH /v1/account/prefs', scope: 'account', body: { prefs: { role: 'admin' } } },
      { route: 'PATCH /v1/account/name', scope: 'account', body: { name: 'pwned' } },
      { route: 'PATCH /v1/account/password', scope: 'account', body: { password: 'attacker-password', oldPassword: PASSWORD } },
      { route: 'PATCH /v1/account/email', scope: 'account', body: { email: 'attacker@example.com', password: PASSWORD } },
      { route: 'PATCH /v1/account/phone', scope: 'account', body: { phone: '+15550000001', password: PASSWORD } },
      { route: 'PATCH /v1/account/status', scope: 'account', destructive: true },
      { route: 'GET /v1/account/sessions', scope: 'account' },
      { route: 'DELETE /v1/account/sessions', scope: 'account', destructive: true },
      { route: 'GET /v1/account/sessions/:sessionId', scope: 'account' },
      { route: 'PATCH /v1/account/sessions/:sessionId', scope: 'account' },
      { route: 'DELETE /v1/account/sessions/:sessionId', scope: 'account' },
      { route: 'POST /v1/account/jwts', scope: 'account', body: {} },
      { route: 'POST /v1/account/jwt', scope: 'account', body: {} },
      { route: 'PATCH /v1/account/mfa', scope: 'account', body: { mfa: false } },
      { route: 'POST /v1/account/mfa/authenticators/:type', scope: 'account' },
      { route: 'PUT /v1/account/mfa/authenticators/:type', scope: 'account', body: { otp: '123456' } },
      { route: 'DELETE /v1/account/mfa/authenticators/:type', scope: 'account' },
      ...['challenges', 'challenge'].flatMap((name) => [
        { route: `POST /v1/account/mfa/${name}`, scope: 'account' as Scope, body: { factor: 'totp' } },
        { route: `PUT /v1/account/mfa/${name}`, scope: 'account' as Scope, body: { challengeId: 'nochallenge', otp: '123456' } },
      ]),
      { route: 'GET /v1/account/mfa/factors', scope: 'account' },
      { route: 'POST /v1/account/mfa/recovery-codes', scope: 'account' },
      { route: 'GET /v1/account/mfa/recovery-codes', scope: 'account' },
      { route: 'PATCH /v1/account/mfa/recovery-codes', scope: 'account' },
      { route: 'DELETE /v1/users/:userId/mfa/authenticators/:type', scope: 'users.write' },
      { route: 'GET /v1/users/:userId/mfa/factors', scope: 'users.read' },
      { route: 'GET /v1/users/:userId/mfa/recovery-codes', scope: 'users.read' },
      { route: 'PATCH /v1/users/:userId/mfa/recovery-codes', scope: 'users.write' },
      { route: 'PUT /v1/users/:userId/mfa/recovery-codes', scope: 'users.write' },
      { route: 'GET /v1/users/:userId/mfa/challenges/:challengeId', scope: 'users.read' },
      { route: 'GET /v1/avatars/qr', scope: 'avatars.read' },
      ...['tokens/magic-url', 'sessions/magic-url', 'tokens/email'].map((p) => ({
        route: `POST /v1/account/${p}`, scope: 'sessions.write' as Scope, signedIn: true, body: { userId: 'intruder', email: 'victim@example.com', url: 'http://localhost/' },
      })),
      ...['tokens/phone', 'sessions/phone'].map((p) => ({
        route: `POST /v1/account/${p}`, scope: 'sessions.write' as Scope, signedIn: true, body: { userId: 'intruder', phone: '+15550000002' },
      })),
      { route: 'POST /v1/account/recovery', scope: 'sessions.write', signedIn: true, body: { email: 'victim@example.com', url: 'http://localhost/' } },
      { route: 'PUT /v1/account/recovery', scope: 'sessions.write', signedIn: true, body: { userId: 'victim', secret: 'x', password: 'attacker-password' } },
      ...['verifications/email', 'verification'].flatMap((p) => [
        { route: `POST /v1/account/${p}`, scope: 'account' as Scope, body: { url: 'http://localhost/' } },
        { route: `PUT /v1/account/${p}`, scope: 'public' as Scope, body: { userId: 'victim', secret: 'x' } },
      ]),
      ...['verifications/phone', 'verification/phone'].flatMap((p) => [
        // No positive probe: without an SMS provider the route answers 503 general_phone_disabled, as Appwrite.
        { route: `POST /v1/account/${p}`, scope: 'account' as Scope, destructive: true },
        { route: `PUT /v1/account/${p}`, scope: 'public' as Scope, body: { userId: 'victim', secret: 'x' } },
      ]),
      { route: 'GET /v1/.well-known/jwks.json', scope: 'none' },
      { route: 'GET /v1/.well-known/openid-configuration', scope: 'none' },
      { route: 'POST /v1/auth/local', scope: 'sessions.write', body: { identifier: 'victim@example.com', password: PASSWORD } },
      { route: 'DELETE /v1/auth/local', scope: 'account', destructive: true },
      // The Project service (node-appwrite Project): the key's own project.
      { route: 'GET /v1/project', scope: 'project.read' },
      { route: 'PATCH /v1/project/auth-methods/:methodId', scope: 'project.write', body: { enabled: false } },
      { route: 'PUT /v1/project/labels', scope: 'project.write', body: { labels: ['pwned'] } },
      { route: 'GET /v1/project/policies/membership-privacy', scope: 'policies.read' },
      { route: 'GET /v1/project/policies', scope: 'policies.read' },
      { route: 'GET /v1/project/policies/:policyId', scope: 'policies.read' },
      ...['password-dictionary', 'password-personal-data', 'session-alert', 'session-invalidation'].map((id) => ({
        route: `PATCH /v1/project/policies/${id}`, scope: 'policies.write' as Scope, body: { enabled: true },
      })),
      ...['password-history', 'session-limit', 'user-limit'].map((id) => ({ route: `PATCH /v1/project/policies/${id}`, scope: 'policies.write' as Scope, body: { total: 1 } })),
      { route: 'PATCH /v1/project/policies/password-strength', scope: 'policies.write', body: { min: 200 } },
      { route: 'PATCH /v1/project/policies/session-duration', scope: 'policies.write', body: { duration: 60 } },
      { route: 'PATCH /v1/project/policies/mfa-factors', scope: 'policies.write', body: { totp: false } },
      { route: 'GET /v1/account/logs', scope: 'account' },
      { route: 'GET /v1/webhooks', scope: 'webhooks.read' },
      { route: 'GET /v1/webhooks/:webhookId', scope: 'webhooks.read' },
      { route: 'POST /v1/webhooks', scope: 'webhooks.write', body: { webhookId: 'evil', url: 'https://93.184.215.14/hook', name: 'Evil', events: ['users.*'] } },
      { route: 'PUT /v1/webhooks/:webhookId', scope: 'webhooks.write', body: { name: 'Evil', url: 'https://93.184.215.14/hook', events: ['users.*'] } },
      { route: 'PATCH /v1/webhooks/:webhookId/secret', scope: 'webhooks.write', body: {} },
      { route: 'DELETE /v1/webhooks/:webhookId', scope: 'webhooks.write' },
      { route: 'GET /v1/project/oauth2', scope: 'project.oauth2.read' },
      { route: 'GET /v1/project/oauth2/:providerId', scope: 'project.oauth2.read' },
      ...[...PROVIDER_IDS, ':providerId'].map((id) => ({ route: `PATCH /v1/project/oauth2/${id}`, scope: 'project.oauth2.write' as Scope, body: { enabled: false } })),
      // The OAuth2 start routes: sessions.write, open to signed-in callers too (they link an identity), as in Appwrite.
      { route: 'GET /v1/account/sessions/oauth2/:provider', scope: 'sessions.write', signedIn: true },
      { route: 'GET /v1/account/tokens/oauth2/:provider', scope: 'sessions.write', signedIn: true },
      { route: 'GET /v1/account/sessions/oauth2/:provider/redirect', scope: 'public' },
      { route: 'GET /v1/account/sessions/oauth2/callback/:provider/:projectId', scope: 'none' },
      { route: 'POST /v1/account/sessions/oauth2/callback/:provider/:projectId', scope: 'none' },
      { route: 'GET /v1/account/identities', scope: 'account' },
      { route: 'DELETE /v1/account/identities/:identityId', scope: 'account' },
      { route: 'GET /v1/users/identities', scope: 'users.read' },
      { route: 'DELETE /v1/users/identities/:identityId', scope: 'users.write' },
      { route: 'GET /v1/users/:userId/logs', scope: 'users.read' },
      { route: 'PATCH /v1/project/policies/membership-privacy', scope: 'policies.write', body: { userEmail: true, userPhone: true } },
      { route: 'PATCH /v1/project/smtp', scope: 'project.write', body: { senderName: 'pwned', replyToEmail: 'attacker@example.com', enabled: false } },
      { route: 'POST /v1/project/smtp/tests', scope: 'project.write', body: { emails: ['attacker@example.com'] } },
      { route: 'GET /v1/project/templates/email', scope: 'templates.read' },
      { route: 'GET /v1/project/templates/email/:templateId', scope: 'templates.read' },
      { route: 'PATCH /v1/project/templates/email', scope: 'templates.write', body: { templateId: 'recovery', locale: 'en', subject: 'pwned', message: 'https://attacker.example/?{{url}}' } },
      { route: 'GET /v1/project/mock-phones', scope: 'mocks.read' },
      { route: 'POST /v1/project/mock-phones', scope: 'mocks.write', body: { number: '+15550002222', otp: '123456' } },
      { route: 'GET /v1/project/mock-phones/:number', scope: 'mocks.read' },
      { route: 'PUT /v1/project/mock-phones/:number', scope: 'mocks.write', body: { otp: '654321' } },
      { route: 'DELETE /v1/project/mock-phones/:number', scope: 'mocks.write' },
      // Teams: signed-in users act as members and owners (the team role checks are in test/api/teams).
      { route: 'GET /v1/teams', scope: 'teams.read' },
      { route: 'POST /v1/teams', scope: 'teams.write', body: { teamId: 'evilteam', name: 'Evil' } },
      { route: 'GET /v1/teams/:teamId', scope: 'teams.read' },
      { route: 'PUT /v1/teams/:teamId', scope: 'teams.write', body: { name: 'pwned' } },
      { route: 'DELETE /v1/teams/:teamId', scope: 'teams.write' },
      { route: 'GET /v1/teams/:teamId/prefs', scope: 'teams.read' },
      { route: 'PUT /v1/teams/:teamId/prefs', scope: 'teams.write', body: { prefs: { role: 'admin' } } },
      { route: 'GET /v1/teams/:teamId/memberships', scope: 'teams.read' },
      { route: 'POST /v1/teams/:teamId/memberships', scope: 'teams.write', body: { userId: 'alice', roles: ['owner'] } },
      { route: 'GET /v1/teams/:teamId/memberships/:membershipId', scope: 'teams.read' },
      { route: 'PATCH /v1/teams/:teamId/memberships/:membershipId', scope: 'teams.write', body: { roles: ['owner', 'admin'] } },
      { route: 'DELETE /v1/teams/:teamId/memberships/:membershipId', scope: 'teams.write' },
      // The invitation link's landing call: the secret is the credential.
      { route: 'PATCH /v1/teams/:teamId/memberships/:membershipId/status', scope: 'public', body: { userId: 'victim', secret: 'x' } },
      { route: 'GET /v1/users/:userId/memberships', scope: 'users.read' },
    ];

    const fill = (path: string, ids: Record<string, string>) =>
      path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? assert.fail(`no id for :${name} in ${path}`));

    /** Callers that must get 401 general_unauthorized_scope on a route of `scope`. */
    function wrongCallers(scope: Scope): [string, Record<string, string>][] {
      const keyLacking = { 'x-appwrite-key': lacking[scope]! };
      // A key next to a session acts as the key: the session's scopes are not added to the key's.
      const withSession = [`key lacking ${scope}, with a session`, { ...keyLacking, 'x-appwrite-session': alice.secret }] as [string, Record<string, string>];
      const signedIn: [string, Record<string, string>][] = [
        ['session', { 'x-appwrite-session': alice.secret }],
        ['cookie', { cookie: `a_session_default=${alice.secret}` }],
        ['jwt', { 'x-appwrite-jwt': alice.jwt }],
      ];
      if (isKeyOnly(scope)) return [['guest', {}], ...signedIn, [`key lacking ${scope}`, keyLacking], withSession];
      if (isSignedIn(scope)) return [['guest', {}], [`key lacking ${scope}`, keyLacking], withSession];
      // A key never holds `account`, not even one with every scope; nor does a key next to a session act as that user.
      if (scope === 'account') return [['guest', {}], ['full key', { 'x-appwrite-key': t.apiKey }], ['key with a session', withSession[1]]];
      if (scope === 'sessions.write') return [['key lacking sessions.write', keyLacking]];
      return [];
    }

    /** The callers a route of `scope` is meant for. */
    function rightCallers(scope: Scope): [string, Record<string, string>][] {
      const keyWithOnly: [string, Record<string, string>] = [`key with only ${scope}`, { 'x-appwrite-key': only[scope]! }];
      if (isKeyOnly(scope)) return [keyWithOnly];
      if (isSignedIn(scope)) return [['session', { 'x-appwrite-session': alice.secret }], keyWithOnly];
      if (scope === 'account') return [['session', { 'x-appwrite-session': alice.secret }]];
      return [['guest', {}]];
    }

    it('the table covers every route the app serves', async () => {
      const app = await buildApp(t.container);
      await app.ready();
      const served = servedRoutes(app.printRoutes({ commonPrefix: false }));
      await app.close();
      assert.ok(served.length > 50, `parsed ${served.length} routes`);
      assert.deepEqual(served, ROUTES.map((r) => r.route).sort(), 'a new route needs a row (and a privilege decision) here');
    });

    it("guests, sessions, JWTs and keys lacking the scope are refused every route outside their scope, and nothing changes", async () => {
      const before = await snapshot(t);
      // The real things an attack would change. keyId: the full-scope default key, the one an attacker
      // would most like to change or delete; methodId: the sign-in method everyone uses.
      const targets = {
        userId: victim.id, sessionId: victim.sessionId, targetId: victim.targetId, platformId, keyId: 'default', ...victimTeam,
        methodId: 'email-password', templateId: 'recovery', number: encodeURIComponent(MOCK_PHONE), type: 'totp', challengeId: 'vchallenge', policyId: 'session-limit', providerId: 'oidc', provider: 'oidc', projectId: 'default', identityId: 'videntity', webhookId: 'nowebhook',
      };
      let checked = 0;
      for (const { route, scope, body } of ROUTES) {
        const [method, path] = route.split(' ');
        const url = fill(path, targets).slice('/v1'.length);
        const json = body ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
        const attempts = wrongCallers(scope).map(([who, headers]) => call(method, url, { headers, json }).then((r) => ({ who, r })));
        for (const { who, r } of await Promise.all(attempts)) {
          refused(r, 401, 'general_unauthorized_scope', `${who} on ${route}`);
          checked++;
        }
      }
      assert.ok(checked > 200, `${checked} refusals checked`);
      assert.deepEqual(await snapshot(t), before);
    });

    it("signed-in callers cannot open another session for anyone (the session group)", async () => {
      const before = await snapshot(t);
      for (const { route, scope, body } of ROUTES.filter((r) => r.scope === 'sessions.write' && !r.signedIn && r.route !== 'POST /v1/account')) {
        const [method, path] = route.split(' ');
        for (const headers of [{ 'x-appwrite-session': alice.secret }, { 'x-appwrite-jwt': alice.jwt }] as Record<string, string>[]) {
          const r = await call(method, path.slice(3), { headers, json: body ?? {} });
          refused(r, 401, 'user_session_already_exists', `${Object.keys(headers)[0]} on ${route} (${scope})`);
        }
      }
      assert.deepEqual(await snapshot(t), before);
    });

    it('the caller each route is meant for gets past the scope check (so the refusals above can fail)', async () => {
      const nobody = {
        userId: 'nobody', sessionId: 'nosession', targetId: 'notarget', platformId: 'noplatform', keyId: 'nokey', teamId: 'noteam',
        membershipId: 'nomembership', methodId: 'nomethod', templateId: 'notemplate', number: encodeURIComponent('+15550009999'),
        // No real factor type: adding a TOTP authenticator to alice would change what later tests see.
        type: 'notype', challengeId: 'nochallenge', policyId: 'nopolicy', providerId: 'oidc', provider: 'oidc', projectId: 'default', identityId: 'noidentity', webhookId: 'nowebhook',
      };
      let probed = 0;
      for (const { route, scope, destructive } of ROUTES) {
        if (destructive) continue;
        const [method, path] = route.split(' ');
        const url = fill(path, nobody).slice('/v1'.length);
        // An empty body or unknown ids: the route answers 2xx, 400 or 404, never the scope refusal.
        const json = method === 'GET' || method === 'DELETE' ? undefined : {};
        for (const [who, headers] of rightCallers(scope)) {
          const r = await call(method, url, { headers, json });
          assert.notEqual(r.type, 'general_unauthorized_scope', `${who} on ${route}: ${r.text.slice(0, 200)}`);
          assert.ok(r.status < 500, `${who} on ${route}: ${r.status} ${r.text.slice(0, 200)}`);
          probed++;
        }
      }
      assert.ok(probed > 120, `${probed} probes`);
    });

    it("a signed-in user naming another user's session or target gets a 404 and changes nothing", async () => {
      const before = await snapshot(t);
      for (const headers of [{ 'x-appwrite-session': alice.secret }, { 'x-appwrite-jwt': alice.jwt }] as Record<string, string>[]) {
        for (const method of ['GET', 'PATCH', 'DELETE']) {
          refused(await call(method, `/account/sessions/${victim.sessionId}`, { headers }), 404, 'user_session_not_found', `${method} victim session`);
        }
      }
      // Under a key, a target id only resolves under its own user.
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const r = await call(method, `/users/alice/targets/${victim.targetId}`, { headers: { 'x-appwrite-key': t.apiKey }, json: method === 'PATCH' ? { identifier: 'x' } : undefined });
        refused(r, 404, 'user_target_not_found', `${method} target under another user`);
      }
      assert.deepEqual(await snapshot(t), before);
    });

    it('impersonation headers from a user who is no impersonator act as nobody else', async () => {
      for (const header of ['x-appwrite-impersonate-user-id', 'x-appwrite-impersonate-user-email', 'x-appwrite-user']) {
        const value = header.endsWith('email') ? 'victim@example.com' : victim.id;
        const r = await call('GET', '/account', { headers: { 'x-appwrite-session': alice.secret, [header]: value } });
        assert.equal(r.json?.$id, 'alice', `${header}: ${r.text.slice(0, 200)}`);
        refused(await call('GET', '/account', { headers: { [header]: value } }), 401, 'general_unauthorized_scope', `${header} alone`);
      }
    });

    it('a key with only sessions.write may act on sessions of users (as Appwrite), and on nothing else of theirs', async () => {
      const key = (await t.container.keys.create({ projectId: 'default', id: ID.unique(), name: 'sessions only', scopes: ['sessions.write'], expire: null })).secret!;
      const before = await snapshot(t);
      refused(await call('GET', `/users/${victim.id}`, { headers: { 'x-appwrite-key': key } }), 401, 'general_unauthorized_scope', 'read user');
      refused(await call('GET', `/users/${victim.id}/sessions`, { headers: { 'x-appwrite-key': key } }), 401, 'general_unauthorized_scope', 'list sessions');
      refused(await call('POST', `/users/${victim.id}/tokens`, { headers: { 'x-appwrite-key': key }, json: {} }), 401, 'general_unauthorized_scope', 'token');
      refused(await call('POST', `/users/${victim.id}/jwts`, { headers: { 'x-appwrite-key': key }, json: {} }), 401, 'general_unauthorized_scope', 'jwt');
      assert.deepEqual(await snapshot(t), before);
      const minted = await call('POST', '/users/nobody/sessions', { headers: { 'x-appwrite-key': key } });
      refused(minted, 404, 'user_not_found', 'past the gate');
    });
  });

  describe('secrets in responses', () => {
    it('account responses carry no password hash, and session lists no secrets, for sessions and JWTs', async () => {
      const stored = await t.container.db.selectFrom('users').select(['password']).where('id', '=', 'alice').where('project_id', '=', 'default').executeTakeFirstOrThrow();
      assert.match(stored.password!, /^\$argon2id\$/);
      for (const headers of [{ 'x-appwrite-session': alice.secret }, { 'x-appwrite-jwt': alice.jwt }] as Record<string, string>[]) {
        for (const path of ['/account', '/account/prefs', '/account/sessions', `/account/sessions/${alice.sessionId}`]) {
          const r = await call('GET', path, { headers });
          assert.equal(r.status, 200, `${path}: ${r.text}`);
          assert.ok(!r.text.includes(stored.password!), `${path} leaks the hash`);
          assert.ok(!r.text.includes('$argon2'), `${path}: ${r.text.slice(0, 300)}`);
          const fields = keysDeep(r.json);
          for (const hidden of ['password', 'hash', 'hashOptions']) assert.ok(!fields.has(hidden), `${path} has a ${hidden} field`);
        }
        const sessions = (await call('GET', '/account/sessions', { headers })).json.sessions as { secret: string }[];
        assert.ok(sessions.length > 0);
        assert.ok(sessions.every((s) => s.secret === ''), 'listed sessions carry no secret');
      }
    });

    it('a client login gets its secret only as a cookie; a key caller gets it in the body, as Appwrite', async () => {
      await users.create({ userId: ID.unique(), email: 'secrets@example.com', password: PASSWORD });
      const guest = await call('POST', '/account/sessions/email', { json: { email: 'secrets@example.com', password: PASSWORD } });
      assert.equal(guest.status, 201);
      assert.equal(guest.json.secret, '');
      const cookie = guest.headers.getSetCookie().find((c) => c.startsWith('a_session_default='))!;
      const value = decodeURIComponent(cookie.split(';')[0].split('=').slice(1).join('='));
      assert.equal((await call('GET', '/account', { headers: { 'x-appwrite-session': value } })).json.email, 'secrets@example.com');

      const token = await users.createToken({ userId: 'alice' });
      assert.match(token.secret, /^[0-9a-f]{6}$/, 'a key caller receives the token secret');
      const exchanged = await call('POST', '/account/sessions/token', { json: { userId: 'alice', secret: token.secret } });
      assert.equal(exchanged.status, 201);
      assert.equal(exchanged.json.secret, '');
    });

    it('no stored hash of a session, token or key secret appears in any response', async () => {
      await users.createToken({ userId: 'victim' });
      const db = t.container.db;
      const hashes = [
        ...(await db.selectFrom('sessions').select('secret_hash').execute()).map((r) => r.secret_hash),
        ...(await db.selectFrom('tokens').select('secret_hash').execute()).map((r) => r.secret_hash),
        ...(await db.selectFrom('keys').select('secret_hash').execute()).map((r) => r.secret_hash),
      ];
      assert.ok(hashes.length > 5);
      const key = { 'x-appwrite-key': t.apiKey };
      const texts = await Promise.all([
        call('GET', '/users', { headers: key }),
        call('GET', `/users/${victim.id}`, { headers: key }),
        call('GET', `/users/${victim.id}/sessions`, { headers: key }),
        call('GET', `/users/${victim.id}/targets`, { headers: key }),
        call('POST', `/users/${victim.id}/tokens`, { headers: key, json: {} }),
        call('POST', `/users/${victim.id}/sessions`, { headers: key }),
        call('GET', '/project/platforms', { headers: key }),
        call('GET', '/account', { headers: { 'x-appwrite-session': alice.secret } }),
        call('GET', '/account/sessions', { headers: { 'x-appwrite-session': alice.secret } }),
      ]);
      for (const r of texts) {
        assert.ok(r.status < 300, r.text);
        for (const h of hashes) assert.ok(!r.text.includes(h), `a stored hash leaked: ${r.text.slice(0, 200)}`);
      }
    });

    it('login failures look the same whether the email exists, has no password, or is blocked', async () => {
      await users.create({ userId: ID.unique(), email: 'nopassword@example.com' });
      const blocked = await users.create({ userId: ID.unique(), email: 'blocked-login@example.com', password: PASSWORD });
      await users.updateStatus({ userId: blocked.$id, status: false });
      const attempts = [
        { email: 'nobody-here@example.com', password: PASSWORD },
        { email: 'alice@example.com', password: 'wrong-password-1' },
        { email: 'ALICE@example.com', password: 'wrong-password-1' },
        { email: 'nopassword@example.com', password: PASSWORD },
        { email: 'blocked-login@example.com', password: 'wrong-password-1' },
      ];
      const before = await snapshot(t);
      const answers = await Promise.all(attempts.map((json) => call('POST', '/account/sessions/email', { json })));
      for (const r of answers) assert.deepEqual([r.status, r.type, r.json.message], [401, 'user_invalid_credentials', 'Invalid credentials. Please check the email and password.']);
      assert.deepEqual(await snapshot(t), before);
      // Only the right password reveals the block.
      refused(await call('POST', '/account/sessions/email', { json: { email: 'blocked-login@example.com', password: PASSWORD } }), 403, 'user_blocked', 'right password');
    });

    it('token exchange failures look the same for an unknown user and a wrong secret', async () => {
      const before = await snapshot(t);
      const answers = await Promise.all([
        call('POST', '/account/sessions/token', { json: { userId: 'nobody', secret: '123456' } }),
        call('POST', '/account/sessions/token', { json: { userId: 'alice', secret: '123456' } }),
      ]);
      for (const r of answers) assert.deepEqual([r.status, r.type, r.json.message], [401, 'user_invalid_token', 'Invalid token passed in the request.']);
      assert.deepEqual(await snapshot(t), before);
    });
  });

  describe('injection and hostile parsing', () => {
    const key = () => ({ 'x-appwrite-key': t.apiKey });
    const q = (...queries: string[]) => queries.map((x, i) => `queries[${i}]=${encodeURIComponent(x)}`).join('&');

    it('SQL in query attributes is a 400, in values and search it is literal data', async () => {
      const before = await snapshot(t);
      for (const attribute of ["email' OR '1'='1", 'email; DROP TABLE users; --', 'email) OR (1=1', 'password', 'secret_hash', 'project_id', '__proto__', 'constructor']) {
        const r = await call('GET', `/users?${q(JSON.stringify({ method: 'equal', attribute, values: ['x'] }))}`, { headers: key() });
        refused(r, 400, 'general_argument_invalid', attribute);
      }
      const literal = async (query: string) => {
        const r = await call('GET', `/users?${query}`, { headers: key() });
        assert.equal(r.status, 200, r.text);
        return r.json.total as number;
      };
      assert.equal(await literal(q(JSON.stringify({ method: 'equal', attribute: 'email', values: ["' OR '1'='1"] }))), 0);
      assert.equal(await literal(q(JSON.stringify({ method: 'startsWith', attribute: 'email', values: ['%'] }))), 0, '% is no wildcard');
      assert.equal(await literal(q(JSON.stringify({ method: 'endsWith', attribute: 'email', values: ['_'] }))), 0, '_ is no wildcard');
      assert.equal(await literal(q(JSON.stringify({ method: 'contains', attribute: 'labels', values: ['"]%'] }))), 0);
      assert.equal(await literal(`search=${encodeURIComponent("%' OR 1=1 --")}`), 0);
      assert.equal(await literal(`search=${encodeURIComponent('%')}`), 0);
      assert.equal(await literal(`search=${encodeURIComponent('_')}`), 0);
      assert.equal(await literal(`search=${encodeURIComponent('\\')}`), 0);
      assert.ok((await literal(`search=alice`)) >= 1, 'search itself works');
      assert.deepEqual(await snapshot(t), before);
    });

    it('huge, negative and fractional limits and offsets are a 400 or an empty page, never a 500', async () => {
      const cases: [string, number][] = [
        [JSON.stringify({ method: 'limit', values: [1e20] }), 400],
        [JSON.stringify({ method: 'limit', values: [-1] }), 400],
        [JSON.stringify({ method: 'limit', values: [1.5] }), 400],
        [JSON.stringify({ method: 'limit', values: ['99999999999999999999999'] }), 400],
        [JSON.stringify({ method: 'offset', values: [1e300] }), 400],
        [JSON.stringify({ method: 'offset', values: [-5] }), 400],
        [JSON.stringify({ method: 'offset', values: [Number.MAX_SAFE_INTEGER] }), 200],
        [JSON.stringify({ method: 'greaterThan', attribute: '$sequence', values: [2 ** 63] }), 400],
        [JSON.stringify({ method: 'greaterThan', attribute: '$createdAt', values: ['+275760-09-13T00:00:00.000Z'] }), 200],
        [JSON.stringify({ method: 'cursorAfter', values: ["x' OR 1=1"] }), 400],
      ];
      for (const [query, status] of cases) {
        const r = await call('GET', `/users?${q(query)}`, { headers: key() });
        assert.equal(r.status, status, `${query}: ${r.text.slice(0, 200)}`);
        if (status === 400) assert.equal(r.type, 'general_argument_invalid');
        else assert.equal(r.json.users.length, 0);
      }
    });

    it('path params with quotes, unicode, traversal and NULs are a 4xx and touch nothing', async () => {
      const before = await snapshot(t);
      for (const id of ["victim'--", 'victim"', 'vïctim', '..%2F..%2Fusers', '..', '.victim', 'victim%00', '%E2%80%AE', 'x'.repeat(37), 'a'.repeat(600), '%ZZ']) {
        for (const [method, path, json] of [['GET', `/users/${id}`], ['PATCH', `/users/${id}/name`, { name: 'pwned' }], ['DELETE', `/users/${id}`], ['DELETE', `/account/sessions/${id}`]] as const) {
          const headers = path.startsWith('/account') ? { 'x-appwrite-session': alice.secret } : key();
          const r = await call(method, path, { headers, json });
          assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
          assert.ok(r.type, 'an Appwrite error body');
        }
      }
      assert.deepEqual(await snapshot(t), before);
    });

    it('deeply nested JSON bodies are a 400, not a 500 (prefs, login params, the abuse key)', async () => {
      const before = await snapshot(t);
      const session = { 'x-appwrite-session': alice.secret };
      for (const depth of [600, 100_000]) {
        const arrays = '['.repeat(depth) + ']'.repeat(depth);
        refused(await call('PATCH', '/account/prefs', { headers: session, body: `{"prefs":{"a":${arrays}}}` }), 400, 'general_argument_invalid', `prefs ${depth}`);
        refused(await call('PATCH', `/users/${victim.id}/prefs`, { headers: key(), body: `{"prefs":{"a":${arrays}}}` }), 400, 'general_argument_invalid', `user prefs ${depth}`);
        refused(await call('POST', '/account/sessions/email', { body: `{"email":${'['.repeat(depth)}"victim@example.com"${']'.repeat(depth)},"password":"${PASSWORD}"}` }), 400, 'general_argument_invalid', `email ${depth}`);
        refused(await call('POST', '/account/sessions/token', { body: `{"userId":${arrays},"secret":"123456"}` }), 400, 'general_argument_invalid', `userId ${depth}`);
      }
      assert.deepEqual(await snapshot(t), before);
      // Moderate nesting is data.
      const nested = JSON.parse('{"a":'.repeat(100) + '1' + '}'.repeat(100));
      const ok = await call('PATCH', '/account/prefs', { headers: session, json: { prefs: nested } });
      assert.equal(ok.status, 200, ok.text.slice(0, 200));
      assert.deepEqual((await call('GET', '/account/prefs', { headers: session })).json, nested);
    });

    it('deeply nested query strings and form bodies neither crash the process nor answer 500', async () => {
      const deepQs = 'x' + '[0]'.repeat(5000) + '=1';
      for (const path of [`/health/version?${deepQs}`, `/users?${deepQs}`, `/users?queries${'[0]'.repeat(5000)}=1`, `/account?${deepQs}`]) {
        const r = await call('GET', path, { headers: key() });
        assert.ok(r.status < 500, `${path.slice(0, 40)}: ${r.status} ${r.text.slice(0, 200)}`);
      }
      const before = await snapshot(t);
      const form = await call('POST', '/account/sessions/email', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `email${'[0]'.repeat(200_000)}=victim%40example.com&password=${PASSWORD}`,
      });
      refused(form, 400, 'general_argument_invalid', 'form');
      assert.deepEqual(await snapshot(t), before);
      assert.equal((await call('GET', '/health/version', { project: null })).status, 200, 'the server is still up');
    });

    it('NULs and megabyte values in pre-validation params (the abuse key) are a 400 on every backend', async () => {
      const before = await snapshot(t);
      refused(await call('POST', '/account/sessions/email', { json: { email: 'a\u0000b@example.com', password: PASSWORD } }), 400, 'general_argument_invalid', 'NUL email');
      refused(await call('POST', '/account/sessions/token', { json: { userId: 'a\u0000b', secret: '123456' } }), 400, 'general_argument_invalid', 'NUL userId');
      refused(await call('POST', '/account/sessions/email', { json: { email: 'x'.repeat(900_000), password: PASSWORD } }), 400, 'general_argument_invalid', 'huge email');
      assert.deepEqual(await snapshot(t), before);
      const keys = await t.container.db.selectFrom('rate_limits').select('key').execute();
      assert.ok(keys.every((k) => k.key.length <= 128), 'counters are not keyed by raw param values');
    });

    it('__proto__, constructor and prototype in prefs round-trip as data and pollute nothing', async () => {
      const session = { 'x-appwrite-session': alice.secret };
      const text = '{"prefs":{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"x":1},"theme":"dark"}}';
      const r = await call('PATCH', '/account/prefs', { headers: session, body: text });
      assert.equal(r.status, 200, r.text);
      const got = await call('GET', '/account/prefs', { headers: session });
      assert.equal(got.text, JSON.stringify(JSON.parse(text).prefs), 'stored and returned literally');
      assert.ok(Object.hasOwn(got.json, '__proto__'));
      assert.equal(({} as any).polluted, undefined);
      assert.equal(({} as any).isAdmin, undefined);
      assert.equal((Object.prototype as any).polluted, undefined);
      const viaKey = await call('PATCH', `/users/${alice.id}/prefs`, { headers: key(), body: text });
      assert.equal(viaKey.status, 200);
      assert.equal((await call('GET', `/users/${alice.id}/prefs`, { headers: key() })).text, got.text);
      // The account still works as before.
      assert.equal((await call('GET', '/account', { headers: session })).json.$id, 'alice');
    });

    it('__proto__ at the top of a body cannot smuggle params past validation', async () => {
      const session = { 'x-appwrite-session': alice.secret };
      const jwt = await call('POST', '/account/jwts', { headers: session, body: '{"__proto__":{"duration":999999}}' });
      assert.equal(jwt.status, 201, jwt.text);
      const claims = decodeJwt(jwt.json.jwt);
      assert.equal(claims.exp - claims.iat, 900, 'the smuggled duration is ignored');
      const bad = await call('POST', '/account/jwts', { headers: session, body: '{"__proto__":{"duration":"abc"}}' });
      assert.equal(bad.status, 201, bad.text);

      const created = await call('POST', '/users', {
        headers: key(),
        body: `{"userId":"smuggled","__proto__":{"name":"${'n'.repeat(500)}","email":"not-an-email","password":"x"},"constructor":{"prototype":{"email":"x"}}}`,
      });
      assert.equal(created.status, 201, created.text);
      const row = await t.container.db.selectFrom('users').selectAll().where('project_id', '=', 'default').where('id', '=', 'smuggled').executeTakeFirstOrThrow();
      assert.deepEqual([row.name, row.email, row.password], ['', null, null], 'nothing from __proto__ was stored');
      const qs = await call('GET', `/users?__proto__[0]=x&__proto__=y&constructor[prototype]=z&${q(JSON.stringify({ method: 'limit', values: [1] }))}`, { headers: key() });
      assert.equal(qs.status, 200, qs.text);
      assert.equal(qs.json.users.length, 1);
      assert.equal(({} as any)[0], undefined);
    });

    it('a Host header that is no hostname gets a host-only cookie, not a 500 after the session was written', async () => {
      await users.create({ userId: 'henry', email: 'henry@example.com', password: PASSWORD });
      const login = JSON.stringify({ email: 'henry@example.com', password: PASSWORD });
      for (const host of ['a b.example.com', 'ex;ample.com', 'exa"mple.com', 'x,y.example.com', 'a..b', '[::1', 'evil.com;domain=.victim.com']) {
        const sessionsBefore = (await t.container.db.selectFrom('sessions').select('id').execute()).length;
        const line = await rawRequest(
          t.endpoint,
          `POST /v1/account/sessions/email HTTP/1.1\r\nHost: ${host}\r\nX-Appwrite-Project: default\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(login)}\r\n\r\n${login}`,
        );
        const sessionsAfter = (await t.container.db.selectFrom('sessions').select('id').execute()).length;
        assert.ok(/^HTTP\/1\.1 (201|400)/.test(line), `${host}: ${line}`);
        assert.equal(sessionsAfter - sessionsBefore, line.includes('201') ? 1 : 0, host);
      }
      // Through fetch too, reading the cookie: no Domain attribute.
      const res = await fetch(`${t.endpoint}/account/sessions/anonymous`, { method: 'POST', headers: { 'x-appwrite-project': 'default', 'x-forwarded-host': 'a b' } });
      assert.equal(res.status, 201);
    });

    it('CR/LF in header values, a project id built to inject cookie attributes and oversized headers are refused', async () => {
      const before = await snapshot(t);
      for (const header of ['User-Agent: a\nSet-Cookie: evil=1', 'X-Appwrite-Project: default\rSet-Cookie: evil=1', 'X-Appwrite-Session: a\u0000b']) {
        const line = await rawRequest(t.endpoint, `POST /v1/account/sessions/anonymous HTTP/1.1\r\nHost: localhost\r\n${header}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        assert.match(line, /^HTTP\/1\.1 400/, JSON.stringify(header));
      }
      for (const project of ['default;Domain=evil.com', 'default\tx', 'default=1', 'a_session_default', '../default']) {
        const r = await call('POST', '/account/sessions/anonymous', { project });
        refused(r, 404, 'project_not_found', project);
        assert.equal(r.headers.get('set-cookie'), null);
      }
      const big = await rawRequest(t.endpoint, `GET /v1/account HTTP/1.1\r\nHost: localhost\r\nX-Appwrite-Project: default\r\nX-Appwrite-Session: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
      assert.match(big, /^HTTP\/1\.1 431/);
      const cookies = await rawRequest(t.endpoint, `GET /v1/account HTTP/1.1\r\nHost: localhost\r\nX-Appwrite-Project: default\r\nCookie: ${Array.from({ length: 400 }, (_, i) => `c${i}=${'v'.repeat(60)}`).join('; ')}\r\nConnection: close\r\n\r\n`);
      assert.match(cookies, /^HTTP\/1\.1 431/);
      assert.deepEqual(await snapshot(t), before);
      assert.equal((await call('GET', '/health/version', { project: null })).status, 200);
    });

    it('a hostile user agent is stored as literal data', async () => {
      const ua = `"><script>alert(1)</script>'; DROP TABLE sessions; -- \u00ff`;
      const res = await fetch(`${t.endpoint}/account/sessions/anonymous`, { method: 'POST', headers: { 'x-appwrite-project': 'default', 'user-agent': ua } });
      assert.equal(res.status, 201);
      const body = await res.json();
      const row = await t.container.db.selectFrom('sessions').select('user_agent').where('id', '=', body.$id).executeTakeFirstOrThrow();
      assert.equal(row.user_agent, ua, 'stored as received');
      assert.ok((await t.container.db.selectFrom('sessions').select('id').execute()).length > 0, 'sessions survive');
    });

    it('X-Forwarded-For does not buy a fresh per-IP budget when no proxy is trusted', async () => {
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await call('POST', '/account', { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` }, json: {} });
        refused(r, 400, 'general_argument_invalid', 'empty sign-up');
        remaining.push(Number(r.headers.get('x-ratelimit-remaining')));
      }
      assert.deepEqual(remaining, [remaining[0], remaining[0] - 1, remaining[0] - 2]);
    });
  });

  describe('replay of ended credentials', () => {
    it('a deleted session is refused at once, with its cookie and its JWT', async () => {
      await users.create({ userId: 'dave', email: 'dave@example.com', password: PASSWORD });
      const s = await login('dave@example.com');
      const account = new Account(t.withSession(s.secret));
      const jwt = (await account.createJWT({})).jwt;
      assert.equal((await account.get()).$id, 'dave', 'cached now');
      await account.deleteSession({ sessionId: 'current' });
      await expectError(account.get(), 401, 'general_unauthorized_scope');
      await expectError(new Account(t.withJwt(jwt)).get(), 401, 'general_unauthorized_scope');
      refused(await call('GET', '/account', { headers: { cookie: `a_session_default=${s.secret}` } }), 401, 'general_unauthorized_scope', 'cookie');
      refused(await call('POST', '/account/jwts', { headers: { 'x-appwrite-session': s.secret }, json: {} }), 401, 'general_unauthorized_scope', 'new JWT');

      const s2 = await login('dave@example.com');
      const account2 = new Account(t.withSession(s2.secret));
      assert.equal((await account2.get()).$id, 'dave');
      await users.deleteSession({ userId: 'dave', sessionId: s2.sessionId });
      await expectError(account2.get(), 401, 'general_unauthorized_scope');
    });

    it('a blocked user is refused at once with session, JWT and password', async () => {
      await users.create({ userId: 'mallory', email: 'mallory@example.com', password: PASSWORD });
      const s = await login('mallory@example.com');
      const account = new Account(t.withSession(s.secret));
      const jwt = (await account.createJWT({})).jwt;
      assert.equal((await account.get()).$id, 'mallory');
      await users.updateStatus({ userId: 'mallory', status: false });
      const before = await snapshot(t);
      await expectError(account.get(), 403, 'user_blocked');
      await expectError(account.updateName({ name: 'still here' }), 403, 'user_blocked');
      await expectError(new Account(t.withJwt(jwt)).get(), 403, 'user_blocked');
      await expectError(account.createJWT({}), 403, 'user_blocked');
      refused(await call('POST', '/account/sessions/email', { json: { email: 'mallory@example.com', password: PASSWORD } }), 403, 'user_blocked', 'login');
      assert.deepEqual(await snapshot(t), before);
    });

    it("a token secret of one user cannot be exchanged for another user", async () => {
      await users.create({ userId: 'erin', email: 'erin@example.com' });
      await users.create({ userId: 'frank', email: 'frank@example.com' });
      const token = await users.createToken({ userId: 'erin', length: 6 });
      const before = await snapshot(t);
      await expectError(new Account(client()).createSession({ userId: 'frank', secret: token.secret }), 401, 'user_invalid_token');
      await expectError(new Account(client()).createSession({ userId: 'unique()', secret: token.secret }), 401, 'user_invalid_token');
      assert.deepEqual(await snapshot(t), before, 'the token was not consumed by the refused attempts');
      const session = await new Account(client()).createSession({ userId: 'erin', secret: token.secret });
      assert.equal(session.userId, 'erin');
      await expectError(new Account(client()).createSession({ userId: 'erin', secret: token.secret }), 401, 'user_invalid_token');
    });

    it('a session cookie whose user id is swapped for another user is a guest', async () => {
      const { secret } = JSON.parse(Buffer.from(alice.secret, 'base64').toString());
      for (const forged of [
        Buffer.from(JSON.stringify({ id: victim.id, secret })).toString('base64'),
        Buffer.from(JSON.stringify({ id: 'alice', secret: secret.slice(0, -1) + (secret.endsWith('0') ? '1' : '0') })).toString('base64'),
        Buffer.from(JSON.stringify({ id: 'alice', secret: [secret] })).toString('base64'),
        Buffer.from(JSON.stringify({ id: { $ne: '' }, secret })).toString('base64'),
      ]) {
        refused(await call('GET', '/account', { headers: { 'x-appwrite-session': forged } }), 401, 'general_unauthorized_scope', forged.slice(0, 20));
      }
    });

    it('a cookie planted before login is not adopted as the session (no fixation)', async () => {
      await users.create({ userId: 'ivy', email: 'ivy@example.com', password: PASSWORD });
      const planted = Buffer.from(JSON.stringify({ id: 'ivy', secret: 'f'.repeat(256) })).toString('base64');
      const r = await call('POST', '/account/sessions/email', { headers: { cookie: `a_session_default=${planted}` }, json: { email: 'ivy@example.com', password: PASSWORD } });
      assert.equal(r.status, 201, r.text);
      const issued = decodeURIComponent(r.headers.getSetCookie().find((c) => c.startsWith('a_session_default='))!.split(';')[0].split('=').slice(1).join('='));
      assert.notEqual(issued, planted);
      refused(await call('GET', '/account', { headers: { cookie: `a_session_default=${planted}` } }), 401, 'general_unauthorized_scope', 'planted');
      assert.equal((await call('GET', '/account', { headers: { cookie: `a_session_default=${issued}` } })).json.$id, 'ivy');
    });

    it('JWTs with alg none, another key, HS256 over the public key, or no/another audience are refused', async () => {
      const row = await t.container.db.selectFrom('server_settings').select('value').where('name', '=', 'jwt_signing_keys').executeTakeFirstOrThrow();
      const current = JSON.parse(t.container.sealer.open(row.value, 'server_settings:jwt_signing_keys')).keys[0];
      const realKey = createPrivateKey({ key: current.privateJwk, format: 'jwk' });
      const otherKey = generateKeyPairSync('ed25519').privateKey;
      const nowS = Math.floor(clock.now() / 1000);
      const claims = { userId: 'victim', sessionId: victim.sessionId, aud: 'default' };
      const sign = (alg: string, key: KeyObject | Uint8Array, payload: object = claims) =>
        new SignJWT({ ...payload }).setProtectedHeader({ alg, typ: 'JWT', kid: current.kid }).setIssuedAt(nowS).setExpirationTime(nowS + 600).sign(key);
      const publicBytes = Buffer.from(current.privateJwk.x, 'base64url');
      const forged: [string, string, RegExp][] = [
        ['none', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, iat: nowS, exp: nowS + 600 })}.`, /Unsupported header algo/],
        ['None', `${b64url({ alg: 'None', typ: 'JWT' })}.${b64url({ ...claims, iat: nowS, exp: nowS + 600 })}.`, /Unsupported header algo/],
        ['no alg', `${b64url({ typ: 'JWT' })}.${b64url({ ...claims, iat: nowS, exp: nowS + 600 })}.x`, /Missing header algo/],
        ['other key, real kid', await sign('EdDSA', otherKey), /Signature failed/],
        ['HS256 keyed with the public key', await sign('HS256', publicBytes), /Signature failed/],
        ['payload swapped', `${alice.jwt.split('.')[0]}.${b64url({ ...decodeJwt(alice.jwt), userId: 'victim' })}.${alice.jwt.split('.')[2]}`, /Signature failed/],
        ['no audience', await sign('EdDSA', realKey, { userId: 'victim', sessionId: victim.sessionId }), /Project mismatch/],
        ['another project', await sign('EdDSA', realKey, { ...claims, aud: B }), /Project mismatch/],
      ];
      const before = await snapshot(t);
      for (const [what, jwt, reason] of forged) {
        await expectError(new Account(t.withJwt(jwt)).get(), 401, 'user_jwt_invalid', reason).catch((e) => assert.fail(`${what}: ${e.message}`));
        refused(await call('PATCH', '/account/name', { headers: { 'x-appwrite-jwt': jwt }, json: { name: 'pwned' } }), 401, 'user_jwt_invalid', what);
      }
      assert.deepEqual(await snapshot(t), before);
      // Control: the real key is accepted, so the refusals above are about the forgery.
      assert.equal((await new Account(t.withJwt(await sign('EdDSA', realKey))).get()).$id, 'victim');
    });

    // Last: these move the shared clock past every JWT's lifetime.
    it('expired JWTs, tokens and sessions are refused', async () => {
      await t.setAuths({ duration: 7200 });
      try {
        await users.create({ userId: 'grace', email: 'grace@example.com', password: PASSWORD });
        const s = await login('grace@example.com');
        const account = new Account(t.withSession(s.secret));
        const jwt = (await account.createJWT({ duration: 60 })).jwt;
        const token = await users.createToken({ userId: 'grace', expire: 60 });
        assert.equal((await new Account(t.withJwt(jwt)).get()).$id, 'grace');
        clock.advance(61_000);
        await expectError(new Account(t.withJwt(jwt)).get(), 401, 'user_jwt_invalid', /Expired/);
        await expectError(new Account(client()).createSession({ userId: 'grace', secret: token.secret }), 401, 'user_invalid_token');
        assert.equal((await account.get()).$id, 'grace', 'the session lives on');
        clock.advance(7200_000);
        await expectError(account.get(), 401, 'general_unauthorized_scope');
        refused(await call('GET', '/account', { headers: { cookie: `a_session_default=${s.secret}` } }), 401, 'general_unauthorized_scope', 'expired cookie');
      } finally {
        await t.restoreSettings();
      }
    });
  });
});
