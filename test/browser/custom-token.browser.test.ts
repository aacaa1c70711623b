// The browser half of the custom-token flow, in a real Chromium with the official web SDK
// (node_modules/appwrite, IIFE build): the page exchanges a server-minted token for a session,
// keeps it (cookie or X-Fallback-Cookies), uses it, and logs out.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, projectChanged, startServer, type TestServer } from '../harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/tessera-browser.png';
const PAGE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page');
const SDK_FILE = fileURLToPath(new URL('../../node_modules/appwrite/dist/iife/sdk.js', import.meta.url));
const EVIL = 'evil.test';

/** A static server for the page and the web SDK; which hostname the browser uses picks the page's origin. */
async function startPageServer(): Promise<{ port: number; close(): Promise<void> }> {
  const files: Record<string, [string, string]> = {
    '/': [path.join(PAGE_DIR, 'index.html'), 'text/html; charset=utf-8'],
    '/index.html': [path.join(PAGE_DIR, 'index.html'), 'text/html; charset=utf-8'],
    '/app.js': [path.join(PAGE_DIR, 'app.js'), 'text/javascript; charset=utf-8'],
    '/sdk.js': [SDK_FILE, 'text/javascript; charset=utf-8'],
  };
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://page').pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(fs.readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type PageResult = {
  user?: { $id: string; email: string };
  session?: { $id: string; userId: string; provider: string };
  ok?: boolean;
  error?: { name: string; message: string; code?: number; type?: string };
};

type Seen = { method: string; status: number; headers: Record<string, string>; body: string };

describeEachBackend('browser custom-token login with the web SDK', (backend) => {
  let t: TestServer;
  let pages: Awaited<ReturnType<typeof startPageServer>>;
  let browser: Browser;
  let apiPort: number;
  const contexts: BrowserContext[] = [];

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`The browser tests need Debian's chromium at ${CHROMIUM} and it is missing: apt-get install chromium (.ci/run installs it).`);
    }
    t = await startServer(backend);
    apiPort = Number(new URL(t.endpoint).port);
    pages = await startPageServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${EVIL} 127.0.0.1`,
      ],
    });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await pages?.close();
    await t?.close();
  });

  /** A fresh browser profile on the test page, served from `host`; records uncaught page errors and API answers. */
  async function openPage(host: string): Promise<{ page: Page; context: BrowserContext; pageErrors: Error[]; seen: (pathname: string, method: string) => Promise<Seen[]> }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const pageErrors: Error[] = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    const recorded: Promise<Seen & { path: string }>[] = [];
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (!url.pathname.startsWith('/v1/')) return;
      recorded.push((async () => ({
        path: url.pathname.slice(3), method: r.request().method(), status: r.status(), headers: await r.allHeaders(), body: await r.text().catch(() => ''),
      }))());
    });
    /** The API answers the page received for `pathname` (after /v1), oldest first. */
    const seen = async (pathname: string, method: string): Promise<Seen[]> =>
      (await Promise.all(recorded)).filter((s) => s.path === pathname && s.method === method);
    await page.goto(`http://${host}:${pages.port}/`);
    return { page, context, pageErrors, seen };
  }

  /**
   * What the network saw, through the DevTools protocol: unlike Playwright's response events it
   * also reports answers that CORS then hid from the page (status, raw headers, the CORS error).
   */
  async function watchRawResponses(context: BrowserContext, page: Page) {
    type Raw = { url?: string; method?: string; status?: number; headers: Record<string, string>; corsError?: string; done: boolean };
    const byId = new Map<string, Raw>();
    const entry = (id: string) => byId.get(id) ?? (byId.set(id, { headers: {}, done: false }).get(id) as Raw);
    const cdp = await context.newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (e) => Object.assign(entry(e.requestId), { url: e.request.url, method: e.request.method }));
    cdp.on('Network.responseReceivedExtraInfo', (e) => {
      const headers = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      Object.assign(entry(e.requestId), { status: e.statusCode, headers });
    });
    cdp.on('Network.loadingFinished', (e) => Object.assign(entry(e.requestId), { done: true }));
    cdp.on('Network.loadingFailed', (e) => Object.assign(entry(e.requestId), { done: true, corsError: e.corsErrorStatus?.corsError }));
    await cdp.send('Network.enable');
    return async (url: string, method: string): Promise<Raw> => {
      for (let i = 0; i < 100; i++) {
        const found = [...byId.values()].find((r) => r.url === url && r.method === method && r.done && r.status);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no ${method} ${url} seen on the network`);
    };
  }

  /** The server half: a user and a custom token for it, minted with the API key. */
  async function mintToken(email: string) {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email });
    const token = await users.createToken({ userId: user.$id });
    return { user, token };
  }

  const login = (page: Page, api: string, userId: string, secret: string): Promise<PageResult> =>
    page.evaluate(([a, u, s]) => (globalThis as any).tessera.login(a, u, s), [api, userId, secret]);
  const whoami = (page: Page, api: string): Promise<PageResult> => page.evaluate((a) => (globalThis as any).tessera.whoami(a), api);
  const logout = (page: Page, api: string): Promise<PageResult> => page.evaluate((a) => (globalThis as any).tessera.logout(a), api);
  const storedFallback = (page: Page): Promise<string | null> => page.evaluate(() => (globalThis as any).localStorage.getItem('cookieFallback'));
  const sessionCount = async (userId: string) => (await new Users(t.server()).listSessions({ userId })).total;

  /** The session cookie value Tessera issues: base64 of {"id","secret"}. */
  function decodeSessionValue(value: string): { id: string; secret: string } {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  }

  it('cross-site page (localhost → 127.0.0.1) logs in through X-Fallback-Cookies kept in localStorage', async () => {
    const api = `http://127.0.0.1:${apiPort}/v1`;
    const { user, token } = await mintToken('cross.site@example.com');
    const { page, context, pageErrors, seen } = await openPage('localhost');

    const result = await login(page, api, user.$id, token.secret);
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.user!.$id, user.$id);
    assert.equal(result.user!.email, 'cross.site@example.com');
    assert.equal(result.session!.userId, user.$id);
    assert.equal(result.session!.provider, 'token');

    const created = (await seen('/account/sessions/token', 'POST'))[0];
    assert.equal(created.status, 201);
    assert.equal(created.headers['access-control-allow-origin'], `http://localhost:${pages.port}`);
    assert.equal(created.headers['access-control-allow-credentials'], 'true');
    const fallback = JSON.parse((await storedFallback(page))!);
    assert.deepEqual(Object.keys(fallback), ['a_session_default']);
    assert.equal(fallback.a_session_default, JSON.parse(created.headers['x-fallback-cookies']).a_session_default);
    assert.equal(decodeSessionValue(fallback.a_session_default).id, user.$id);
    assert.match(decodeSessionValue(fallback.a_session_default).secret, /^[0-9a-f]{256}$/);
    // Third-party cookies over plain http: SameSite=None needs Secure, a SameSite-less (Lax) cookie is
    // not stored from a cross-site response. So the fallback is all the browser has.
    assert.deepEqual((await context.cookies(`http://127.0.0.1:${apiPort}`)).map((c) => c.name), []);
    assert.equal((await seen('/account', 'GET')).at(-1)!.status, 200);
    assert.equal(await page.textContent('#status'), 'Signed in as cross.site@example.com');
    await page.screenshot({ path: SCREENSHOT });
    assert.equal(await sessionCount(user.$id), 1);

    const out = await logout(page, api);
    assert.deepEqual(out, { ok: true });
    assert.equal(await storedFallback(page), '[]', 'logout overwrites the stored fallback');
    const after = await whoami(page, api);
    assert.equal(after.error?.code, 401);
    assert.equal(after.error?.type, 'general_unauthorized_scope');
    assert.equal(await sessionCount(user.$id), 0);
    assert.deepEqual(pageErrors, []);
  });

  it('same-site page (localhost → localhost, other port) keeps the session in the _legacy cookie', async () => {
    const api = `http://localhost:${apiPort}/v1`;
    const { user, token } = await mintToken('same.site@example.com');
    const { page, context, pageErrors, seen } = await openPage('localhost');

    const result = await login(page, api, user.$id, token.secret);
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.user!.email, 'same.site@example.com');

    const created = (await seen('/account/sessions/token', 'POST'))[0];
    assert.equal(created.status, 201);
    // localhost has no registrable domain, so (as in Appwrite) it never counts as same-site for
    // X-Fallback-Cookies: the header is still sent; the browser, though, sends the cookie.
    assert.ok(created.headers['x-fallback-cookies'], 'Appwrite sends the fallback to localhost origins too');
    const cookies = await context.cookies(`http://localhost:${apiPort}`);
    const legacy = cookies.find((c) => c.name === 'a_session_default_legacy');
    assert.ok(legacy, `the _legacy cookie is kept (cookies: ${cookies.map((c) => c.name).join(', ') || 'none'})`);
    assert.equal(legacy!.httpOnly, true);
    assert.equal(decodeSessionValue(decodeURIComponent(legacy!.value)).id, user.$id);
    assert.equal(cookies.find((c) => c.name === 'a_session_default'), undefined, 'SameSite=None without Secure is refused on http');

    // Without the stored fallback the cookie alone carries the session.
    await page.evaluate(() => (globalThis as any).localStorage.removeItem('cookieFallback'));
    const me = await whoami(page, api);
    assert.equal(me.user?.$id, user.$id);
    const get = (await seen('/account', 'GET')).at(-1)!;
    assert.equal(get.headers['x-debug-fallback'], 'false', 'no X-Fallback-Cookies header was sent: the cookie did it');

    assert.deepEqual(await logout(page, api), { ok: true });
    assert.deepEqual((await context.cookies(`http://localhost:${apiPort}`)).map((c) => c.name), [], 'logout deletes both cookies');
    const after = await whoami(page, api);
    assert.equal(after.error?.code, 401);
    assert.equal(await sessionCount(user.$id), 0);
    assert.deepEqual(pageErrors, []);
  });

  it('an origin that is not a registered web platform gets no session until it is registered', async () => {
    const api = `http://127.0.0.1:${apiPort}/v1`;
    const { user, token } = await mintToken('evil.origin@example.com');
    const { page, context, pageErrors, seen } = await openPage(EVIL);
    const blocked = await watchRawResponses(context, page);

    const refused = await login(page, api, user.$id, token.secret);
    assert.ok(refused.error, 'the login fails');
    // Tessera answers 403 general_unknown_origin without Access-Control-Allow-Origin, so the browser
    // hides the answer and fetch rejects (a TypeError); an SDK exception would carry the 403 itself.
    if (refused.error.name === 'TypeError') assert.match(refused.error.message, /fetch/i);
    else assert.deepEqual([refused.error.code, refused.error.type], [403, 'general_unknown_origin']);
    assert.deepEqual(await seen('/account/sessions/token', 'POST'), [], 'the page never got the answer');
    const raw = await blocked(`${api}/account/sessions/token`, 'POST');
    assert.equal(raw.status, 403);
    assert.equal(raw.headers['access-control-allow-origin'], undefined);
    assert.equal(raw.corsError, 'MissingAllowOriginHeader');
    assert.equal(await storedFallback(page), null);
    assert.equal(await sessionCount(user.$id), 0);

    const now = Date.now();
    await t.container.db
      .insertInto('platforms')
      .values({ project_id: 'default', id: 'evil-web', type: 'web', name: 'Evil test site', hostname: EVIL, key: '', created_at: now, updated_at: now })
      .execute();
    await projectChanged(t.container, 'default');
    try {
      // The refused attempt consumed nothing: the same token still works.
      const accepted = await login(page, api, user.$id, token.secret);
      assert.equal(accepted.error, undefined, JSON.stringify(accepted.error));
      assert.equal(accepted.user!.email, 'evil.origin@example.com');
      const ok = (await seen('/account/sessions/token', 'POST')).at(-1)!;
      assert.equal(ok.headers['access-control-allow-origin'], `http://${EVIL}:${pages.port}`);
      assert.ok(JSON.parse((await storedFallback(page))!).a_session_default);
      assert.equal(await sessionCount(user.$id), 1);
    } finally {
      await t.container.db.deleteFrom('platforms').where('project_id', '=', 'default').where('id', '=', 'evil-web').execute();
      await projectChanged(t.container, 'default');
    }
    assert.deepEqual(pageErrors, []);
  });
});
