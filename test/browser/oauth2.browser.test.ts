// OAuth2 login in a real Chromium: the page calls the official web SDK's createOAuth2Session, the
// browser goes through a real OpenID Provider's login and consent pages, comes back through
// Tessera's callback and redirect, and the success page is signed in.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { Project, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../harness.ts';
import { startIdp, type TestIdp } from '../api/oauth2/idp.ts';

const CHROMIUM = '/usr/bin/chromium';
const SDK_FILE = fileURLToPath(new URL('../../node_modules/appwrite/dist/iife/sdk.js', import.meta.url));

/** The app: a start page and a success page, both using the web SDK against `endpoint`. */
function appPage(endpoint: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="/sdk.js"></script></head><body><script>
const client = new Appwrite.Client().setEndpoint(${JSON.stringify(endpoint)}).setProject('default');
const account = new Appwrite.Account(client);
${body}
</script></body></html>`;
}

async function startApp(endpoint: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://app').pathname;
    const html = (s: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(s);
    if (pathname === '/sdk.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(SDK_FILE));
    if (pathname === '/') {
      return void html(appPage(endpoint, `window.login = () => account.createOAuth2Session({ provider: 'oidc', success: location.origin + '/done', failure: location.origin + '/failed' });`));
    }
    if (pathname === '/done') {
      return void html(appPage(endpoint, `account.get().then((u) => { window.result = { user: u }; }, (e) => { window.result = { error: { message: e.message, type: e.type } }; });`));
    }
    if (pathname === '/failed') return void html('<p>failed</p>');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeEachBackend('browser OAuth2 login with the web SDK', (backend) => {
  let t: TestServer;
  let idp: TestIdp;
  let app: Awaited<ReturnType<typeof startApp>>;
  let browser: Browser;
  let endpoint: string;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`The browser tests need Debian's chromium at ${CHROMIUM}: apt-get install chromium.`);
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    const apiPort = new URL(t.endpoint).port;
    // The app and the API share the host (localhost), so the session cookie is same-site.
    endpoint = `http://localhost:${apiPort}/v1`;
    idp = await startIdp([`http://localhost:${apiPort}/v1/account/sessions/oauth2/callback/oidc/${t.projectId}`]);
    idp.accounts.set('chromium-user', { email: 'chromium@example.com', email_verified: true, name: 'Chromium User' });
    await new Project(t.server()).updateOAuth2Oidc({ clientId: idp.clientId, clientSecret: idp.clientSecret, wellKnownURL: idp.wellKnown, enabled: true });
    app = await startApp(endpoint);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await idp?.close();
    await t?.close();
  });

  it('createOAuth2Session signs the browser in through the provider and back to the success page', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://localhost:${app.port}/`);
      await page.evaluate(() => (window as any).login());
      await page.waitForSelector('input[name="login"]');
      await page.fill('input[name="login"]', 'chromium-user');
      await page.fill('input[name="password"]', 'any');
      await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
      await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
      await Promise.all([page.waitForURL(`http://localhost:${app.port}/done`), page.click('button[type="submit"]')]);
      const result = await page.waitForFunction(() => (window as any).result).then((h) => h.jsonValue());
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.user.email, 'chromium@example.com');
      assert.equal(result.user.emailVerification, true);
      const sessions = await new Users(t.server()).listSessions({ userId: result.user.$id });
      assert.deepEqual(sessions.sessions.map((s) => s.provider), ['oidc']);
    } finally {
      await context.close();
    }
  });
});
