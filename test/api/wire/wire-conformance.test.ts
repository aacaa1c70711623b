import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, AppwriteException, ID, Users } from 'node-appwrite';
import { backends, rejection, projectChanged, rawHttp, startServer, type RawResponse, type TestServer } from '../../harness.ts';
import { toAppwriteError } from '../../../src/http/errors.ts';
import { AppwriteError } from '../../../src/errors/errors.ts';

// Conformance with Appwrite's wire conventions; each test names the Appwrite source it follows.

type Raw = RawResponse;

/** One raw HTTP exchange under /v1 with a JSON body, so Host and every header are exactly what the test says. */
function raw(t: TestServer, opts: { method?: string; path: string; headers?: Record<string, string>; body?: unknown }): Promise<Raw> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  return rawHttp(t.endpoint, { method: opts.method, path: `/v1${opts.path}`, headers, body });
}

const cookieOf = (res: Raw, name: string) => [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${name}=`));
const garbage = Buffer.from('{"nothing":"here"}').toString('base64');

for (const backend of backends()) {
  describe(`wire conformance [${backend}]`, () => {
    let t: TestServer;
    let secret: string;
    const email = 'conform@example.com';
    const project = { 'x-appwrite-project': 'default' };

    before(async () => {
      t = await startServer(backend);
      await new Users(t.server()).create({ userId: ID.unique(), email, password: 'conform-pass-1' });
      secret = (await new Account(t.server()).createEmailPasswordSession({ email, password: 'conform-pass-1' })).secret;
    });
    after(async () => t?.close());

    async function addWebPlatform(id: string, hostname: string) {
      const now = Date.now();
      await t.container.db.insertInto('platforms').values({ project_id: 'default', id, type: 'web', name: id, hostname, key: '', created_at: now, updated_at: now }).execute();
      await projectChanged(t.container, 'default');
    }

    describe('project resolution (app/init/resources/request.php:604-637)', () => {
      it('the project param wins over X-Appwrite-Project: query for GET, body otherwise', async () => {
        const get = await raw(t, { path: '/account?project=no-such-project', headers: project });
        assert.deepEqual([get.status, get.json().type], [404, 'project_not_found']);
        const post = await raw(t, { method: 'POST', path: '/account/sessions/anonymous', headers: project, body: { project: 'no-such-project' } });
        assert.deepEqual([post.status, post.json().type], [404, 'project_not_found']);
      });

      it('a non-GET request without header or body param reads the project from the query string', async () => {
        const res = await raw(t, { method: 'POST', path: '/account/sessions/anonymous?project=default', body: {} });
        assert.equal(res.status, 201);
        assert.ok(cookieOf(res, 'a_session_default'));
      });

      it('no project, or the console, is 401 general_access_forbidden with Appwrite\'s wording (general.php:827-831)', async () => {
        const none = await raw(t, { path: '/account' });
        assert.deepEqual([none.status, none.json().type], [401, 'general_access_forbidden']);
        assert.equal(none.json().message, 'No Appwrite project was specified. Please specify your project ID when initializing your Appwrite SDK.');
        const console = await raw(t, { path: '/account', headers: { 'x-appwrite-project': 'console' } });
        assert.equal(console.status, 401);
        assert.match(console.json().message, /^This endpoint is not available for the console project\./);
      });

      it('an API key needs X-Appwrite-Project to name its project: 403 project_id_missing (request.php:1053-1057)', async () => {
        const res = await raw(t, { path: '/users?project=default', headers: { 'x-appwrite-key': t.apiKey } });
        assert.deepEqual([res.status, res.json().type], [403, 'project_id_missing']);
        const ok = await raw(t, { path: '/users', headers: { ...project, 'x-appwrite-key': t.apiKey } });
        assert.equal(ok.status, 200);
      });
    });

    describe('caller resolution (request.php:441-583, shared/api.php:136-172)', () => {
      const me = async (headers: Record<string, string>) => {
        const res = await raw(t, { path: '/account', headers: { ...project, ...headers } });
        return { status: res.status, debug: res.headers['x-debug-fallback'], body: res.json() };
      };

      it('a cookie that does not decode to a session gives way to X-Appwrite-Session, then X-Fallback-Cookies', async () => {
        const viaHeader = await me({ cookie: `a_session_default=${garbage}`, 'x-appwrite-session': secret });
        assert.deepEqual([viaHeader.status, viaHeader.body.email, viaHeader.debug], [200, email, 'false']);
        const viaFallback = await me({ cookie: 'a_session_default=%%%', 'x-fallback-cookies': JSON.stringify({ a_session_default: secret }) });
        assert.deepEqual([viaFallback.status, viaFallback.body.email, viaFallback.debug], [200, email, 'true']);
      });

      it('a cookie that decodes but does not match is not skipped: the caller is a guest', async () => {
        const wrong = Buffer.from(JSON.stringify({ id: 'someone', secret: 'f'.repeat(64) })).toString('base64');
        const res = await me({ cookie: `a_session_default=${wrong}`, 'x-appwrite-session': secret });
        assert.deepEqual([res.status, res.body.type, res.debug], [401, 'general_unauthorized_scope', 'false']);
      });

      it('X-Debug-Fallback is true whenever neither cookie nor X-Appwrite-Session carried a session', async () => {
        assert.equal((await me({ cookie: `a_session_default=${secret}` })).debug, 'false');
        assert.equal((await me({})).debug, 'true');
        assert.equal((await me({ 'x-appwrite-session': garbage })).debug, 'true');
      });

      it('a key of no stored type is a guest key: its scopes replace the signed-in user\'s (Auth/Key.php:130-138)', async () => {
        const res = await me({ 'x-appwrite-session': secret, 'x-appwrite-key': 'whatever_123' });
        assert.deepEqual([res.status, res.body.type], [401, 'general_unauthorized_scope']);
        assert.equal(res.body.message, `${email} (role: guests) missing scopes (["account"])`);
      });

      it('a valid key next to a session acts as the project\'s service user, named so in scope errors', async () => {
        const res = await me({ 'x-appwrite-session': secret, 'x-appwrite-key': t.apiKey });
        assert.equal(res.status, 401);
        assert.equal(res.body.message, 'app.default@service.127.0.0.1 (role: applications) missing scopes (["account"])');
      });

      it('a signed-in user missing a scope is named by email', async () => {
        const err = await rejection(new Users(t.withSession(secret)).list({}));
        assert.deepEqual([err.code, err.type], [401, 'general_unauthorized_scope']);
        assert.equal(err.message, `${email} (role: users) missing scopes (["users.read"])`);
      });

      it('X-Appwrite-User with a key and a signed-in user is 403 user_api_key_and_session_set', async () => {
        const res = await me({ 'x-appwrite-session': secret, 'x-appwrite-key': t.apiKey, 'x-appwrite-user': 'anyone' });
        assert.deepEqual([res.status, res.body.type], [403, 'user_api_key_and_session_set']);
      });
    });

    describe('origins (Network/Validator/Origin.php, Network/Cors.php, init/resources/request.php:253-312)', () => {
      const fromOrigin = (origin: string, headers: Record<string, string> = {}) => raw(t, { path: '/account', headers: { ...project, origin, 'x-appwrite-session': secret, ...headers } });

      it('127.0.0.1 and [::1] are trusted as aliases of an allowed localhost', async () => {
        for (const origin of ['http://127.0.0.1:5173', 'http://[::1]:3000']) {
          const res = await fromOrigin(origin);
          assert.equal(res.status, 200, origin);
          assert.equal(res.headers['access-control-allow-origin'], origin);
        }
        for (const origin of ['http://127.0.0.2', 'http://127.0.0.1.evil.example', 'http://xlocalhost']) {
          assert.equal((await fromOrigin(origin)).status, 403, origin);
        }
      });

      it('the 403 message says what Appwrite says for each kind of origin', async () => {
        const cases: [string, string][] = [
          ['null', 'Invalid Origin.'],
          ['file://', 'Invalid Scheme. The scheme used (file) in the Origin (file://) is not supported. If you are using a custom scheme, please change it to `appwrite-callback-<PROJECT_ID>`'],
          ['appwrite-ios://com.example.app', 'Invalid Origin. Register your new client (com.example.app) as a new iOS platform on your project console dashboard'],
          ['chrome-extension://abcdef', 'Invalid Origin. Register your new client (abcdef) as a new Web (Chrome Extension) platform on your project console dashboard'],
        ];
        for (const [origin, message] of cases) {
          const res = await fromOrigin(origin);
          assert.deepEqual([res.status, res.json().type, res.json().message], [403, 'general_unknown_origin', message], origin);
        }
      });

      it('the exp scheme and the project\'s own appwrite-callback scheme are allowed, another project\'s is not', async () => {
        assert.equal((await fromOrigin('exp://192.168.1.5:8081')).status, 200);
        assert.equal((await fromOrigin('appwrite-callback-default://auth')).status, 200);
        assert.equal((await fromOrigin('appwrite-callback-other://auth')).status, 403);
      });

      it('a platform hostname starting with * matches by suffix, never the bare domain', async () => {
        await addWebPlatform('wild', '*.wild.example');
        assert.equal((await fromOrigin('https://app.wild.example')).status, 200);
        assert.equal((await fromOrigin('https://wild.example')).status, 403);
      });

      // Appwrite skips the origin check for any X-Appwrite-Key header (general.php:1038); Tessera only
      // for a key that authenticated, so a made-up header cannot open a project to any site.
      it('an X-Appwrite-Key header that authenticates nothing does not skip the origin check', async () => {
        const res = await raw(t, { method: 'POST', path: '/account/sessions/anonymous', headers: { ...project, origin: 'https://evil.example', 'x-appwrite-key': 'whatever_1' }, body: {} });
        assert.equal(res.status, 403);
        assert.equal(res.headers['access-control-allow-origin'], undefined, 'and the origin is not echoed');
      });

      it('the origin is checked before the project is looked up', async () => {
        const res = await raw(t, { path: '/account', headers: { 'x-appwrite-project': 'no-such-project', origin: 'https://evil.example' } });
        assert.deepEqual([res.status, res.json().type], [403, 'general_unknown_origin']);
      });

      it('a preflight echoes only an origin that has a host, with the full CORS header set', async () => {
        const ok = await raw(t, { method: 'OPTIONS', path: '/account', headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'PATCH' } });
        assert.equal(ok.status, 204);
        assert.equal(ok.headers['access-control-allow-origin'], 'https://anywhere.example');
        assert.equal(ok.headers['access-control-allow-methods'], 'GET, POST, PUT, PATCH, DELETE');
        assert.equal(ok.headers['access-control-max-age'], '86400');
        const opaque = await raw(t, { method: 'OPTIONS', path: '/account', headers: { origin: 'null' } });
        assert.equal(opaque.status, 204);
        assert.equal(opaque.headers['access-control-allow-origin'], undefined);
        assert.equal(opaque.headers['access-control-allow-credentials'], 'true');
      });
    });

    describe('response headers and errors (utopia-php/http Response.php, general.php:1212-1561)', () => {
      it('every response carries X-Debug-Speed in seconds', async () => {
        const responses = [
          await raw(t, { path: '/account', headers: { ...project, 'x-appwrite-session': secret } }),
          await raw(t, { path: '/account', headers: project }),
          await raw(t, { path: '/no-such-route', headers: project }),
          await raw(t, { method: 'OPTIONS', path: '/account' }),
        ];
        for (const res of responses) {
          const speed = Number(res.headers['x-debug-speed']);
          assert.ok(Number.isFinite(speed) && speed >= 0 && speed < 10, `${res.status}: ${res.headers['x-debug-speed']}`);
        }
      });

      it('route-not-found and framework errors are never cached, like every other error', async () => {
        for (const path of ['/no-such-route', '/account/%E0%A4%A']) {
          const res = await raw(t, { path, headers: project });
          assert.ok(res.status === 404 || res.status === 400, path);
          assert.equal(res.headers['cache-control'], 'no-cache, no-store, must-revalidate', path);
          assert.equal(res.headers.expires, '0');
          assert.equal(res.headers.pragma, 'no-cache');
          assert.deepEqual(Object.keys(res.json()), ['message', 'code', 'type', 'version']);
        }
      });

      it('an unexpected failure is 500 general_unknown "Server Error"; a non-public status is masked too', () => {
        const unknown = toAppwriteError(new Error('db exploded: password=hunter2'));
        assert.deepEqual([unknown.code, unknown.type, unknown.message], [500, 'general_unknown', 'Server Error']);
        const internal = toAppwriteError(new AppwriteError('general_server_error', 'stack details'));
        assert.deepEqual([internal.code, internal.type, internal.message], [500, 'general_server_error', 'Server Error']);
        const unsupported = toAppwriteError(new AppwriteError('user_auth_method_unsupported', 'Phone authentication is disabled'));
        assert.deepEqual([unsupported.code, unsupported.message], [501, 'Phone authentication is disabled']);
      });

      it('X-Forwarded-User-Agent is used only for API-key callers (Utopia/Request.php:203-216)', async () => {
        const agents = { 'user-agent': 'Real/2.0', 'x-forwarded-user-agent': 'Visitor/3.0' };
        const guest = await raw(t, { method: 'POST', path: '/account/sessions/anonymous', headers: { ...project, ...agents }, body: {} });
        const user = await new Users(t.server()).create({ userId: ID.unique(), email: 'forwarded@example.com' });
        const keyed = await raw(t, { method: 'POST', path: `/users/${user.$id}/sessions`, headers: { ...project, ...agents, 'x-appwrite-key': t.apiKey }, body: {} });
        const agentOf = async (id: string) => (await t.container.db.selectFrom('sessions').select('user_agent').where('id', '=', id).executeTakeFirstOrThrow()).user_agent;
        assert.equal(await agentOf(guest.json().$id), 'Real/2.0');
        assert.equal(await agentOf(keyed.json().$id), 'Visitor/3.0');
      });
    });

    describe('session cookies (controllers/api/account.php:254-268, resources/request.php:317-358)', () => {
      it('main cookie SameSite=None, legacy without SameSite; HttpOnly, Path=/, a year ahead, no Domain on an IP host', async () => {
        const res = await raw(t, { method: 'POST', path: '/account/sessions/anonymous', headers: project, body: {} });
        const main = cookieOf(res, 'a_session_default')!;
        const legacy = cookieOf(res, 'a_session_default_legacy')!;
        for (const c of [main, legacy]) {
          assert.match(c, /; HttpOnly/);
          assert.match(c, /; Path=\//);
          assert.doesNotMatch(c, /Domain=|Secure/);
          const expires = Date.parse(/Expires=([^;]+)/.exec(c)![1]);
          assert.ok(Math.abs(expires - Date.now() - 31_536_000_000) < 60_000);
        }
        assert.match(main, /; SameSite=None/);
        assert.doesNotMatch(legacy, /SameSite/);
      });

      it('on a named host the cookies carry Domain=.<host>, lower-cased; localhost gets none', async () => {
        const named = await raw(t, { method: 'POST', path: '/account/sessions/anonymous', headers: { ...project, host: 'API.Example.org' }, body: {} });
        assert.match(cookieOf(named, 'a_session_default')!, /; Domain=\.api\.example\.org/);
        const local = await raw(t, { method: 'POST', path: '/account/sessions/anonymous', headers: { ...project, host: 'localhost:8080' }, body: {} });
        assert.doesNotMatch(cookieOf(local, 'a_session_default')!, /Domain=/);
      });
    });
  });

  describe(`wire conformance behind https with a public hostname [${backend}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startServer(backend, { env: { TESSERA_PUBLIC_URL: 'https://auth.example.com', TESSERA_TRUST_PROXY: '127.0.0.1' } });
    });
    after(async () => t?.close());

    it('sends Strict-Transport-Security and Secure cookies over https only (general.php:1031-1034)', async () => {
      const https = await raw(t, { method: 'POST', path: '/account/sessions/anonymous', headers: { 'x-appwrite-project': 'default', 'x-forwarded-proto': 'https' }, body: {} });
      assert.equal(https.headers['strict-transport-security'], 'max-age=10886400');
      assert.match(cookieOf(https, 'a_session_default')!, /; Secure/);
      const plain = await raw(t, { path: '/account', headers: { 'x-appwrite-project': 'default' } });
      assert.equal(plain.headers['strict-transport-security'], undefined);
    });

    it('refuses localhost origins unless localhost is a web platform (Network/Platform.php LOOPBACK_ALIASES)', async () => {
      const call = (origin: string) => raw(t, { path: '/account', headers: { 'x-appwrite-project': 'default', origin } });
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:5173']) {
        const res = await call(origin);
        assert.deepEqual([res.status, res.json().type], [403, 'general_unknown_origin'], origin);
      }
      assert.equal((await call('https://auth.example.com')).json().type, 'general_unauthorized_scope', 'the server\'s own host is allowed');
      const now = Date.now();
      await t.container.db.insertInto('platforms').values({ project_id: 'default', id: 'local', type: 'web', name: 'Dev', hostname: 'localhost', key: '', created_at: now, updated_at: now }).execute();
      await projectChanged(t.container, 'default');
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:5173']) {
        const res = await call(origin);
        assert.equal(res.json().type, 'general_unauthorized_scope', origin);
        assert.equal(res.headers['access-control-allow-origin'], origin);
      }
    });

    it('an SDK call through a forged Origin still gets the Appwrite error', async () => {
      const err = await rejection(new Account(t.guest().addHeader('Origin', 'https://evil.example')).get());
      assert.ok(err instanceof AppwriteException);
      assert.deepEqual([err.code, err.type], [403, 'general_unknown_origin']);
    });
  });
}
