import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loginAdapter, normalTokenBody, type LoginAdapter, type ProviderProfile } from './adapters.ts';
import { PROVIDER_IDS, type ProviderConfig } from './providers.ts';

const config = (provider: string, appId = 'app-id', secrets: Record<string, string> = {}): ProviderConfig => ({ provider, enabled: true, appId, secrets, settings: {}, updatedAt: 0 });
const adapter = (provider: string): LoginAdapter => {
  const found = loginAdapter(provider);
  assert.ok(found, `${provider} has an adapter`);
  return found;
};
const noReads = async (url: string) => assert.fail(`unexpected read of ${url}`);
const profileOf = (provider: string, info: Record<string, unknown>, reads: Record<string, unknown> = {}, accessToken = 'token'): Promise<ProviderProfile> =>
  adapter(provider).profile(info, async (url) => (url in reads ? reads[url] : noReads(url)), {}, accessToken);
const endpointsOf = (provider: string, c = config(provider)) => {
  const source = adapter(provider).server(c);
  assert.ok('endpoints' in source);
  return source.endpoints;
};

describe('OAuth2 adapters of the providers signed in through their own APIs', () => {
  it('every provider of the list has an adapter', () => {
    assert.deepEqual(PROVIDER_IDS.filter((id) => !loginAdapter(id)), []);
  });

  it('each maps its user info to id, e-mail, name; those without a verification signal are never verified', async () => {
    const cases: [string, Record<string, unknown>, ProviderProfile][] = [
      ['amazon', { user_id: 'amzn1.account.A', email: 'a@example.com', name: 'Amy' }, { uid: 'amzn1.account.A', email: 'a@example.com', verified: false, name: 'Amy' }],
      ['autodesk', { userId: 'AD1', emailId: 'ad@example.com', emailVerified: true, userName: 'adsk' }, { uid: 'AD1', email: 'ad@example.com', verified: true, name: 'adsk' }],
      ['box', { id: '11', login: 'box@example.com', name: 'Boxer' }, { uid: '11', email: 'box@example.com', verified: false, name: 'Boxer' }],
      ['dailymotion', { id: 'x1', email: 'dm@example.com', verified: true, fullname: 'Dee Em' }, { uid: 'x1', email: 'dm@example.com', verified: true, name: 'Dee Em' }],
      ['disqus', { code: 0, response: { id: '77', email: 'dq@example.com', name: 'Dis' } }, { uid: '77', email: 'dq@example.com', verified: false, name: 'Dis' }],
      ['dropbox', { account_id: 'dbid:1', email: 'db@example.com', email_verified: true, name: { display_name: 'Drop Box' } }, { uid: 'dbid:1', email: 'db@example.com', verified: true, name: 'Drop Box' }],
      ['facebook', { id: '10', email: 'fb@example.com', name: 'Face' }, { uid: '10', email: 'fb@example.com', verified: false, name: 'Face' }],
      ['figma', { id: '5', email: 'fig@example.com', handle: 'figgy' }, { uid: '5', email: 'fig@example.com', verified: false, name: 'figgy' }],
      ['kick', { data: [{ user_id: 123, email: 'k@example.com', name: 'kicker' }] }, { uid: '123', email: 'k@example.com', verified: false, name: 'kicker' }],
      [
        'notion',
        { object: 'user', type: 'bot', bot: { owner: { type: 'user', user: { id: 'n-1', name: 'No Tion', person: { email: 'n@example.com' } } } } },
        { uid: 'n-1', email: 'n@example.com', verified: false, name: 'No Tion' },
      ],
      [
        'paypal',
        { payer_id: 'P1', name: 'Pay Pal', verified_account: 'true', emails: [{ value: 'old@example.com', primary: false }, { value: 'pp@example.com', primary: true }] },
        { uid: 'P1', email: 'pp@example.com', verified: true, name: 'Pay Pal' },
      ],
      ['paypalSandbox', { payer_id: 'P2', verified_account: 'false', emails: [] }, { uid: 'P2', email: '', verified: false, name: '' }],
      ['salesforce', { user_id: '005x', email: 'sf@example.com', email_verified: true, name: 'Sales' }, { uid: '005x', email: 'sf@example.com', verified: true, name: 'Sales' }],
      ['slack', { sub: 'U0R7JM', email: 's@example.com', email_verified: true, name: 'Slacker' }, { uid: 'U0R7JM', email: 's@example.com', verified: false, name: 'Slacker' }],
      ['spotify', { id: 'sp', email: 'sp@example.com', display_name: 'Spot' }, { uid: 'sp', email: 'sp@example.com', verified: false, name: 'Spot' }],
      ['stripe', { id: 'acct_1', email: 'st@example.com' }, { uid: 'acct_1', email: 'st@example.com', verified: false, name: '' }],
      ['tradeshift', { Id: 'T1', Username: 'ts@example.com', FirstName: 'Trade', LastName: 'Shift' }, { uid: 'T1', email: 'ts@example.com', verified: false, name: 'Trade Shift' }],
      ['tradeshiftBox', { Id: 'T2', Username: 'tb@example.com', FirstName: 'Only' }, { uid: 'T2', email: 'tb@example.com', verified: false, name: 'Only' }],
      ['twitch', { data: [{ id: '44', email: 'tw@example.com', display_name: 'Twitchy' }] }, { uid: '44', email: 'tw@example.com', verified: false, name: 'Twitchy' }],
      ['wordpress', { ID: 9, email: 'wp@example.com', verified: true, email_verified: true, username: 'wpuser' }, { uid: '9', email: 'wp@example.com', verified: true, name: 'wpuser' }],
      ['wordpress', { ID: 9, email: 'wp@example.com', verified: false, email_verified: false, username: 'wpuser' }, { uid: '9', email: '', verified: false, name: 'wpuser' }],
      ['x', { data: { id: '1', name: 'Ex', confirmed_email: 'x@example.com' } }, { uid: '1', email: 'x@example.com', verified: true, name: 'Ex' }],
      ['x', { data: { id: '1', name: 'Ex' } }, { uid: '1', email: '', verified: false, name: 'Ex' }],
      ['yammer', { id: 3, email: 'y@example.com', full_name: 'Yam Mer' }, { uid: '3', email: 'y@example.com', verified: false, name: 'Yam Mer' }],
      ['yandex', { id: '8', default_email: 'ya@example.com', display_name: 'Ya' }, { uid: '8', email: 'ya@example.com', verified: false, name: 'Ya' }],
      ['zoom', { id: 'z', email: 'z@example.com', verified: 1, first_name: 'Zo', last_name: 'Om' }, { uid: 'z', email: 'z@example.com', verified: true, name: 'Zo Om' }],
      ['zoom', { id: 'z', email: 'z@example.com', verified: 0 }, { uid: 'z', email: 'z@example.com', verified: false, name: '' }],
      ['appwrite', { sub: 'aw', email: 'aw@example.com', email_verified: true, name: 'App' }, { uid: 'aw', email: 'aw@example.com', verified: true, name: 'App' }],
    ];
    for (const [provider, info, expected] of cases) assert.deepEqual(await profileOf(provider, info), expected, provider);
  });

  it('Bitbucket and Bitly take only a confirmed address; Podio the verification of its main address and the name from its profile', async () => {
    const emails = 'https://api.bitbucket.org/2.0/user/emails';
    const bb = { uuid: '{u-1}', display_name: 'Bit Bucket' };
    const confirmed = { values: [{ email: 'no@example.com', is_confirmed: false }, { email: 'bb@example.com', is_confirmed: true }] };
    assert.deepEqual(await profileOf('bitbucket', bb, { [emails]: confirmed }), { uid: '{u-1}', email: 'bb@example.com', verified: true, name: 'Bit Bucket' });
    assert.deepEqual(await profileOf('bitbucket', bb, { [emails]: { values: [{ email: 'no@example.com', is_confirmed: false }] } }), { uid: '{u-1}', email: '', verified: false, name: 'Bit Bucket' });
    const bitly = { login: 'bl', name: 'Bit Ly', emails: [{ email: 'un@example.com', is_verified: false }, { email: 'bl@example.com', is_verified: true }] };
    assert.deepEqual(await profileOf('bitly', bitly), { uid: 'bl', email: 'bl@example.com', verified: true, name: 'Bit Ly' });
    assert.deepEqual(await profileOf('bitly', { login: 'bl', emails: [{ email: 'un@example.com', is_verified: false }] }), { uid: 'bl', email: '', verified: false, name: '' });
    const podio = { user_id: 12, mail: 'po@example.com', mails: [{ mail: 'other@example.com', verified: true }, { mail: 'po@example.com', verified: false }] };
    assert.deepEqual(await profileOf('podio', podio, { 'https://api.podio.com/user/profile': { name: 'Po Dio' } }), { uid: '12', email: 'po@example.com', verified: false, name: 'Po Dio' });
  });

  it('Etsy reads the user named by its access token (<user id>.<token>), with the keystring as x-api-key', async () => {
    const user = { primary_email: 'etsy@example.com', login_name: 'etsyer' };
    assert.deepEqual(await profileOf('etsy', {}, { 'https://api.etsy.com/v3/application/users/4242': user }, '4242.secret-part'), {
      uid: '4242', email: 'etsy@example.com', verified: false, name: 'etsyer',
    });
    assert.deepEqual(adapter('etsy').userinfo!.headers!('keystring'), { 'x-api-key': 'keystring' });
    assert.equal(endpointsOf('etsy').userinfo, undefined);
  });

  it('endpoints, scopes and the ways of calling them follow Appwrite', () => {
    assert.deepEqual(endpointsOf('x'), { authorization: 'https://x.com/i/oauth2/authorize', token: 'https://api.x.com/2/oauth2/token', userinfo: 'https://api.x.com/2/users/me?user.fields=confirmed_email' });
    assert.deepEqual(endpointsOf('paypalSandbox').token, 'https://api.sandbox.paypal.com/v1/oauth2/token');
    assert.deepEqual(endpointsOf('tradeshiftBox').userinfo, 'https://api-sandbox.tradeshift.com/tradeshift/rest/external/account/info/user');
    const disqus = new URL(endpointsOf('disqus', config('disqus', 'pub', { secretKey: 'sec' })).userinfo!);
    assert.deepEqual([disqus.searchParams.get('api_key'), disqus.searchParams.get('api_secret')], ['pub', 'sec']);
    assert.deepEqual(adapter('disqus').userinfo, { tokenParam: 'access_token' });
    assert.deepEqual(adapter('slack').server(config('slack')), { wellKnown: 'https://slack.com/.well-known/openid-configuration' });
    assert.deepEqual(adapter('appwrite').server(config('appwrite')), { wellKnown: 'https://cloud.appwrite.io/v1/oauth2/console/.well-known/openid-configuration' });
    const basic = PROVIDER_IDS.filter((id) => loginAdapter(id)!.tokenAuth === 'basic');
    assert.deepEqual(basic, ['bitbucket', 'figma', 'notion', 'paypal', 'paypalSandbox', 'salesforce', 'spotify', 'tradeshift', 'tradeshiftBox', 'x', 'yandex', 'zoom']);
    assert.deepEqual(PROVIDER_IDS.filter((id) => MORE.includes(id) && loginAdapter(id)!.pkce), ['appwrite', 'etsy', 'kick', 'x']);
    assert.equal(adapter('dropbox').userinfo!.method, 'POST');
    assert.deepEqual(adapter('twitch').userinfo!.headers!('cid'), { 'Client-Id': 'cid' });
    assert.deepEqual(adapter('twitch').authParams!(config('twitch')), { force_verify: 'true' });
    assert.deepEqual(adapter('notion').authParams!(config('notion')), { owner: 'user' });
    assert.equal(adapter('box').scopeSeparator, ',');
    assert.deepEqual(adapter('zoom').scopes, ['user_info:read']);
  });

  it('token answers are made RFC 6749-shaped: scope lists joined, bearer by default, Yammer unnested, id_token dropped unless OpenID Connect', () => {
    assert.deepEqual(normalTokenBody({ access_token: 'a', token_type: 'bearer', scope: ['user:read:email', 'x'] }, adapter('twitch')), { access_token: 'a', token_type: 'bearer', scope: 'user:read:email x' });
    assert.deepEqual(normalTokenBody({ access_token: 'a', login: 'bl' }, adapter('bitly')), { access_token: 'a', login: 'bl', token_type: 'bearer' });
    assert.deepEqual(normalTokenBody({ access_token: { token: 'yam', user_id: 1 }, user: {} }, adapter('yammer')), { access_token: 'yam', user: {}, token_type: 'bearer' });
    assert.deepEqual(normalTokenBody({ access_token: 'a', token_type: 'Bearer', id_token: 'x.y.z' }, adapter('salesforce')), { access_token: 'a', token_type: 'Bearer' });
    assert.equal(normalTokenBody({ access_token: 'a', token_type: 'Bearer', id_token: 'x.y.z' }, adapter('slack')).id_token, 'x.y.z');
    assert.deepEqual(normalTokenBody({ error: 'bad_verification_code' }, adapter('github')), { error: 'bad_verification_code' });
  });
});

const MORE = ['amazon', 'appwrite', 'autodesk', 'bitbucket', 'bitly', 'box', 'dailymotion', 'disqus', 'dropbox', 'etsy', 'facebook', 'figma', 'kick', 'notion', 'paypal',
  'paypalSandbox', 'podio', 'salesforce', 'slack', 'spotify', 'stripe', 'tradeshift', 'tradeshiftBox', 'twitch', 'wordpress', 'x', 'yammer', 'yandex', 'zoom'];
