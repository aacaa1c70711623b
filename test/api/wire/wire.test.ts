import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, projectChanged, rawHttp, startServer, type TestServer } from '../../harness.ts';

/** One raw HTTP exchange: full control over Host, paths and bodies (fetch normalises some of them). */
const raw = (t: TestServer, opts: Parameters<typeof rawHttp>[1]) => rawHttp(t.endpoint, opts);

describeEachBackend('wire conventions', (backend) => {
  let t: TestServer;
  let userId: string;
  const password = 'wire-password-1';
  before(async () => {
    t = await startServer(backend);
    const user = await new Users(t.server()).create({ userId: ID.unique(), email: 'wire@example.com', password, name: 'Wire' });
    userId = user.$id;
  });
  after(async () => t?.close());

  async function usersCount(): Promise<number> {
    const row = await t.container.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function login(headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; secret: string }> {
    const res = await raw(t, {
      method: 'POST',
      path: '/v1/account/sessions/email',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': 'default', ...headers },
      body: JSON.stringify({ email: 'wire@example.com', password }),
    });
    const cookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('a_session_default='));
    return { status: res.status, headers: res.headers, secret: decodeURIComponent(cookie?.split(';')[0].split('=').slice(1).join('=') ?? '') };
  }

  describe('project resolution', () => {
    it('an unknown project id in the header is 404 project_not_found', async () => {
      const res = await t.fetch('/account', { headers: { 'x-appwrite-project': 'no-such-project' } });
      assert.equal(res.status, 404);
      assert.equal((await res.json()).type, 'project_not_found');
    });

    it('the project query param selects the project when the header is absent', async () => {
      const unknown = await raw(t, { path: '/v1/account?project=no-such-project' });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json().type, 'project_not_found');
      // The known project is found: a guest then fails on scope, not on the project.
      const known = await raw(t, { path: '/v1/account?project=default' });
      assert.equal(known.status, 401);
      assert.equal(known.json().type, 'general_unauthorized_scope');
    });

    it('an over-long project id is 404 project_not_found, not a server error', async () => {
      const res = await t.fetch('/account', { headers: { 'x-appwrite-project': 'p'.repeat(5000) } });
      assert.equal(res.status, 404);
      assert.equal((await res.json()).type, 'project_not_found');
    });

    it('a project param with a NUL or other odd characters is 404 project_not_found, not a server error', async () => {
      for (const q of ['%00', 'a%00b', '..%2F', '%E2%80%AE', '-x']) {
        const res = await fetch(`${t.endpoint}/users?project=${q}`, { headers: { 'x-appwrite-key': t.apiKey } });
        assert.equal(res.status, 404, q);
        assert.equal((await res.json()).type, 'project_not_found');
      }
    });

    it('/v1/account without any project is 401 general_access_forbidden, naming the missing project', async () => {
      for (const headers of [{}, { 'x-appwrite-project': 'console' }] as Record<string, string>[]) {
        const res = await raw(t, { path: '/v1/account', headers });
        assert.equal(res.status, 401);
        assert.equal(res.json().type, 'general_access_forbidden');
        const body = res.json();
        assert.equal(body.code, res.status);
        assert.equal(typeof body.type, 'string');
        assert.match(body.message, /project/i);
      }
    });

    it('GET /v1/health/version answers without auth or project, and for the console project as the CLI sends it', async () => {
      const variants: Record<string, string>[] = [{}, { 'x-appwrite-project': 'console' }, { 'x-appwrite-project': 'console', 'x-appwrite-key': 'standard_nonsense' }];
      for (const headers of variants) {
        const res = await raw(t, { path: '/v1/health/version', headers });
        assert.equal(res.status, 200);
        const body = res.json();
        assert.equal(typeof body.version, 'string');
        assert.match(body.version, /^\d+\.\d+\.\d+/);
      }
    });

    it('an unknown route is 404 general_route_not_found with the JSON error body', async () => {
      for (const path of ['/v1/no-such-route', '/v1/users/x/y/z/w', '/nothing-here']) {
        const res = await raw(t, { path, headers: { 'x-appwrite-project': 'default' } });
        assert.equal(res.status, 404, path);
        assert.match(String(res.headers['content-type']), /application\/json/);
        const body = res.json();
        assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'type', 'version']);
        assert.equal(body.code, 404);
        assert.equal(body.type, 'general_route_not_found');
        assert.equal(typeof body.version, 'string');
      }
    });
  });

  describe('CORS and origin checks', () => {
    it('OPTIONS on any /v1 path is 204 with the CORS headers echoing the origin', async () => {
      for (const path of ['/v1/account', '/v1/users/abc/prefs', '/v1/no-such-route']) {
        const res = await raw(t, {
          method: 'OPTIONS',
          path,
          headers: { origin: 'https://somewhere.example', 'access-control-request-method': 'POST' },
        });
        assert.equal(res.status, 204, path);
        assert.equal(res.headers['access-control-allow-origin'], 'https://somewhere.example');
        assert.equal(res.headers['access-control-allow-credentials'], 'true');
        const allow = String(res.headers['access-control-allow-headers']).split(/,\s*/);
        assert.ok(allow.includes('X-Appwrite-Project'));
        assert.ok(allow.includes('X-Fallback-Cookies'));
        assert.equal(res.headers['access-control-expose-headers'], 'X-Appwrite-Session, X-Fallback-Cookies');
      }
    });

    it('allows a localhost dev origin and echoes it', async () => {
      const { secret } = await login();
      const res = await t.fetch('/account', { headers: { origin: 'http://localhost:5173', 'x-appwrite-session': secret } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
      assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
      assert.equal((await res.json()).$id, userId);
    });

    it('rejects an unknown origin without a key with 403 general_unknown_origin, CORS headers included', async () => {
      const { secret } = await login();
      const res = await t.fetch('/account', { headers: { origin: 'https://evil.example', 'x-appwrite-session': secret } });
      assert.equal(res.status, 403);
      const body = await res.json();
      assert.equal(body.type, 'general_unknown_origin');
      assert.match(body.message, /evil\.example/);
      assert.equal(res.headers.get('access-control-allow-origin'), null, 'an unknown origin is never echoed');
      assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
      assert.equal(res.headers.get('access-control-expose-headers'), 'X-Appwrite-Session, X-Fallback-Cookies');

      const before = await usersCount();
      const signup = await t.fetch('/account', {
        method: 'POST',
        headers: { origin: 'https://evil.example' },
        json: { userId: 'unique()', email: 'csrf@example.com', password: 'password-123' },
      });
      assert.equal(signup.status, 403);
      assert.equal(await usersCount(), before, 'a rejected origin creates nothing');
    });

    it('does not apply the origin check to API-key callers', async () => {
      const res = await t.fetch('/users', { headers: { origin: 'https://evil.example', 'x-appwrite-key': t.apiKey } });
      assert.equal(res.status, 200);
      assert.ok((await res.json()).total >= 1);
    });

    it('a registered web platform hostname becomes an allowed origin', async () => {
      const { secret } = await login();
      const call = () => t.fetch('/account', { headers: { origin: 'https://app.example.com', 'x-appwrite-session': secret } });
      const refused = await call();
      assert.equal(refused.status, 403);
      assert.equal((await refused.json()).type, 'general_unknown_origin');

      const now = Date.now();
      await t.container.db
        .insertInto('platforms')
        .values({ project_id: 'default', id: 'web1', type: 'web', name: 'Web app', hostname: 'app.example.com', key: '', created_at: now, updated_at: now })
        .execute();
      await projectChanged(t.container, 'default');

      const allowed = await call();
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
      // A sibling host is not covered by the platform.
      const sibling = await t.fetch('/account', { headers: { origin: 'https://other.example.com', 'x-appwrite-session': secret } });
      assert.equal(sibling.status, 403);
    });
  });

  describe('X-Fallback-Cookies', () => {
    it('is sent on session creation without an Origin (server-side callers)', async () => {
      const res = await login();
      assert.equal(res.status, 201);
      const fallback = JSON.parse(String(res.headers['x-fallback-cookies']));
      assert.equal(fallback.a_session_default, res.secret);
    });

    it('is not sent when the Origin shares the registrable domain of the API host', async () => {
      const now = Date.now();
      await t.container.db
        .insertInto('platforms')
        .values({ project_id: 'default', id: 'web2', type: 'web', name: 'Site', hostname: 'www.example.org', key: '', created_at: now, updated_at: now })
        .execute();
      await projectChanged(t.container, 'default');
      const same = await login({ host: 'api.example.org', origin: 'https://www.example.org' });
      assert.equal(same.status, 201);
      assert.equal(same.headers['x-fallback-cookies'], undefined);
      assert.ok(same.secret, 'the cookie is still set');
      // Another registrable domain (a localhost app against a remote API) does get it.
      const cross = await login({ host: 'api.example.org', origin: 'http://localhost:5173' });
      assert.equal(cross.status, 201);
      assert.ok(cross.headers['x-fallback-cookies']);
    });
  });

  describe('bad input changes nothing and is a 4xx', () => {
    const key = () => ({ 'x-appwrite-project': 'default', 'x-appwrite-key': t.apiKey });

    async function expect4xx(opts: Parameters<typeof raw>[1], type?: string, message?: RegExp | string) {
      const before = await usersCount();
      const res = await raw(t, opts);
      assert.ok(res.status >= 400 && res.status < 500, `${opts.method ?? 'GET'} ${opts.path.slice(0, 80)} → ${res.status} ${res.text.slice(0, 200)}`);
      if (type) {
        const body = res.json();
        assert.equal(body.type, type, res.text);
        if (typeof message === 'string') assert.equal(body.message, message);
        else if (message) assert.match(body.message, message);
      }
      assert.equal(await usersCount(), before, 'the users table is unchanged');
      return res;
    }
    const json = (method: string, path: string, body: unknown, headers: Record<string, string> = key()) =>
      ({ method, path, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('a malformed JSON body is 400 general_argument_invalid', async () => {
      for (const body of ['{"userId": ', '{userId: "x"}', '[1,2', 'nul']) {
        await expect4xx({ method: 'POST', path: '/v1/users', headers: { ...key(), 'content-type': 'application/json' }, body }, 'general_argument_invalid');
      }
    });

    it('a body that is valid JSON but not an object is 400', async () => {
      for (const body of ['[]', '"text"', '42', 'null', 'true']) {
        await expect4xx({ method: 'POST', path: '/v1/users', headers: { ...key(), 'content-type': 'application/json' }, body }, 'general_argument_invalid');
      }
    });

    it('params of the wrong type are 400 general_argument_invalid naming the param', async () => {
      const guest = { 'x-appwrite-project': 'default' };
      await expect4xx(json('POST', '/v1/account', { userId: 'unique()', email: 42, password: 'password-123' }, guest), 'general_argument_invalid', /`email`/);
      await expect4xx(json('POST', '/v1/users', { userId: { $ne: 1 }, email: 'typed@example.com' }), 'general_argument_invalid', /`userId`/);
      await expect4xx(json('POST', '/v1/users', { userId: ['a'], email: 'typed@example.com' }), 'general_argument_invalid', /`userId`/);
      await expect4xx(json('PATCH', `/v1/users/${userId}/prefs`, { prefs: [1, 2] }), 'general_argument_invalid', /`prefs`/);
      await expect4xx(json('PATCH', `/v1/users/${userId}/prefs`, { prefs: 'theme=dark' }), 'general_argument_invalid', /`prefs`/);
      await expect4xx(json('PUT', `/v1/users/${userId}/labels`, { labels: 'admin' }), 'general_argument_invalid', /`labels`/);
      await expect4xx(json('PUT', `/v1/users/${userId}/labels`, { labels: { 0: 'admin' } }), 'general_argument_invalid', /`labels`/);
      await expect4xx(json('PATCH', `/v1/users/${userId}/status`, { status: 'yes' }), 'general_argument_invalid', /`status`/);
      const user = await new Users(t.server()).get({ userId });
      assert.deepEqual({ ...user.prefs }, {});
      assert.deepEqual(user.labels, []);
      assert.equal(user.status, true);
    });

    it('a missing required param is 400 `Param "email" is not optional.`', async () => {
      await expect4xx(
        json('POST', '/v1/account', { userId: 'unique()', password: 'password-123' }, { 'x-appwrite-project': 'default' }),
        'general_argument_invalid',
        'Param "email" is not optional.',
      );
      await expect4xx(json('POST', '/v1/users', { email: 'nouser@example.com' }), 'general_argument_invalid', 'Param "userId" is not optional.');
    });

    it('a body over 1 MB is refused with a 4xx, never a 500', async () => {
      const big = JSON.stringify({ userId: 'unique()', email: 'big@example.com', name: 'x', pad: 'y'.repeat(1_100_000) });
      await expect4xx({ method: 'POST', path: '/v1/users', headers: { ...key(), 'content-type': 'application/json' }, body: big }, 'general_argument_invalid');
      const prefs = JSON.stringify({ prefs: { blob: 'z'.repeat(1_100_000) } });
      await expect4xx({ method: 'PATCH', path: `/v1/users/${userId}/prefs`, headers: { ...key(), 'content-type': 'application/json' }, body: prefs });
      const form = `userId=unique()&email=big2@example.com&pad=${'y'.repeat(1_100_000)}`;
      await expect4xx({ method: 'POST', path: '/v1/users', headers: { ...key(), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    });

    it('a non-JSON content type does not create anything', async () => {
      for (const [type, body] of [
        ['text/plain', JSON.stringify({ userId: 'unique()', email: 'plain@example.com' })],
        ['application/xml', '<user><userId>x</userId></user>'],
        ['multipart/form-data; boundary=zzz', '--zzz\r\nContent-Disposition: form-data; name="userId"\r\n\r\nx\r\n--zzz--\r\n'],
      ]) {
        await expect4xx({ method: 'POST', path: '/v1/users', headers: { ...key(), 'content-type': type }, body });
      }
    });

    it('a huge query string is a 4xx', async () => {
      await expect4xx({ path: `/v1/users?queries[0]=${'q'.repeat(10_000)}`, headers: key() }, 'general_argument_invalid');
      await expect4xx({ path: `/v1/users?search=${'s'.repeat(10_000)}`, headers: key() }, 'general_argument_invalid');
      const many = Array.from({ length: 150 }, (_, i) => `queries[${i}]=${encodeURIComponent('{"method":"limit","values":[1]}')}`).join('&');
      await expect4xx({ path: `/v1/users?${many}`, headers: key() }, 'general_argument_invalid');
      // Past Node's header limit the HTTP layer itself answers 431.
      const huge = await expect4xx({ path: `/v1/users?queries[0]=${'q'.repeat(100_000)}`, headers: key() });
      assert.equal(huge.status, 431);
    });

    it('path params with odd characters are a 4xx', async () => {
      const paths = [
        '/v1/users/%00',
        '/v1/users/..%2F',
        '/v1/users/..%2F..%2Fetc%2Fpasswd',
        '/v1/users/%E0%A4%A',
        '/v1/users/%ZZ',
        `/v1/users/${'a'.repeat(37)}`,
        `/v1/users/${'a'.repeat(5000)}`,
        '/v1/users/%27%20or%201%3D1--',
        `/v1/users/${userId}%00/prefs`,
      ];
      for (const path of paths) await expect4xx({ path, headers: key() }, 'general_argument_invalid');
      for (const path of paths.slice(0, 3)) await expect4xx({ method: 'DELETE', path, headers: key() }, 'general_argument_invalid');
      await expect4xx(json('PATCH', '/v1/users/%00/prefs', { prefs: {} }), 'general_argument_invalid');
      assert.equal((await new Users(t.server()).get({ userId })).$id, userId);
    });

    it('a NUL character in a text param is 400 on every backend', async () => {
      await expect4xx(json('POST', '/v1/users', { userId: 'unique()', email: 'nul@example.com', name: 'a\u0000b' }), 'general_argument_invalid', /`name`/);
      await expect4xx(
        json('POST', '/v1/account', { userId: 'unique()', email: 'nul\u0000@example.com', password: 'password-123' }, { 'x-appwrite-project': 'default' }),
        'general_argument_invalid',
        /`email`/,
      );
      await expect4xx(json('PATCH', `/v1/users/${userId}/name`, { name: '\u0000' }), 'general_argument_invalid', /`name`/);
      await expect4xx({ path: '/v1/users?search=%00', headers: key() }, 'general_argument_invalid', /`search`/);
      const q = encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'email', values: ['a\u0000'] }));
      await expect4xx({ path: `/v1/users?queries[0]=${q}`, headers: key() }, 'general_argument_invalid', /`queries`/);
      assert.equal((await new Users(t.server()).get({ userId })).name, 'Wire');
    });

    it('malformed list queries are 400 general_argument_invalid', async () => {
      const queries = [
        { method: 'and', values: [null] },
        { method: 'or', values: [42] },
        { method: 'equal', attribute: 'constructor', values: ['x'] },
        { method: 'equal', attribute: '__proto__', values: ['x'] },
        { method: 'orderAsc', attribute: 'toString' },
        { method: 'equal', attribute: '$sequence', values: [1e300] },
        { method: 'greaterThan', attribute: '$sequence', values: [1.5] },
        { method: 'equal', attribute: 'status', values: ['true'] },
        { method: 'limit', values: [1e9] },
      ];
      for (const query of queries) {
        await expect4xx({ path: `/v1/users?queries[0]=${encodeURIComponent(JSON.stringify(query))}`, headers: key() }, 'general_argument_invalid', /`queries`/);
      }
    });

    it('a malformed Origin header is 403 general_unknown_origin, not a server error', async () => {
      for (const origin of ['!', 'null', 'http://', 'file://', 'javascript:alert(1)']) {
        const res = await t.fetch('/account', { headers: { origin } });
        assert.equal(res.status, 403, origin);
        assert.equal((await res.json()).type, 'general_unknown_origin');
      }
    });

    it('bad prefs on PATCH /account/prefs leave the account unchanged', async () => {
      const { secret } = await login();
      const account = new Account(t.withSession(secret));
      const res = await t.fetch('/account/prefs', { method: 'PATCH', headers: { 'x-appwrite-session': secret }, json: { prefs: 'nope' } });
      assert.equal(res.status, 400);
      assert.deepEqual({ ...(await account.getPrefs()) }, {});
    });
  });
});
