import { it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Project, Users } from 'node-appwrite';
import { describeEachBackend, expectError, FakeClock, startServer, type TestServer } from '../../harness.ts';
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
    const { url, session } = await signIn(login);
    assert.equal(url.toString(), SUCCESS);
    assert.ok(session, 'the session cookie is set');
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
});
