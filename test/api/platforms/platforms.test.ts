import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Client, ID, Project, Query } from 'node-appwrite';
import { describeEachBackend, rejection, startServer, type TestServer, TEST_SERVER_KEY } from '../../harness.ts';
import { loadConfig } from '../../../src/config.ts';
import { createContainer } from '../../../src/container.ts';
import { platformsCreate } from '../../../src/cli/platforms-create.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

describeEachBackend('project platforms', (backend) => {
  let t: TestServer;
  let project: Project;
  before(async () => {
    t = await startServer(backend);
    project = new Project(t.server());
  });
  after(async () => t?.close());

  const keyClient = (secret: string, projectId = t.projectId) => new Client().setEndpoint(t.endpoint).setProject(projectId).setKey(secret);
  const newKey = (scopes: string[], projectId = 'default') =>
    t.container.keys.create({ projectId, id: ID.unique(), name: 'test key', scopes, expire: null });
  const storedRow = (id: string, projectId = 'default') =>
    t.container.db.selectFrom('platforms').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  /** A keyless browser-style call: the origin check applies. */
  const anonymousFrom = (origin: string) => t.fetch('/account/sessions/anonymous', { method: 'POST', headers: { origin }, json: {} });

  /** The model has exactly these fields, with ISO dates equal to the stored row's timestamps. */
  async function assertModel(model: Record<string, unknown>, expected: Record<string, unknown>) {
    assert.deepEqual(Object.keys(model).sort(), ['$createdAt', '$id', '$updatedAt', ...Object.keys(expected)].sort());
    for (const [k, v] of Object.entries(expected)) assert.equal(model[k], v, k);
    assert.match(String(model.$createdAt), ISO);
    assert.match(String(model.$updatedAt), ISO);
    const row = await storedRow(String(model.$id));
    assert.ok(row, 'row stored');
    assert.equal(Date.parse(String(model.$createdAt)), Number(row.created_at));
    assert.equal(Date.parse(String(model.$updatedAt)), Number(row.updated_at));
  }

  it('creates a platform of each type and reads it back with exactly its model fields', async () => {
    const web = await project.createWebPlatform({ platformId: 'web-main', name: 'Web app', hostname: 'shop.example.net' });
    await assertModel(web, { name: 'Web app', type: 'web', hostname: 'shop.example.net', key: '' });
    const apple = await project.createApplePlatform({ platformId: 'ios', name: 'iOS app', bundleIdentifier: 'com.example.ios' });
    await assertModel(apple, { name: 'iOS app', type: 'apple', bundleIdentifier: 'com.example.ios' });
    const android = await project.createAndroidPlatform({ platformId: 'android', name: 'Android app', applicationId: 'com.example.android' });
    await assertModel(android, { name: 'Android app', type: 'android', applicationId: 'com.example.android' });
    const windows = await project.createWindowsPlatform({ platformId: 'win', name: 'Windows app', packageIdentifierName: 'Contoso.App' });
    await assertModel(windows, { name: 'Windows app', type: 'windows', packageIdentifierName: 'Contoso.App' });
    const linux = await project.createLinuxPlatform({ platformId: 'linux', name: 'Linux app', packageName: 'example-app' });
    await assertModel(linux, { name: 'Linux app', type: 'linux', packageName: 'example-app' });

    for (const created of [web, apple, android, windows, linux]) {
      assert.deepEqual(await project.getPlatform({ platformId: created.$id }), created);
    }
    const row = await storedRow('ios');
    assert.deepEqual([row!.type, row!.key, row!.hostname], ['apple', 'com.example.ios', '']);
    const webRow = await storedRow('web-main');
    assert.deepEqual([webRow!.type, webRow!.key, webRow!.hostname], ['web', '', 'shop.example.net']);
  });

  it('generates an id for unique()', async () => {
    const p = await project.createLinuxPlatform({ platformId: ID.unique(), name: 'Generated', packageName: 'gen' });
    assert.match(p.$id, /^[0-9a-f]{20}$/);
    assert.equal((await project.getPlatform({ platformId: p.$id })).$id, p.$id);
    await project.deletePlatform({ platformId: p.$id });
  });

  it('lists platforms with filters, mapped identifier attributes, limit/offset and total', async () => {
    const all = await project.listPlatforms();
    assert.equal(all.total, 5);
    assert.deepEqual(all.platforms.map((p) => p.$id), ['web-main', 'ios', 'android', 'win', 'linux']);

    const webOnly = await project.listPlatforms({ queries: [Query.equal('type', 'web')] });
    assert.deepEqual([webOnly.total, webOnly.platforms.map((p) => p.$id)], [1, ['web-main']]);
    const byBundle = await project.listPlatforms({ queries: [Query.equal('bundleIdentifier', 'com.example.ios')] });
    assert.deepEqual(byBundle.platforms.map((p) => p.$id), ['ios']);
    const byPackage = await project.listPlatforms({ queries: [Query.startsWith('packageName', 'example')] });
    assert.deepEqual(byPackage.platforms.map((p) => p.$id), ['linux']);
    const byHost = await project.listPlatforms({ queries: [Query.endsWith('hostname', '.example.net')] });
    assert.deepEqual(byHost.platforms.map((p) => p.$id), ['web-main']);

    const page = await project.listPlatforms({ queries: [Query.limit(2), Query.offset(1)] });
    assert.deepEqual([page.total, page.platforms.map((p) => p.$id)], [5, ['ios', 'android']]);
    const noTotal = await project.listPlatforms({ queries: [Query.limit(1)], total: false });
    assert.deepEqual([noTotal.total, noTotal.platforms.length], [0, 1]);
    const after = await project.listPlatforms({ queries: [Query.cursorAfter('android')] });
    assert.deepEqual(after.platforms.map((p) => p.$id), ['win', 'linux']);

    const unknown = await rejection(project.listPlatforms({ queries: [Query.equal('key', 'x')] }));
    assert.deepEqual([unknown.code, unknown.type], [400, 'general_argument_invalid']);
  });

  it('updates a platform through its own type route', async () => {
    const before = await project.getPlatform({ platformId: 'ios' });
    await new Promise((r) => setTimeout(r, 5));
    const updated = await project.updateApplePlatform({ platformId: 'ios', name: 'iPhone app', bundleIdentifier: 'com.example.iphone' });
    await assertModel(updated, { name: 'iPhone app', type: 'apple', bundleIdentifier: 'com.example.iphone' });
    assert.equal(updated.$createdAt, before.$createdAt);
    assert.ok(Date.parse(updated.$updatedAt) > Date.parse(before.$updatedAt));
    assert.equal((await storedRow('ios'))!.key, 'com.example.iphone');

    const android = await project.updateAndroidPlatform({ platformId: 'android', name: 'Droid', applicationId: 'com.example.droid' });
    assert.deepEqual([android.name, android.applicationId], ['Droid', 'com.example.droid']);
    const win = await project.updateWindowsPlatform({ platformId: 'win', name: 'Win', packageIdentifierName: 'Example.Win' });
    assert.equal(win.packageIdentifierName, 'Example.Win');
    const linux = await project.updateLinuxPlatform({ platformId: 'linux', name: 'Tux', packageName: 'tux' });
    assert.equal(linux.packageName, 'tux');
  });

  it('refuses an update through another type route with 400 platform_method_unsupported and changes nothing', async () => {
    const calls = [
      () => project.updateWebPlatform({ platformId: 'ios', name: 'x', hostname: 'x.example.com' }),
      () => project.updateApplePlatform({ platformId: 'web-main', name: 'x', bundleIdentifier: 'x' }),
      () => project.updateAndroidPlatform({ platformId: 'linux', name: 'x', applicationId: 'x' }),
      () => project.updateWindowsPlatform({ platformId: 'android', name: 'x', packageIdentifierName: 'x' }),
      () => project.updateLinuxPlatform({ platformId: 'win', name: 'x', packageName: 'x' }),
    ];
    for (const call of calls) {
      const err = await rejection(call());
      assert.deepEqual([err.code, err.type], [400, 'platform_method_unsupported']);
    }
    // A raw web update without hostname must not rename another type either.
    const raw = await t.fetch('/project/platforms/web/ios', { method: 'PUT', headers: { 'x-appwrite-key': t.apiKey }, json: { name: 'x' } });
    assert.equal(raw.status, 400);
    assert.equal((await raw.json()).type, 'platform_method_unsupported');
    assert.equal((await storedRow('ios'))!.name, 'iPhone app');
    assert.equal((await storedRow('web-main'))!.hostname, 'shop.example.net');
  });

  it('answers 404 platform_not_found for an unknown id on get, update and delete', async () => {
    const calls = [
      () => project.getPlatform({ platformId: 'missing' }),
      () => project.deletePlatform({ platformId: 'missing' }),
      () => project.updateWebPlatform({ platformId: 'missing', name: 'x', hostname: 'x.example.com' }),
      () => project.updateLinuxPlatform({ platformId: 'missing', name: 'x', packageName: 'x' }),
    ];
    for (const call of calls) {
      const err = await rejection(call());
      assert.deepEqual([err.code, err.type], [404, 'platform_not_found']);
    }
  });

  it('answers 409 platform_already_exists for a duplicate id, whatever the type', async () => {
    for (const call of [
      () => project.createWebPlatform({ platformId: 'ios', name: 'dup', hostname: 'dup.example.com' }),
      () => project.createApplePlatform({ platformId: 'ios', name: 'dup', bundleIdentifier: 'dup' }),
    ]) {
      const err = await rejection(call());
      assert.deepEqual([err.code, err.type], [409, 'platform_already_exists']);
    }
    assert.equal((await storedRow('ios'))!.name, 'iPhone app');
  });

  it('rejects invalid params with 400 general_argument_invalid and stores nothing', async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => project.createWebPlatform({ platformId: 'bad1', name: 'x', hostname: 'https://app.example.com' }), /hostname/],
      [() => project.createWebPlatform({ platformId: 'bad2', name: 'x', hostname: 'app.example.com:3000' }), /hostname/],
      [() => project.createWebPlatform({ platformId: 'bad3', name: 'x', hostname: 'app.example.com/path' }), /hostname/],
      [() => project.createWebPlatform({ platformId: 'bad4', name: 'x', hostname: 'a'.repeat(254) }), /hostname/],
      [() => project.createWebPlatform({ platformId: 'bad5', name: 'x', hostname: '' }), /hostname/],
      [() => project.createWebPlatform({ platformId: 'bad6', name: '', hostname: 'ok.example.com' }), /name/],
      [() => project.createWebPlatform({ platformId: 'bad7', name: '   ', hostname: 'ok.example.com' }), /name/],
      [() => project.createWebPlatform({ platformId: 'bad8', name: 'n'.repeat(129), hostname: 'ok.example.com' }), /name/],
      [() => project.createWebPlatform({ platformId: '_bad9', name: 'x', hostname: 'ok.example.com' }), /platformId/],
      [() => project.createApplePlatform({ platformId: 'bad10', name: 'x', bundleIdentifier: 'b'.repeat(257) }), /bundleIdentifier/],
      [() => project.createAndroidPlatform({ platformId: 'bad11', name: 'x', applicationId: ' ' }), /applicationId/],
      [() => project.updateWebPlatform({ platformId: 'web-main', name: 'x', hostname: 'http://x' }), /hostname/],
    ];
    for (const [call, param] of cases) {
      const err = await rejection(call());
      assert.deepEqual([err.code, err.type], [400, 'general_argument_invalid'], param.source);
      assert.match(err.message, param);
    }
    const missing = await t.fetch('/project/platforms/web', { method: 'POST', headers: { 'x-appwrite-key': t.apiKey }, json: { platformId: 'bad12', name: 'x' } });
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).message, 'Param "hostname" is not optional.');
    const count = await t.container.db.selectFrom('platforms').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 5);
  });

  it('requires platforms.read / platforms.write: other keys and guests get 401 general_unauthorized_scope', async () => {
    const usersOnly = new Project(keyClient((await newKey(['users.read'])).secret!));
    const readOnly = new Project(keyClient((await newKey(['platforms.read'])).secret!));
    const guest = new Project(t.guest());
    for (const call of [
      () => usersOnly.listPlatforms(),
      () => usersOnly.getPlatform({ platformId: 'ios' }),
      () => usersOnly.createWebPlatform({ platformId: 'scoped', name: 'x', hostname: 'scoped.example.com' }),
      () => readOnly.createWebPlatform({ platformId: 'scoped', name: 'x', hostname: 'scoped.example.com' }),
      () => readOnly.updateLinuxPlatform({ platformId: 'linux', name: 'x', packageName: 'x' }),
      () => readOnly.deletePlatform({ platformId: 'linux' }),
      () => guest.listPlatforms(),
      () => guest.createWebPlatform({ platformId: 'scoped', name: 'x', hostname: 'scoped.example.com' }),
    ]) {
      const err = await rejection(call());
      assert.deepEqual([err.code, err.type], [401, 'general_unauthorized_scope']);
    }
    assert.equal((await readOnly.listPlatforms()).total, 5);
    assert.equal(await storedRow('scoped'), undefined);
    assert.equal((await storedRow('linux'))!.name, 'Tux');
  });

  it("another project's key never sees or touches these platforms", async () => {
    await t.container.projects.create('project-b', 'Project B');
    const b = new Project(keyClient((await newKey(['platforms.read', 'platforms.write'], 'project-b')).secret!, 'project-b'));
    assert.deepEqual({ ...(await b.listPlatforms()) }, { total: 0, platforms: [] });
    for (const call of [
      () => b.getPlatform({ platformId: 'web-main' }),
      () => b.updateWebPlatform({ platformId: 'web-main', name: 'stolen', hostname: 'evil.example.com' }),
      () => b.deletePlatform({ platformId: 'web-main' }),
    ]) {
      const err = await rejection(call());
      assert.deepEqual([err.code, err.type], [404, 'platform_not_found']);
    }
    // Ids are per project: B may use the same id, and A's row is untouched.
    const own = await b.createWebPlatform({ platformId: 'web-main', name: 'B site', hostname: 'b.example.com' });
    assert.equal(own.hostname, 'b.example.com');
    assert.deepEqual(((await project.getPlatform({ platformId: 'web-main' })) as { hostname: string }).hostname, 'shop.example.net');
    assert.equal((await project.listPlatforms()).total, 5);
    // B's web platform does not open project A to B's origin.
    const res = await anonymousFrom('https://b.example.com');
    assert.equal(res.status, 403);
  });

  it('deletes a platform: 204, gone from get, list and the database', async () => {
    const res = await t.fetch('/project/platforms/win', { method: 'DELETE', headers: { 'x-appwrite-key': t.apiKey } });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    const err = await rejection(project.getPlatform({ platformId: 'win' }));
    assert.deepEqual([err.code, err.type], [404, 'platform_not_found']);
    assert.equal(await storedRow('win'), undefined);
    assert.equal((await project.listPlatforms()).total, 4);
  });

  describe('the origin check follows web platforms at once', () => {
    const origin = 'https://app.example.com';

    it('an unregistered origin is refused, a created web platform allows it immediately, and deleting it refuses it again', async () => {
      const refused = await anonymousFrom(origin);
      assert.equal(refused.status, 403);
      assert.equal((await refused.json()).type, 'general_unknown_origin');
      assert.equal(refused.headers.get('access-control-allow-origin'), null);

      // The refused request cached the project; the write must drop that copy (no 5 s wait).
      await project.createWebPlatform({ platformId: 'app', name: 'App', hostname: 'app.example.com' });
      const allowed = await anonymousFrom(origin);
      assert.equal(allowed.status, 201);
      assert.equal(allowed.headers.get('access-control-allow-origin'), origin);
      assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
      assert.equal((await allowed.json()).provider, 'anonymous');

      await project.deletePlatform({ platformId: 'app' });
      const again = await anonymousFrom(origin);
      assert.equal(again.status, 403);
      assert.equal((await again.json()).type, 'general_unknown_origin');
    });

    it('a wildcard hostname allows its subdomains but not the bare domain', async () => {
      assert.equal((await anonymousFrom('https://a.example.org')).status, 403);
      await project.createWebPlatform({ platformId: 'wild', name: 'Wildcard', hostname: '*.example.org' });
      const sub = await anonymousFrom('https://a.example.org');
      assert.equal(sub.status, 201);
      assert.equal(sub.headers.get('access-control-allow-origin'), 'https://a.example.org');
      assert.equal((await anonymousFrom('https://example.org')).status, 403);
      assert.equal((await anonymousFrom('https://a.example.org.evil.com')).status, 403);
      await project.deletePlatform({ platformId: 'wild' });
      assert.equal((await anonymousFrom('https://a.example.org')).status, 403);
    });

    it('updating the hostname moves the allowed origin at once', async () => {
      await project.createWebPlatform({ platformId: 'moving', name: 'Moving', hostname: 'old.example.com' });
      assert.equal((await anonymousFrom('https://old.example.com')).status, 201);
      const updated = await project.updateWebPlatform({ platformId: 'moving', name: 'Moved', hostname: 'new.example.com' });
      await assertModel(updated, { name: 'Moved', type: 'web', hostname: 'new.example.com', key: '' });
      assert.equal((await anonymousFrom('https://old.example.com')).status, 403);
      assert.equal((await anonymousFrom('https://new.example.com')).status, 201);
      await project.deletePlatform({ platformId: 'moving' });
    });
  });

  describe('CLI: tessera platforms create', () => {
    it('creates a web platform through the service, prints its model, and the origin is allowed at once', async () => {
      assert.equal((await anonymousFrom('https://cli.example.com')).status, 403);
      const out = await platformsCreate(t.container, { project: 'default', type: 'web', name: 'CLI site', hostname: 'cli.example.com', id: 'cli-web' });
      await assertModel(out, { name: 'CLI site', type: 'web', hostname: 'cli.example.com', key: '' });
      assert.equal((await anonymousFrom('https://cli.example.com')).status, 201);
      assert.deepEqual({ ...(await project.getPlatform({ platformId: 'cli-web' })) }, out);
    });

    it('creates app platforms from their identifier options and generates an id', async () => {
      const apple = await platformsCreate(t.container, { project: 'default', type: 'apple', name: 'CLI iOS', bundleId: 'com.cli.ios' });
      assert.match(apple.$id, /^[0-9a-f]{20}$/);
      await assertModel(apple, { name: 'CLI iOS', type: 'apple', bundleIdentifier: 'com.cli.ios' });
      const android = await platformsCreate(t.container, { project: 'default', type: 'android', name: 'CLI Android', applicationId: 'com.cli.android' });
      assert.equal((android as Record<string, unknown>).applicationId, 'com.cli.android');
    });

    it('refuses bad input with the API errors', async () => {
      const cases: [Parameters<typeof platformsCreate>[1], string][] = [
        [{ project: 'nope', type: 'web', name: 'x', hostname: 'x.example.com' }, 'project_not_found'],
        [{ project: 'default', type: 'ios', name: 'x' }, 'general_argument_invalid'],
        [{ project: 'default', type: 'web', name: 'x' }, 'general_argument_invalid'],
        [{ project: 'default', type: 'web', name: 'x', hostname: 'https://x.example.com' }, 'general_argument_invalid'],
        [{ project: 'default', type: 'linux', name: 'x' }, 'general_argument_invalid'],
        [{ project: 'default', type: 'web', name: 'x', hostname: 'x.example.com', id: 'cli-web' }, 'platform_already_exists'],
      ];
      for (const [opts, type] of cases) {
        const err = await rejection(platformsCreate(t.container, opts));
        assert.equal(err.type, type, JSON.stringify(opts));
      }
    });

    if (backend === 'postgres') {
      it('a platform created by the CLI in another process is honoured by the running server at once', async () => {
        assert.equal((await anonymousFrom('https://other-process.example.com')).status, 403);
        const cli = await createContainer(loadConfig({ TESSERA_DATABASE_URL: t.databaseUrl, TESSERA_DATA_DIR: '/tmp', TESSERA_SECRET_KEY: TEST_SERVER_KEY }), { logger: pino({ level: 'silent' }) });
        try {
          await platformsCreate(cli, { project: 'default', type: 'web', name: 'Other', hostname: 'other-process.example.com' });
        } finally {
          await cli.close();
        }
        let status = 0;
        // NOTIFY is asynchronous: allow its delivery, far below the 5 s project cache lifetime.
        for (let i = 0; i < 20 && status !== 201; i++) {
          status = (await anonymousFrom('https://other-process.example.com')).status;
          if (status !== 201) await new Promise((r) => setTimeout(r, 25));
        }
        assert.equal(status, 201);
      });
    }
  });
});
