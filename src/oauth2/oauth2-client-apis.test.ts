import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loginAdapter, type LoginAdapter } from './adapters.ts';
import { OAuth2Client } from './oauth2-client.ts';
import { providerSpec, type ProviderConfig } from './providers.ts';

/** What the local provider saw of one request. */
interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  form: URLSearchParams;
}

/**
 * A real HTTP server standing in for a provider's token and user-info endpoints: it answers with the
 * JSON the test sets and records each request, so the adapters' ways of calling (Basic or post client
 * authentication, PKCE, a POST or extra headers for user info, odd token answers) run through
 * openid-client for real.
 */
async function startProviderApi() {
  const seen: Seen[] = [];
  const answers = new Map<string, unknown>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://localhost');
      seen.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, form: new URLSearchParams(body) });
      const answer = answers.get(url.pathname);
      res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer ?? { error: 'not_found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen, answers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

type Api = Awaited<ReturnType<typeof startProviderApi>>;

const REDIRECT = 'https://tessera.example/v1/account/sessions/oauth2/callback/p/default';

/** Signs in with `provider`'s own adapter, its endpoints moved to the local server. */
async function signIn(api: Api, provider: string, userinfoPath = '/me') {
  const real = loginAdapter(provider)!;
  const local: LoginAdapter = { ...real, server: () => ({ endpoints: { authorization: `${api.base}/authorize`, token: `${api.base}/token`, userinfo: `${api.base}${userinfoPath}` } }) };
  const spec = providerSpec(provider)!;
  const config: ProviderConfig = { provider, enabled: true, appId: 'client-1', secrets: { [spec.secretParam]: 'secret-1' }, settings: {}, updatedAt: Math.random() };
  const client = new OAuth2Client({ now: () => Date.now() }, { allowHttp: false }, (p) => (p === provider ? local : undefined));
  const prepared = await client.prepare('default', config);
  const { url, checks } = await client.authorizationUrl(prepared, config, REDIRECT, []);
  const { tokens, claims } = await client.exchange(prepared, new URL(`${REDIRECT}?code=code-1&state=s-1`), { state: 's-1', ...checks });
  const profile = await client.profile(prepared, tokens.accessToken, claims);
  return { url, checks, tokens, profile, prepared, client };
}

describe('OAuth2 adapters calling a provider API through openid-client', () => {
  let api: Api;
  before(async () => {
    api = await startProviderApi();
  });
  after(() => api.close());

  const requests = async (run: () => Promise<unknown>) => {
    api.seen.length = 0;
    const result = await run();
    const [token, ...reads] = api.seen.splice(0);
    return { token, reads, result };
  };

  it('Spotify: client credentials in HTTP Basic at the token endpoint, user info by GET with the bearer token', async () => {
    api.answers.set('/token', { access_token: 'at-spotify', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt' });
    api.answers.set('/me', { id: 'sp-1', email: 'sp@example.com', display_name: 'Spot' });
    const { token, reads, result } = await requests(() => signIn(api, 'spotify'));
    assert.equal(token.headers.authorization, `Basic ${Buffer.from('client-1:secret-1').toString('base64')}`);
    assert.equal(token.form.get('client_secret'), null);
    assert.equal(token.form.get('code'), 'code-1');
    assert.equal(token.form.get('redirect_uri'), REDIRECT);
    assert.equal(reads[0].method, 'GET');
    assert.equal(reads[0].headers.authorization, 'Bearer at-spotify');
    assert.deepEqual((result as any).profile, { uid: 'sp-1', email: 'sp@example.com', verified: false, name: 'Spot' });
  });

  it('Dropbox: secret in the form, user info by POST; no scope in its authorization URL', async () => {
    api.answers.set('/token', { access_token: 'at-dbx', token_type: 'bearer', expires_in: 14400 });
    api.answers.set('/me', { account_id: 'dbid:9', email: 'db@example.com', email_verified: true, name: { display_name: 'Dee Bee' } });
    const { token, reads, result } = await requests(() => signIn(api, 'dropbox'));
    assert.equal(token.headers.authorization, undefined);
    assert.deepEqual([token.form.get('client_id'), token.form.get('client_secret')], ['client-1', 'secret-1']);
    assert.equal(reads[0].method, 'POST');
    const { url, profile } = result as Awaited<ReturnType<typeof signIn>>;
    assert.equal(url.searchParams.has('scope'), false);
    assert.deepEqual(profile, { uid: 'dbid:9', email: 'db@example.com', verified: true, name: 'Dee Bee' });
  });

  it('Twitch: a scope list in the token answer is accepted, user info carries Client-Id', async () => {
    api.answers.set('/token', { access_token: 'at-tw', token_type: 'bearer', expires_in: 100, scope: ['user:read:email'] });
    api.answers.set('/helix/users', { data: [{ id: '44', email: 'tw@example.com', display_name: 'Twitchy' }] });
    const { reads, result } = await requests(() => signIn(api, 'twitch', '/helix/users'));
    assert.equal(reads[0].headers['client-id'], 'client-1');
    assert.equal((result as any).profile.uid, '44');
  });

  it('Bitly (no token_type) and Yammer (nested token) still sign in', async () => {
    api.answers.set('/token', { access_token: 'at-bitly', login: 'bl' });
    api.answers.set('/me', { login: 'bl', name: 'Bit Ly', emails: [{ email: 'bl@example.com', is_verified: true }] });
    assert.deepEqual((await signIn(api, 'bitly')).profile, { uid: 'bl', email: 'bl@example.com', verified: true, name: 'Bit Ly' });
    api.answers.set('/token', { access_token: { token: 'at-yam', user_id: 3 }, user: { id: 3 } });
    api.answers.set('/me', { id: 3, email: 'y@example.com', full_name: 'Yam Mer' });
    const yammer = await signIn(api, 'yammer');
    assert.equal(yammer.tokens.accessToken, 'at-yam');
    assert.equal(yammer.profile.uid, '3');
  });

  it('Yandex sends the token in the query too; Salesforce ignores an id_token it did not check (as Appwrite)', async () => {
    api.answers.set('/token', { access_token: 'at-ya', token_type: 'bearer' });
    api.answers.set('/me', { id: '8', default_email: 'ya@example.com' });
    const { reads } = await requests(() => signIn(api, 'yandex'));
    assert.equal(reads[0].query.get('oauth_token'), 'at-ya');
    api.answers.set('/token', { access_token: 'at-sf', token_type: 'Bearer', id_token: 'not.a.jwt-from-this-issuer' });
    api.answers.set('/me', { user_id: '005', email: 'sf@example.com', email_verified: true, name: 'Sales' });
    assert.deepEqual((await signIn(api, 'salesforce')).profile, { uid: '005', email: 'sf@example.com', verified: true, name: 'Sales' });
  });

  it('X: PKCE verifier at the token endpoint with Basic client authentication; a refresh goes the same way', async () => {
    api.answers.set('/token', { access_token: 'at-x', token_type: 'bearer', refresh_token: 'rt-x', expires_in: 7200 });
    api.answers.set('/me', { data: { id: '1', name: 'Ex', confirmed_email: 'x@example.com' } });
    const { token, result } = await requests(() => signIn(api, 'x'));
    const { checks, profile, client, prepared } = result as Awaited<ReturnType<typeof signIn>>;
    assert.equal(token.form.get('code_verifier'), checks.codeVerifier);
    assert.match(String(token.headers.authorization), /^Basic /);
    assert.deepEqual(profile, { uid: '1', email: 'x@example.com', verified: true, name: 'Ex' });
    api.answers.set('/token', { access_token: 'at-x2', token_type: 'bearer', expires_in: 7200 });
    const refreshed = await client.refresh(prepared, 'rt-x');
    assert.deepEqual([refreshed.accessToken, refreshed.refreshToken], ['at-x2', 'rt-x']);
    assert.equal(api.seen.at(-1)!.form.get('grant_type'), 'refresh_token');
  });

  it('Etsy: a public client (client id, no secret, PKCE) and a profile read by the id in its token', async () => {
    api.answers.set('/token', { access_token: '4242.tok', token_type: 'Bearer', expires_in: 3600 });
    const real = loginAdapter('etsy')!;
    assert.equal(real.tokenAuth, 'none');
    // Etsy's user read goes to its fixed API host; only the token exchange is checked here.
    const local: LoginAdapter = { ...real, server: () => ({ endpoints: { authorization: `${api.base}/authorize`, token: `${api.base}/token` } }) };
    const config: ProviderConfig = { provider: 'etsy', enabled: true, appId: 'keystring', secrets: { sharedSecret: 's' }, settings: {}, updatedAt: 1 };
    const client = new OAuth2Client({ now: () => Date.now() }, { allowHttp: false }, () => local);
    const prepared = await client.prepare('default', config);
    const { checks } = await client.authorizationUrl(prepared, config, REDIRECT, []);
    const { token, result } = await requests(() => client.exchange(prepared, new URL(`${REDIRECT}?code=c&state=s`), { state: 's', ...checks }));
    assert.equal(token.headers.authorization, undefined);
    assert.deepEqual([token.form.get('client_id'), token.form.get('client_secret'), token.form.get('code_verifier')], ['keystring', null, checks.codeVerifier]);
    assert.equal((result as any).tokens.accessToken, '4242.tok');
  });
});
