import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Project } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../harness.ts';
import { playLogin, startIdp, TestBrowser, type TestIdp } from './idp.ts';

const APP = 'localhost:4100';

describeEachBackend('OAuth2 providers configured by endpoints and by name', (backend) => {
  let t: TestServer;
  let plain: TestIdp;
  let realm: TestIdp;
  let n = 0;

  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    const callback = (provider: string) => `${new URL(t.endpoint).origin}/v1/account/sessions/oauth2/callback/${provider}/${t.projectId}`;
    plain = await startIdp([callback('oidc')]);
    realm = await startIdp([callback('keycloak')], { path: '/realms/staff' });
  });
  after(async () => {
    await plain?.close();
    await realm?.close();
    await t?.close();
  });

  const signIn = async (idp: TestIdp, provider: string, email: string) => {
    const login = `named-${++n}-${backend}`;
    idp.accounts.set(login, { email, email_verified: true, name: 'Named' });
    const browser = new TestBrowser();
    const start = `${t.endpoint}/account/sessions/oauth2/${provider}?` + new URLSearchParams({ project: t.projectId, success: `http://${APP}/ok`, failure: `http://${APP}/no` });
    const { url } = await playLogin(browser, start, login, [APP]);
    return { url, session: browser.cookie(t.endpoint, `a_session_${t.projectId}`) };
  };

  it('oidc with explicit authorization, token and userinfo URLs (no discovery) signs in', async () => {
    await new Project(t.server()).updateOAuth2Oidc({
      clientId: plain.clientId,
      clientSecret: plain.clientSecret,
      wellKnownURL: '',
      authorizationURL: `${plain.issuer}/auth`,
      tokenURL: `${plain.issuer}/token`,
      userInfoURL: `${plain.issuer}/me`,
      enabled: true,
    });
    const { url, session } = await signIn(plain, 'oidc', 'explicit@example.com');
    assert.equal(url.pathname, '/ok', `went to ${url}`);
    assert.equal((await new Account(t.withSession(session!)).get()).email, 'explicit@example.com');
  });

  it('keycloak finds its realm from endpoint and realmName', async () => {
    await new Project(t.server()).updateOAuth2Keycloak({
      clientId: realm.clientId,
      clientSecret: realm.clientSecret,
      endpoint: realm.issuer.replace('/realms/staff', ''),
      realmName: 'staff',
      enabled: true,
    });
    const { url, session } = await signIn(realm, 'keycloak', 'realm-user@example.com');
    assert.equal(url.pathname, '/ok', `went to ${url}`);
    const me = new Account(t.withSession(session!));
    assert.equal((await me.getSession({ sessionId: 'current' })).provider, 'keycloak');
    assert.equal((await me.listIdentities()).identities[0].provider, 'keycloak');
  });

  it('a provider signed in through its own API (Dropbox) starts at its authorization URL, without a scope or PKCE', async () => {
    await new Project(t.server()).updateOAuth2Dropbox({ appKey: 'dbx-key', appSecret: 'secret', enabled: true });
    const res = await new TestBrowser().request(`${t.endpoint}/account/sessions/oauth2/dropbox?project=${t.projectId}&success=http://${APP}/ok`);
    assert.equal(res.status, 301);
    const to = new URL(res.headers.get('location')!);
    assert.equal(`${to.origin}${to.pathname}`, 'https://www.dropbox.com/oauth2/authorize');
    assert.equal(to.searchParams.get('client_id'), 'dbx-key');
    assert.equal(to.searchParams.get('redirect_uri'), `${new URL(t.endpoint).origin}/v1/account/sessions/oauth2/callback/dropbox/${t.projectId}`);
    assert.equal(to.searchParams.get('response_type'), 'code');
    assert.ok(to.searchParams.get('state'));
    assert.equal(to.searchParams.has('scope'), false);
    assert.equal(to.searchParams.has('code_challenge'), false);
  });

  it('X starts with PKCE and its scopes; Box joins its scopes with commas', async () => {
    const project = new Project(t.server());
    await project.updateOAuth2X({ customerKey: 'x-id', secretKey: 'secret', enabled: true });
    await project.updateOAuth2Box({ clientId: 'box-id', clientSecret: 'secret', enabled: true });
    const start = async (provider: string) => {
      const res = await new TestBrowser().request(`${t.endpoint}/account/sessions/oauth2/${provider}?project=${t.projectId}&scopes[]=extra`);
      assert.equal(res.status, 301);
      return new URL(res.headers.get('location')!).searchParams;
    };
    const x = await start('x');
    assert.equal(x.get('scope'), 'tweet.read users.read users.email offline.access extra');
    assert.equal(x.get('code_challenge_method'), 'S256');
    assert.equal((await start('box')).get('scope'), 'manage_app_users,extra');
  });
});
