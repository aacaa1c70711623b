import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Project } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../harness.ts';

/**
 * Origins that platforms admit. App platforms, as Appwrite's Network/Platform.php getSchemes and
 * Validator/Origin.php: the native SDKs send `appwrite-<os>://<app id>`, accepted by scheme once
 * the project has a platform of that kind. Unlike Appwrite, an app identifier is never a web
 * hostname (security review, finding 6): anyone may register `com.example` as an Android id, and
 * it must not open the project to https://com.example. A wildcard web hostname is `*.domain` only.
 */
describeEachBackend('origins admitted by app platforms', (backend) => {
  let t: TestServer;
  let project: Project;
  before(async () => {
    t = await startServer(backend);
    project = new Project(t.server());
  });
  after(async () => t?.close());

  const anonymousFrom = (origin: string) => t.fetch('/account/sessions/anonymous', { method: 'POST', headers: { origin }, json: {} });

  it('an Android app origin is 403 until an Android platform exists, then admitted', async () => {
    const refused = await anonymousFrom('appwrite-android://com.example.shop');
    assert.equal(refused.status, 403);
    const body = await refused.json();
    assert.equal(body.type, 'general_unknown_origin');
    assert.equal(body.message, 'Invalid Origin. Register your new client (com.example.shop) as a new Android platform on your project console dashboard');

    await project.createAndroidPlatform({ platformId: 'android', name: 'Shop', applicationId: 'com.example.shop' });
    assert.equal((await anonymousFrom('appwrite-android://com.example.shop')).status, 201);
    // As in Appwrite, the scheme is what is checked for native apps.
    assert.equal((await anonymousFrom('appwrite-android://com.other.app')).status, 201);
    // An Android platform admits no Apple scheme.
    assert.equal((await anonymousFrom('appwrite-ios://com.example.shop')).status, 403);
  });

  it('an Apple platform admits the iOS, macOS, watchOS and tvOS schemes, but never its bundle id as a web origin', async () => {
    await project.createApplePlatform({ platformId: 'apple', name: 'Shop iOS', bundleIdentifier: 'Com.Example.Ios' });
    for (const os of ['ios', 'macos', 'watchos', 'tvos']) {
      assert.equal((await anonymousFrom(`appwrite-${os}://com.example.ios`)).status, 201, os);
    }
    for (const origin of ['https://com.example.ios', 'http://com.example.ios', 'chrome-extension://com.example.ios']) {
      const web = await anonymousFrom(origin);
      assert.equal(web.status, 403, origin);
      assert.equal((await web.json()).type, 'general_unknown_origin');
      assert.equal(web.headers.get('access-control-allow-origin'), null, origin);
    }
    assert.equal((await anonymousFrom('appwrite-windows://contoso.app')).status, 403);
  });

  it('an app identifier that reads as a domain does not admit that domain as a web origin, on any app type', async () => {
    await project.createAndroidPlatform({ platformId: 'android-domain', name: 'Looks like a site', applicationId: 'victim-shop.example' });
    await project.createWindowsPlatform({ platformId: 'windows-domain', name: 'Looks like a site', packageIdentifierName: 'win.victim-shop.example' });
    await project.createLinuxPlatform({ platformId: 'linux-domain', name: 'Looks like a site', packageName: 'linux.victim-shop.example' });
    try {
      await assertDomainLikeIdsAdmitNoWebOrigin();
    } finally {
      for (const id of ['android-domain', 'windows-domain', 'linux-domain']) await project.deletePlatform({ platformId: id });
    }
  });

  async function assertDomainLikeIdsAdmitNoWebOrigin() {
    for (const host of ['victim-shop.example', 'win.victim-shop.example', 'linux.victim-shop.example']) {
      const refused = await anonymousFrom(`https://${host}`);
      assert.equal(refused.status, 403, host);
      assert.equal((await refused.json()).type, 'general_unknown_origin');
      assert.equal(refused.headers.get('access-control-allow-origin'), null, host);
    }
    // A route without the origin gate still grants such an origin no CORS read.
    const res = await t.fetch('/health/version', { headers: { origin: 'https://victim-shop.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    // The project's own rule set: app identifiers are not hosts.
    const stored = await t.container.projects.get(t.projectId);
    assert.ok(!stored!.originHosts.some((h) => h.includes('victim-shop')), JSON.stringify(stored!.originHosts));
    assert.equal((await anonymousFrom('appwrite-android://victim-shop.example')).status, 201, 'its native scheme still works');
  }

  it('a *.domain web hostname admits its subdomains at any depth, never the bare domain or a lookalike', async () => {
    await project.createWebPlatform({ platformId: 'wild', name: 'Wildcard', hostname: '*.example.org' });
    for (const origin of ['https://shop.example.org', 'https://a.b.example.org', 'http://SHOP.example.org']) {
      assert.equal((await anonymousFrom(origin)).status, 201, origin);
    }
    for (const origin of ['https://example.org', 'https://evilexample.org', 'https://example.org.evil.test', 'https://shop.example.org.evil.test']) {
      const res = await anonymousFrom(origin);
      assert.equal(res.status, 403, origin);
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
    }
    await project.deletePlatform({ platformId: 'wild' });
  });

  it('a hostname *example.com is stored as Appwrite accepts it, but admits nothing: not evilexample.com, not example.com', async () => {
    const created = await project.createWebPlatform({ platformId: 'no-dot', name: 'No dot', hostname: '*example.com' });
    assert.equal(created.hostname, '*example.com');
    for (const origin of ['https://evilexample.com', 'https://example.com', 'https://www.example.com', 'https://a.evilexample.com']) {
      const res = await anonymousFrom(origin);
      assert.equal(res.status, 403, origin);
      assert.equal((await res.json()).type, 'general_unknown_origin');
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
    }
    await project.deletePlatform({ platformId: 'no-dot' });
  });

  it('removing the platform removes what it admitted', async () => {
    await project.deletePlatform({ platformId: 'android' });
    assert.equal((await anonymousFrom('appwrite-android://com.example.shop')).status, 403);
  });
});
