import { it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, startServer, type TestServer } from '../../harness.ts';
import { playLogin, startIdp, TestBrowser, type TestIdp } from './idp.ts';

const APP = 'localhost:4100';
const SUCCESS = `http://${APP}/done`;
const FAILURE = `http://${APP}/failed`;

describeEachBackend('OAuth2 login with an OpenID Provider', (backend) => {
  let t: TestServer;
  let idp: TestIdp;
  let clock: FakeClock;
  let n = 0;

  before(async () => {
    clock = new FakeClock();
    t = await startServer(backend, { clock, env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    const origin = new URL(t.endpoint).origin;
    idp = await startIdp([`${origin}/v1/account/sessions/oauth2/callback/oidc/${t.projectId}`]);
  });
  after(async () => {
    await idp?.close();
    await t?.close();
  });
  beforeEach(async () => {
    await new Project(t.server()).updateOAuth2Oidc({ clientId: idp.clientId, clientSecret: idp.clientSecret, wellKnownURL: idp.wellKnown, prompt: [], enabled: true });
  });

  /** A fresh IdP account (its login name is its `sub`). */
  const account = (claims: { email?: string; email_verified?: boolean; name?: string }) => {
    const login = `acct-${++n}-${backend}`;
    idp.accounts.set(login, claims);
    return login;
  };
  const startUrl = (kind: 'sessions' | 'tokens', extra: Record<string, string> = {}) =>
    `${t.endpoint}/account/${kind}/oauth2/oidc?` + new URLSearchParams({ project: t.projectId, success: SUCCESS, failure: FAILURE, ...extra });
  const signIn = async (login: string, opts: { browser?: TestBrowser; abort?: boolean; kind?: 'sessions' | 'tokens'; extra?: Record<string, string> } = {}) => {
    const browser = opts.browser ?? new TestBrowser();
    const { url } = await playLogin(browser, startUrl(opts.kind ?? 'sessions', opts.extra), login, [APP], { abort: opts.abort });
    return { browser, url, session: browser.cookie(t.endpoint, `a_session_${t.projectId}`) };
  };
  const failureOf = (url: URL) => {
    assert.equal(url.origin + url.pathname, FAILURE, `went to ${url}`);
    return JSON.parse(url.searchParams.get('error')!) as { message: string; type: string; code: number };
  };

  it('a new provider account signs up: a session cookie, a verified user, an oauth2 session and an identity', async () => {
    const login = account({ email: 'newcomer@example.com', email_verified: true, name: 'New Comer' });
    const { url, session, browser } = await signIn(login);
    assert.equal(url.toString(), SUCCESS);
    assert.ok(session, 'the session cookie is set');
    assert.equal(browser.cookie(t.endpoint, `a_oauth2_${t.projectId}`), undefined, 'the state binding cookie is dropped');
    const me = await new Account(t.withSession(session!)).get();
    assert.equal(me.email, 'newcomer@example.com');
    assert.equal(me.emailVerification, true);
    assert.equal(me.name, 'New Comer');
    const current = await new Account(t.withSession(session!)).getSession({ sessionId: 'current' });
    assert.equal(current.provider, 'oidc');
    assert.equal(current.providerUid, login);
    assert.deepEqual(current.factors, ['email', 'oauth2']);
    assert.ok(current.providerAccessToken.length > 10, 'the provider access token is readable by its owner');
    const identities = await new Account(t.withSession(session!)).listIdentities();
    assert.equal(identities.total, 1);
    assert.deepEqual([identities.identities[0].provider, identities.identities[0].providerUid, identities.identities[0].providerEmail], ['oidc', login, 'newcomer@example.com']);
  });

  it('the same provider account signs in to the same user again', async () => {
    const login = account({ email: 'returning@example.com', email_verified: true });
    const first = await signIn(login);
    const second = await signIn(login);
    const a = await new Account(t.withSession(first.session!)).get();
    const b = await new Account(t.withSession(second.session!)).get();
    assert.equal(b.$id, a.$id);
    assert.equal((await new Account(t.withSession(second.session!)).listIdentities()).total, 1);
    assert.equal((await new Account(t.withSession(second.session!)).listSessions()).total, 2);
  });

  it('a verified provider e-mail links to the existing user holding it', async () => {
    const existing = await new Users(t.server()).create({ userId: ID.unique(), email: 'linked@example.com', password: 'linked-password' });
    const { session } = await signIn(account({ email: 'Linked@example.com', email_verified: true }));
    assert.equal((await new Account(t.withSession(session!)).get()).$id, existing.$id);
  });

  it('an unverified provider e-mail held by an existing user is refused (general_bad_request) and links nothing', async () => {
    const existing = await new Users(t.server()).create({ userId: ID.unique(), email: 'victim@example.com', password: 'victim-password' });
    const { url, session } = await signIn(account({ email: 'victim@example.com', email_verified: false }));
    assert.equal(session, undefined);
    assert.deepEqual(failureOf(url), { message: 'There was an error processing your request. Please check the inputs and try again.', type: 'general_bad_request', code: 400 });
    const identities = await new Users(t.server()).listIdentities({ queries: [JSON.stringify({ method: 'equal', attribute: 'userId', values: [existing.$id] })] });
    assert.equal(identities.total, 0);
  });

  it('a signed-in user links a new provider account to itself, replacing its session', async () => {
    const user = await new Users(t.server()).create({ userId: ID.unique(), email: 'linker@example.com', password: 'linker-password' });
    const other = await new Account(t.guest()).createEmailPasswordSession({ email: 'linker@example.com', password: 'linker-password' });
    // The browser is signed in with a session of its own, as the web SDK's browser would be.
    const sessionValue = (await new Users(t.server()).createSession({ userId: user.$id })).secret;
    const browser = new TestBrowser();
    browser.setCookie(t.endpoint, `a_session_${t.projectId}`, sessionValue);
    const { session } = await signIn(account({ email: 'other-address@example.com', email_verified: true }), { browser });
    assert.notEqual(session, sessionValue);
    assert.equal((await new Account(t.withSession(session!)).get()).$id, user.$id);
    const identities = await new Account(t.withSession(session!)).listIdentities();
    assert.deepEqual(identities.identities.map((i) => i.providerEmail), ['other-address@example.com']);
    const sessions = await new Users(t.server()).listSessions({ userId: user.$id });
    assert.ok(!sessions.sessions.some((s) => s.provider === 'server'), 'the session that signed in was replaced');
    assert.ok(sessions.sessions.some((s) => s.$id === other.$id), 'other sessions stay');
  });

  it('the IdP answering access_denied sends the browser to the failure URL with user_oauth2_provider_error', async () => {
    const { url, session } = await signIn(account({ email: 'denied@example.com', email_verified: true }), { abort: true });
    assert.equal(session, undefined);
    const error = failureOf(url);
    assert.deepEqual([error.type, error.code], ['user_oauth2_provider_error', 424]);
    assert.equal(error.message, 'The OpenID Connect OAuth2 provider returned an error: access_denied: End-User aborted interaction');
  });

  it('a blocked user is refused with user_blocked and stays blocked', async () => {
    const login = account({ email: 'blocked@example.com', email_verified: true });
    const first = await signIn(login);
    const user = await new Account(t.withSession(first.session!)).get();
    await new Users(t.server()).updateStatus({ userId: user.$id, status: false });
    const { url, session } = await signIn(login);
    assert.equal(session, undefined);
    assert.deepEqual(failureOf(url), { message: 'The current user has been blocked.', type: 'user_blocked', code: 403 });
    assert.equal((await new Users(t.server()).get({ userId: user.$id })).status, false);
  });

  it('a disabled provider answers the start with a 412 error page', async () => {
    await new Project(t.server()).updateOAuth2Oidc({ enabled: false });
    const res = await new TestBrowser().request(startUrl('sessions'));
    assert.equal(res.status, 412);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const page = await res.text();
    assert.match(page, /project_provider_disabled/);
    assert.match(page, /This provider is disabled/);
  });

  it('a provider disabled while the browser is at the IdP ends at the failure URL', async () => {
    const browser = new TestBrowser();
    const login = account({ email: 'midway@example.com', email_verified: true });
    const step = await browser.navigate(startUrl('sessions'), [APP]);
    await new Project(t.server()).updateOAuth2Oidc({ enabled: false });
    const html = await step.res!.text();
    assert.match(html, /name="login"/);
    let next = await browser.navigate(step.url, [APP], { form: { prompt: 'login', login, password: 'x' } });
    if (next.res) next = await browser.navigate(next.url, [APP], { form: { prompt: 'consent' } });
    assert.equal(failureOf(new URL(next.url)).type, 'project_provider_disabled');
  });

  it('success and failure URLs on unregistered hosts are refused at the start (400)', async () => {
    for (const extra of [{ success: 'https://evil.example/steal' }, { failure: 'https://evil.example/steal' }] as Record<string, string>[]) {
      const res = await new TestBrowser().request(startUrl('sessions', extra));
      assert.equal(res.status, 400);
      assert.match(await res.text(), /general_argument_invalid/);
    }
  });

  it('a login finished in another browser than the one that started it is refused (login CSRF)', async () => {
    const attacker = new TestBrowser();
    const login = account({ email: 'csrf@example.com', email_verified: true });
    // The attacker starts and authorizes, then hands the callback URL to a victim's browser.
    let step = await attacker.navigate(startUrl('sessions'), [APP, new URL(t.endpoint).host]);
    for (let i = 0; i < 3 && step.res && /\/interaction\//.test(step.url); i++) {
      const html = await step.res.text();
      const form: Record<string, string> = html.includes('name="login"') ? { prompt: 'login', login, password: 'x' } : { prompt: 'consent' };
      step = await attacker.navigate(step.url, [APP, new URL(t.endpoint).host], { form });
    }
    assert.match(step.url, /\/callback\/oidc\//);
    const victim = new TestBrowser();
    const { url } = await victim.navigate(step.url, [APP]);
    assert.equal(victim.cookie(t.endpoint, `a_session_${t.projectId}`), undefined);
    assert.equal(failureOf(new URL(url)).type, 'user_unauthorized');
  });

  it('a forged or foreign state is refused with an error page', async () => {
    const res = await new TestBrowser().request(`${t.endpoint}/account/sessions/oauth2/oidc/redirect?project=${t.projectId}&code=abc&state=${encodeURIComponent('{"success":"https://evil.example"}')}`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /general_argument_invalid/);
  });

  it('a new provider account past the project user limit is refused with user_count_exceeded; a known one still signs in', async () => {
    const known = account({ email: 'known-before-limit@example.com', email_verified: true });
    await signIn(known);
    const users = await new Users(t.server()).list({ total: true });
    await t.setAuths({ limit: users.total });
    try {
      const { url, session } = await signIn(account({ email: 'one-too-many@example.com', email_verified: true }));
      assert.equal(session, undefined);
      assert.equal(failureOf(url).type, 'user_count_exceeded');
      assert.ok((await signIn(known)).session, 'an existing user is not counted again');
    } finally {
      await t.restoreSettings();
    }
  });

  it('the callback takes form_post answers (POST) and passes every param on to the redirect route', async () => {
    const res = await fetch(`${new URL(t.endpoint).origin}/v1/account/sessions/oauth2/callback/oidc/${t.projectId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: 'the-code', state: 'the-state', iss: 'https://idp.example' }).toString(),
      redirect: 'manual',
    });
    assert.equal(res.status, 301);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.pathname, '/v1/account/sessions/oauth2/oidc/redirect');
    assert.deepEqual(Object.fromEntries(location.searchParams), { code: 'the-code', state: 'the-state', iss: 'https://idp.example', project: t.projectId });
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
  });

  it('a success URL whose platform was removed during the login is refused on return with an error page', async () => {
    const platform = await t.container.platforms.create(t.projectId, 'unique()', { type: 'web', name: 'Shop', hostname: 'shop.example' });
    const login = account({ email: 'platform-gone@example.com', email_verified: true });
    const browser = new TestBrowser();
    const start = startUrl('sessions', { success: 'https://shop.example/ok', failure: 'https://shop.example/no' });
    let step = await browser.navigate(start, ['shop.example']);
    await t.container.platforms.delete(t.projectId, platform.id);
    for (let i = 0; i < 3 && step.res && /\/interaction\//.test(step.url); i++) {
      const html = await step.res.text();
      step = await browser.navigate(step.url, ['shop.example'], { form: html.includes('name="login"') ? { prompt: 'login', login, password: 'x' } : { prompt: 'consent' } });
    }
    assert.ok(step.res, `stopped at ${step.url}`);
    assert.equal(step.res.status, 400);
    assert.match(await step.res.text(), /project_invalid_success_url/);
    assert.equal(browser.cookie(t.endpoint, `a_session_${t.projectId}`), undefined);
  });
});
