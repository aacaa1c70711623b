import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from './oauth2-client.ts';
import type { ProviderConfig } from './providers.ts';

const oidc = (wellKnownURL: string): ProviderConfig => ({
  provider: 'oidc', enabled: true, appId: 'id', secrets: { clientSecret: 's' }, settings: { wellKnownURL }, updatedAt: 1,
});
const clock = { now: () => Date.now() };

describe('OAuth2 client transport rules', () => {
  it('a provider on a non-loopback host is refused over plain http unless TESSERA_OAUTH2_ALLOW_HTTP allows it', async () => {
    const strict = new OAuth2Client(clock, { allowHttp: false });
    await assert.rejects(strict.prepare('p', oidc('http://idp.example/.well-known/openid-configuration')), (e: any) => e.type === 'project_provider_disabled' && /https/.test(e.message));
    // Allowed: the request is made (and fails: .invalid names never resolve) instead of being refused.
    const lax = new OAuth2Client(clock, { allowHttp: true });
    await assert.rejects(lax.prepare('p', oidc('http://idp.invalid/.well-known/openid-configuration')), (e: any) => e.type === 'user_oauth2_provider_error');
  });

  it('a provider without an adapter is project_provider_unsupported', async () => {
    const client = new OAuth2Client(clock, { allowHttp: false });
    await assert.rejects(client.prepare('p', { ...oidc(''), provider: 'instagram' }), (e: any) => e.type === 'project_provider_unsupported');
  });
});
