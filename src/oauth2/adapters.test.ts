import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { appleClientSecret, appleProfile, discordProfile, githubProfile, gitlabProfile, loginAdapter, mergeScopes, microsoftProfile, oidcClaims } from './adapters.ts';
import type { ProviderConfig } from './providers.ts';

const config = (provider: string, settings: Record<string, unknown>): ProviderConfig => ({ provider, enabled: true, appId: 'id', secrets: {}, settings, updatedAt: 0 });

describe('OAuth2 provider adapters', () => {
  it('OIDC claims: sub, email, email_verified (true or "true" only), name', () => {
    assert.deepEqual(oidcClaims({ sub: 'u1', email: 'a@example.com', email_verified: true, name: 'A' }), { uid: 'u1', email: 'a@example.com', verified: true, name: 'A' });
    assert.equal(oidcClaims({ sub: 'u1', email_verified: 'true' }).verified, true);
    assert.deepEqual(oidcClaims({}), { uid: '', email: '', verified: false, name: '' });
  });

  it('GitHub takes the primary verified address from /user/emails, else any verified one, else none verified', async () => {
    const user = { id: 42, login: 'octo', name: '', email: 'public@example.com' };
    const emails = [
      { email: 'other@example.com', primary: false, verified: true },
      { email: 'main@example.com', primary: true, verified: true },
    ];
    assert.deepEqual(await githubProfile(user, async () => emails), { uid: '42', email: 'main@example.com', verified: true, name: 'octo' });
    assert.equal((await githubProfile(user, async () => [emails[0]])).email, 'other@example.com');
    assert.deepEqual(await githubProfile(user, async () => [{ email: 'x@example.com', primary: true, verified: false }]), { uid: '42', email: 'public@example.com', verified: false, name: 'octo' });
    assert.equal((await githubProfile(user, async () => Promise.reject(new Error('403')))).verified, false);
  });

  it('Discord, GitLab and Microsoft map their own fields; Microsoft never claims a verified address', async () => {
    assert.deepEqual(await discordProfile({ id: '9', email: 'd@example.com', verified: true, username: 'dee', global_name: 'Dee' }), { uid: '9', email: 'd@example.com', verified: true, name: 'Dee' });
    assert.deepEqual(await gitlabProfile({ id: 7, email: 'g@example.com', confirmed_at: '2024-01-01', username: 'gee', name: '' }), { uid: '7', email: 'g@example.com', verified: true, name: 'gee' });
    assert.deepEqual(await microsoftProfile({ id: 'm', mail: null, userPrincipalName: 'm@contoso.com', displayName: 'Em' }), { uid: 'm', email: 'm@contoso.com', verified: false, name: 'Em' });
  });

  it('endpoints follow the settings: Microsoft tenant, GitLab self-hosted, Okta authorization server, Keycloak realm', () => {
    assert.deepEqual(loginAdapter('microsoft')!.server(config('microsoft', { tenant: 'contoso' })), {
      endpoints: {
        authorization: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize',
        token: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/token',
        userinfo: 'https://graph.microsoft.com/v1.0/me',
      },
    });
    assert.equal((loginAdapter('gitlab')!.server(config('gitlab', { endpoint: 'git.example.com/' })) as any).endpoints.token, 'https://git.example.com/oauth/token');
    assert.equal((loginAdapter('gitlab')!.server(config('gitlab', { endpoint: '' })) as any).endpoints.userinfo, 'https://gitlab.com/api/v4/user');
    assert.deepEqual(loginAdapter('okta')!.server(config('okta', { domain: 'dev-1.okta.com', authorizationServerId: 'default' })), {
      wellKnown: 'https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration',
    });
    assert.deepEqual(loginAdapter('keycloak')!.server(config('keycloak', { endpoint: 'https://kc.example', realmName: 'staff' })), {
      wellKnown: 'https://kc.example/realms/staff/.well-known/openid-configuration',
    });
    assert.deepEqual(loginAdapter('linkedin')!.server(config('linkedin', {})), { wellKnown: 'https://www.linkedin.com/oauth/.well-known/openid-configuration' });
    assert.equal(loginAdapter('linkedin')!.pkce, false);
  });

  it('oidc sends prompt and max_age as configured; scopes keep order and drop duplicates', () => {
    assert.deepEqual(loginAdapter('oidc')!.authParams!(config('oidc', { prompt: ['login', 'consent'], maxAge: 0 })), { prompt: 'login consent', max_age: '0' });
    assert.deepEqual(loginAdapter('oidc')!.authParams!(config('oidc', { prompt: [], maxAge: null })), {});
    assert.deepEqual(mergeScopes(['openid', 'profile', 'email'], ['email', 'offline_access', 'offline_access']), ['openid', 'profile', 'email', 'offline_access']);
    assert.equal(loginAdapter('instagram'), undefined);
    assert.equal(loginAdapter('toString'), undefined);
  });

  it("Apple's client secret is an ES256 JWT from the .p8 key: team as issuer, service id as subject, Apple as audience", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const p8File = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const apple: ProviderConfig = { provider: 'apple', enabled: true, appId: 'com.example.web', secrets: { p8File }, settings: { keyId: 'KEY123', teamId: 'TEAM456' }, updatedAt: 0 };
    const jwt = await appleClientSecret(apple, Date.now());
    assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'ES256', kid: 'KEY123' });
    const { payload } = await jwtVerify(jwt, publicKey, { issuer: 'TEAM456', subject: 'com.example.web', audience: 'https://appleid.apple.com' });
    assert.equal(payload.exp! - payload.iat!, 3600);
    await assert.rejects(appleClientSecret({ ...apple, secrets: { p8File: 'not a key' } }, Date.now()));
  });

  it("Apple's profile: id_token claims (email_verified may be a string), the name from the first login's user field", async () => {
    const claims = { sub: '001.abc', email: 'x@privaterelay.appleid.com', email_verified: 'true' };
    assert.deepEqual(await appleProfile(claims, async () => ({}), { user: JSON.stringify({ name: { firstName: 'Ada', lastName: 'Lovelace' } }) }), {
      uid: '001.abc', email: 'x@privaterelay.appleid.com', verified: true, name: 'Ada Lovelace',
    });
    assert.equal((await appleProfile(claims, async () => ({}), { user: '{broken' })).name, '');
    assert.equal(loginAdapter('apple')!.authParams!(apple0()).response_mode, 'form_post');
  });
});

function apple0(): ProviderConfig {
  return { provider: 'apple', enabled: true, appId: 'svc', secrets: {}, settings: {}, updatedAt: 0 };
}
