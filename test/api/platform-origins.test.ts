import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Project } from 'node-appwrite';
import { backends, startServer, type TestServer } from '../harness.ts';

/**
 * Origins that app platforms admit, as Appwrite's Network/Platform.php getSchemes/getHostnames and
 * Validator/Origin.php: the native SDKs send `appwrite-<os>://<app id>`, accepted by scheme once
 * the project has a platform of that kind; an app identifier also counts as a hostname.
 */
for (const backend of backends()) {
  describe(`origins admitted by app platforms [${backend}]`, () => {
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

    it('an Apple platform admits the iOS, macOS, watchOS and tvOS schemes, and its bundle id as a web hostname', async () => {
      await project.createApplePlatform({ platformId: 'apple', name: 'Shop iOS', bundleIdentifier: 'Com.Example.Ios' });
      for (const os of ['ios', 'macos', 'watchos', 'tvos']) {
        assert.equal((await anonymousFrom(`appwrite-${os}://com.example.ios`)).status, 201, os);
      }
      const web = await anonymousFrom('https://com.example.ios');
      assert.equal(web.status, 201);
      assert.equal(web.headers.get('access-control-allow-origin'), 'https://com.example.ios');
      assert.equal((await anonymousFrom('appwrite-windows://contoso.app')).status, 403);
    });

    it('removing the platform removes what it admitted', async () => {
      await project.deletePlatform({ platformId: 'android' });
      assert.equal((await anonymousFrom('appwrite-android://com.example.shop')).status, 403);
    });
  });
}
