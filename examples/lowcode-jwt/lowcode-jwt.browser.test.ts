// The low-code JWT flow in a real Chromium: login form → POST /v1/auth/local (cross-origin, allowed
// by the project's web platform) → JWT in storage → main page with data from the sample API, which
// verifies the token with tessera/verify → logout ends the session and clears the token.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../test/harness.ts';
import { createLowcodeServer } from './server.mjs';

const CHROMIUM = '/usr/bin/chromium';
const APP_HOST = 'lowcode.test';
const STRANGER_HOST = 'stranger.test';
const PASSWORD = 'appsmith-pass-1';

describeEachBackend('low-code JWT example in Chromium', (backend) => {
  let t: TestServer;
  let app: http.Server;
  let appPort: number;
  let browser: Browser;
  let users: Users;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`The browser tests need Debian's chromium at ${CHROMIUM}: apt-get install chromium`);
    t = await startServer(backend);
    users = new Users(t.server());
    await t.container.platforms.create(t.projectId, 'lowcode-web', { type: 'web', name: 'Low-code app', hostname: APP_HOST });
    app = createLowcodeServer({ endpoint: t.endpoint, projectId: t.projectId, issuer: t.container.jwt.issuer });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appPort = (app.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${APP_HOST} 127.0.0.1, MAP ${STRANGER_HOST} 127.0.0.1`,
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)));
    await t?.close();
  });

  async function open(host = APP_HOST): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://${host}:${appPort}/`);
    return page;
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.fill('#identifier', email);
    await page.fill('#password', password);
    await page.click('#submit');
  }

  const storedJwt = (page: Page) => page.evaluate(() => localStorage.getItem('jwt'));
  const sessionCount = async (userId: string) => (await users.listSessions({ userId })).total;

  it('signs in, shows the protected orders with the JWT, and logs out', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'builder@example.com', password: PASSWORD });
    await users.updateLabels({ userId: user.$id, labels: ['admin'] });
    const page = await open();

    await signIn(page, 'builder@example.com', 'wrong-password');
    await page.waitForFunction(() => document.getElementById('error')!.textContent !== '');
    assert.match((await page.textContent('#error'))!, /Invalid credentials/);
    assert.equal(await storedJwt(page), null);

    await signIn(page, 'builder@example.com', PASSWORD);
    await page.waitForURL(`http://${APP_HOST}:${appPort}/main.html`);
    await page.waitForSelector('#orders:not([hidden])');
    assert.equal(await page.textContent('#whoami'), `Signed in as ${user.$id}`);
    assert.equal(await page.locator('#orders tbody tr').count(), 2);
    assert.equal(await page.textContent('#revenue'), 'Revenue: 155', 'label:admin sees the revenue');
    const jwt = (await storedJwt(page))!;
    assert.equal(await sessionCount(user.$id), 1);

    await page.click('#logout');
    await page.waitForURL(`http://${APP_HOST}:${appPort}/`);
    assert.equal(await storedJwt(page), null);
    assert.equal(await sessionCount(user.$id), 0, 'the session behind the JWT ended');
    const me = await t.fetch('/account', { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(me.status, 401, 'Tessera refuses the JWT at once');
    await page.context().close();
  });

  it('the main page shows nothing without a valid JWT: it goes back to the login form', async () => {
    await users.create({ userId: ID.unique(), email: 'nobody-home@example.com', password: PASSWORD });
    const page = await open();
    await page.goto(`http://${APP_HOST}:${appPort}/main.html`);
    await page.waitForURL(`http://${APP_HOST}:${appPort}/`);
    await page.evaluate(() => localStorage.setItem('jwt', 'eyJhbGciOiJFZERTQSJ9.e30.forged'));
    const orderStatuses: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/api/orders')) orderStatuses.push(r.status());
    });
    await page.goto(`http://${APP_HOST}:${appPort}/main.html`);
    await page.waitForURL(`http://${APP_HOST}:${appPort}/`);
    assert.deepEqual(orderStatuses, [401], 'the sample API refused the forged token');
    assert.equal(await storedJwt(page), null, 'the refused token is forgotten');
    await page.context().close();
  });

  it('a page on an origin the project does not list cannot sign in (CORS)', async () => {
    await users.create({ userId: ID.unique(), email: 'stranger@example.com', password: PASSWORD });
    const page = await open(STRANGER_HOST);
    await signIn(page, 'stranger@example.com', PASSWORD);
    await page.waitForFunction(() => document.getElementById('error')!.textContent !== '');
    assert.match((await page.textContent('#error'))!, /fetch/i);
    assert.equal(await storedJwt(page), null);
    await page.context().close();
  });
});
