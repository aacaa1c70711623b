// The mailed flows in a real Chromium with the official web SDK (node_modules/appwrite, IIFE build):
// the page asks for a magic URL or a password reset, the test opens the link from the captured mail
// as the user would, and the page finishes the flow with the SDK.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, linkIn, startMailCatcher, startServer, type MailCatcher, type TestServer } from '../harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const PAGE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'flows-page');
const SDK_FILE = fileURLToPath(new URL('../../node_modules/appwrite/dist/iife/sdk.js', import.meta.url));

/** Serves the app: every page path gets index.html (the links land on /magic and /reset). */
async function startAppServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://app').pathname;
    const [file, type] =
      pathname === '/app.js' ? [path.join(PAGE_DIR, 'app.js'), 'text/javascript']
      : pathname === '/sdk.js' ? [SDK_FILE, 'text/javascript']
      : ['/', '/magic', '/reset'].includes(pathname) ? [path.join(PAGE_DIR, 'index.html'), 'text/html']
      : [null, ''];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describeEachBackend('browser magic URL and recovery with the web SDK', (backend) => {
  let t: TestServer;
  let mail: MailCatcher;
  let app: Awaited<ReturnType<typeof startAppServer>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`The browser tests need Debian's chromium at ${CHROMIUM} and it is missing: apt-get install chromium (.ci/run installs it).`);
    }
    mail = await startMailCatcher();
    t = await startServer(backend, { env: { TESSERA_SMTP_URL: mail.url } });
    app = await startAppServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await app?.close();
    await t?.close();
    await mail?.close();
  });

  /** A fresh browser profile on the app (served from localhost), pointed at the API; collects page errors. */
  async function openApp(): Promise<{ page: Page; pageErrors: Error[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const pageErrors: Error[] = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    const api = `http://localhost:${new URL(t.endpoint).port}/v1`;
    await page.goto(`http://localhost:${app.port}/?api=${encodeURIComponent(api)}`);
    return { page, pageErrors };
  }

  const statusOf = (page: Page, pattern: RegExp) => page.waitForFunction((p) => new RegExp(p).test(document.getElementById('status')!.textContent ?? ''), pattern.source, { timeout: 10_000 });

  it('signs in with the magic URL taken from the captured mail', async () => {
    const { page, pageErrors } = await openApp();
    await page.fill('#magic-email', 'browser.magic@example.com');
    await page.click('#magic-send');
    await statusOf(page, /Check your inbox|Failed/);
    assert.equal(await page.textContent('#status'), 'Check your inbox for a sign-in link');

    const link = linkIn(await mail.waitFor('browser.magic@example.com'));
    assert.equal(`${link.origin}${link.pathname}`, `http://localhost:${app.port}/magic`);
    await page.goto(link.toString());
    await statusOf(page, /Signed in|Failed/);
    assert.equal(await page.textContent('#status'), 'Signed in as browser.magic@example.com (verified)');

    const user = (await new Users(t.server()).list({ search: 'browser.magic@example.com' })).users[0];
    const sessions = await new Users(t.server()).listSessions({ userId: user.$id });
    assert.deepEqual(sessions.sessions.map((s) => s.provider), ['magic-url']);
    assert.deepEqual(pageErrors, []);
  });

  it('completes a password recovery from the captured mail and signs in with the new password', async () => {
    await new Users(t.server()).create({ userId: ID.unique(), email: 'browser.reset@example.com', password: 'forgotten password' });
    const { page, pageErrors } = await openApp();
    await page.fill('#forgot-email', 'browser.reset@example.com');
    await page.click('#forgot-send');
    await statusOf(page, /Check your inbox|Failed/);

    const link = linkIn(await mail.waitFor('browser.reset@example.com'));
    assert.equal(`${link.origin}${link.pathname}`, `http://localhost:${app.port}/reset`);
    await page.goto(link.toString());
    await page.fill('#new-password', 'remembered password');
    await page.click('#reset-send');
    await statusOf(page, /Password changed|Failed/);
    assert.equal(await page.textContent('#status'), 'Password changed');

    const signIn = (password: string) => page.evaluate(([e, p]) => (globalThis as any).tessera.signIn(e, p), ['browser.reset@example.com', password]);
    assert.deepEqual(await signIn('forgotten password'), { error: { code: 401, type: 'user_invalid_credentials' } });
    const ok = await signIn('remembered password');
    assert.equal(ok.user?.email, 'browser.reset@example.com');
    assert.deepEqual(pageErrors, []);
  });
});
