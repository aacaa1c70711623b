import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Project, ProjectOAuth2OidcPrompt } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';

describeEachBackend('OAuth2 provider settings (Project API)', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend);
  });
  after(async () => t?.close());

  const project = () => new Project(t.server());
  /** The SDK parses JSON into null-prototype objects. */
  const plain = (o: object) => JSON.parse(JSON.stringify(o));

  it('oidc settings are stored and read back with the secret write-only', async () => {
    const saved = await project().updateOAuth2Oidc({
      clientId: 'client-1',
      clientSecret: 'very-secret',
      wellKnownURL: 'https://idp.example/.well-known/openid-configuration',
      prompt: [ProjectOAuth2OidcPrompt.Login],
      maxAge: 300,
      enabled: true,
    });
    const expected = {
      $id: 'oidc', enabled: true, clientId: 'client-1', clientSecret: '', wellKnownURL: 'https://idp.example/.well-known/openid-configuration',
      authorizationURL: '', tokenURL: '', userInfoURL: '', prompt: ['login'], maxAge: 300,
    };
    assert.deepEqual(plain(saved), expected);
    assert.deepEqual(plain(await project().getOAuth2Provider({ providerId: 'oidc' as never })), expected);
    // Omitted params keep their values; the secret survives a change of another field.
    const renamed = await project().updateOAuth2Oidc({ clientId: 'client-2' });
    assert.deepEqual([renamed.clientId, renamed.enabled, renamed.wellKnownURL], ['client-2', true, expected.wellKnownURL]);
    const row = await t.container.oauth2Providers.get(t.projectId, 'oidc');
    assert.equal(row.secrets.clientSecret, 'very-secret');
  });

  it('enabling oidc needs a well-known URL or all three endpoints, and credentials', async () => {
    await expectError(
      project().updateOAuth2Oidc({ clientId: 'x', clientSecret: 'y', wellKnownURL: '', authorizationURL: 'https://idp.example/auth', enabled: true }),
      400,
      'general_argument_invalid',
      'Enabling OpenID Connect requires either wellKnownURL, or all of authorizationURL, tokenURL, and userInfoURL.',
    );
    await expectError(project().updateOAuth2GitHub({ clientId: 'only-id', enabled: true }), 400, 'general_argument_invalid', 'Client ID and Client Secret are required when enabling OAuth2 provider.');
    assert.equal((await project().getOAuth2Provider({ providerId: 'github' as never })).enabled, false, 'nothing was stored');
  });

  it('prompt "none" must be alone, and endpoints must be URLs', async () => {
    await expectError(
      project().updateOAuth2Oidc({ prompt: [ProjectOAuth2OidcPrompt.None, ProjectOAuth2OidcPrompt.Login] }),
      400,
      'general_argument_invalid',
      'When "none" is used as a prompt value, it must be the only element in the array.',
    );
    await expectError(project().updateOAuth2Oidc({ tokenURL: 'not a url' }), 400, 'general_argument_invalid', /tokenURL/);
  });

  it('a named provider takes its own param names; omitted enabled turns on once credentials are complete', async () => {
    const ms = await project().updateOAuth2Microsoft({ applicationId: 'app-id', applicationSecret: 'app-secret', tenant: 'contoso' });
    assert.deepEqual(plain(ms), { $id: 'microsoft', enabled: true, applicationId: 'app-id', applicationSecret: '', tenant: 'contoso' });
    const off = await project().updateOAuth2Microsoft({ enabled: false });
    assert.equal(off.enabled, false);
  });

  it('lists every provider with secrets empty, paged by limit and offset', async () => {
    const all = await project().listOAuth2Providers({ total: true });
    assert.ok(all.total >= 40);
    assert.ok(all.providers.some((p: any) => p.$id === 'google' && Array.isArray(p.prompt)));
    assert.ok(all.providers.every((p: any) => Object.entries(p).every(([k, v]) => !/secret/i.test(k) || v === '')));
    const page = await project().listOAuth2Providers({ queries: ['{"method":"limit","values":[2]}', '{"method":"offset","values":[1]}'] });
    assert.deepEqual(page.providers.map((p: any) => p.$id), all.providers.slice(1, 3).map((p: any) => p.$id));
  });

  it('an unknown provider is 400, and the routes need project.oauth2 scopes', async () => {
    const res = await t.fetch('/project/oauth2/myspace', { headers: { 'x-appwrite-key': t.apiKey } });
    assert.equal(res.status, 400);
    const key = await t.container.keys.create({ projectId: t.projectId, id: 'users-only', name: 'users only', scopes: ['users.read'], expire: null });
    const limited = new Project(new Client().setEndpoint(t.endpoint).setProject(t.projectId).setKey(key.secret!));
    await expectError(limited.listOAuth2Providers(), 401, 'general_unauthorized_scope');
    await expectError(new Project(t.guest()).updateOAuth2Oidc({ enabled: false }), 401, 'general_unauthorized_scope');
  });
});
