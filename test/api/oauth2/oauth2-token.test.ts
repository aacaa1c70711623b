import { it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Account, OAuthProvider, Project, ProjectOAuth2OidcPrompt, Users } from 'node-appwrite';
import { describeEachBackend, expectError, FakeClock, startServer, type TestServer } from '../../harness.ts';
import { playLogin, startIdp, TestBrowser, type TestIdp } from './idp.ts';

const APP = 'localhost:4100';
const SUCCESS = `http://${APP}/done?from=app`;
const FAILURE = `http://${APP}/failed`;

describeEachBackend('OAuth2 token flow and provider token refresh', (backend) => {
  let t: TestServer;
  let idp: TestIdp;
  let clock: FakeClock;
  let n = 0;

  before(async () => {
    clock = new FakeClock();
    t = await startServer(backend, { clock, env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    idp = await startIdp([`${new URL(t.endpoint).origin}/v1/account/sessions/oauth2/callback/oidc/${t.projectId}`]);
  });
  after(async () => {
    await idp?.close();
    await t?.close();
  });
  beforeEach(async () => {
    await new Project(t.server()).updateOAuth2Oidc({ clientId: idp.clientId, clientSecret: idp.clientSecret, wellKnownURL: idp.wellKnown, prompt: [], enabled: true });
  });

  const account = (email: string) => {
    const login = `tok-${++n}-${backend}`;
    idp.accounts.set(login, { email, email_verified: true, name: 'Token User' });
    return login;
  };

  /** createOAuth2Token through node-appwrite (a server starting the flow for its visitor), then the visitor's browser plays it. */
  const tokenLogin = async (login: string) => {
    const location = await new Account(t.guest()).createOAuth2Token({ provider: OAuthProvider.Oidc, success: SUCCESS, failure: FAILURE });
    assert.match(location, /^http:\/\/127\.0\.0\.1:\d+\/auth\?/, 'the SDK returns the provider URL');
    const { url } = await playLogin(new TestBrowser(), location, login, [APP]);
    return url;
  };

  it('the token flow ends at the success URL with userId and a secret that createSession exchanges once', async () => {
    const url = await tokenLogin(account('token-flow@example.com'));
    assert.equal(url.searchParams.get('from'), 'app', "the success URL's own query is kept");
    const userId = url.searchParams.get('userId')!;
    const secret = url.searchParams.get('secret')!;
    assert.ok(userId && secret);
    const session = await new Account(t.guest()).createSession({ userId, secret });
    assert.equal(session.provider, 'oidc');
    assert.deepEqual(session.factors, ['email', 'oauth2']);
    assert.ok(session.providerAccessToken, 'the session carries the identity tokens');
    assert.equal((await new Users(t.server()).get({ userId })).email, 'token-flow@example.com');
    await expectError(new Account(t.guest()).createSession({ userId, secret }), 401, 'user_invalid_token');
  });

  it('the token flow secret lives one minute', async () => {
    const url = await tokenLogin(account('token-late@example.com'));
    clock.advance(61_000);
    await expectError(new Account(t.guest()).createSession({ userId: url.searchParams.get('userId')!, secret: url.searchParams.get('secret')! }), 401, 'user_invalid_token');
  });

  it('the token flow secret stops working when the identity was deleted', async () => {
    const url = await tokenLogin(account('token-unlinked@example.com'));
    const userId = url.searchParams.get('userId')!;
    const identities = await new Users(t.server()).listIdentities({ search: userId });
    await new Users(t.server()).deleteIdentity({ identityId: identities.identities[0].$id });
    await expectError(new Account(t.guest()).createSession({ userId, secret: url.searchParams.get('secret')! }), 401, 'user_invalid_token');
  });

  it('updateSession refreshes the provider tokens of a session that has a refresh token (offline_access)', async () => {
    await new Project(t.server()).updateOAuth2Oidc({ prompt: [ProjectOAuth2OidcPrompt.Consent] });
    const browser = new TestBrowser();
    const start = `${t.endpoint}/account/sessions/oauth2/oidc?` + new URLSearchParams({ project: t.projectId, success: SUCCESS, failure: FAILURE, 'scopes[]': 'offline_access' });
    await playLogin(browser, start, account('refresh@example.com'), [APP]);
    const me = new Account(t.withSession(browser.cookie(t.endpoint, `a_session_${t.projectId}`)!));
    const before = await me.getSession({ sessionId: 'current' });
    assert.ok(before.providerRefreshToken, 'offline_access brought a refresh token');
    clock.advance(1000);
    const after = await me.updateSession({ sessionId: 'current' });
    assert.notEqual(after.providerAccessToken, before.providerAccessToken);
    assert.ok(after.providerRefreshToken);
    assert.ok(Date.parse(after.expire) > Date.parse(before.expire));
    // The new access token is the one the IdP knows now: a second refresh works from the stored refresh token.
    assert.ok((await me.updateSession({ sessionId: 'current' })).providerAccessToken);
    // An unreachable provider is its failure (424), not a server error; the session stays as it was.
    await new Project(t.server()).updateOAuth2Oidc({ wellKnownURL: 'http://127.0.0.1:9/.well-known/openid-configuration' });
    await expectError(me.updateSession({ sessionId: 'current' }), 424, 'user_oauth2_provider_error');
    assert.ok((await me.getSession({ sessionId: 'current' })).providerRefreshToken);
  });

  it('provider tokens are sealed at rest in sessions and identities', async () => {
    const url = await tokenLogin(account('sealed@example.com'));
    const userId = url.searchParams.get('userId')!;
    const session = await new Account(t.guest()).createSession({ userId, secret: url.searchParams.get('secret')! });
    const rows = await t.container.db.selectFrom('sessions').select(['provider_access_token', 'provider_refresh_token']).where('id', '=', session.$id).execute();
    const identities = await t.container.db.selectFrom('identities').select(['provider_access_token']).where('user_id', '=', userId).execute();
    const stored = [...rows.map((r) => r.provider_access_token), ...identities.map((r) => r.provider_access_token)];
    assert.ok(stored.every((v) => v.startsWith('v1.') && !v.includes(session.providerAccessToken)));
    const config = await t.container.db.selectFrom('oauth2_providers').selectAll().where('provider', '=', 'oidc').executeTakeFirstOrThrow();
    assert.ok(!config.secret.includes(idp.clientSecret) && config.secret.startsWith('v1.'), 'the client secret is sealed');
  });
});
