// Types only from adapters.ts: it imports this module, so a value import here would be a cycle.
import type { LoginAdapter, ServerSource } from './adapters.ts';
import { clientSecretOf } from './oauth2.service.ts';
import type { ProviderConfig } from './providers.ts';
import * as p from './profiles-more.ts';

/**
 * The providers Appwrite signs in with through their own APIs (endpoints, scopes and claims as in its
 * src/Appwrite/Auth/OAuth2/<Provider>.php). Token requests all go through openid-client; what a
 * provider does differently is said by the adapter's options: HTTP Basic at the token endpoint, a
 * public client with PKCE, comma-separated scopes, a POST or extra headers for user info. PKCE is sent
 * only where Appwrite sends it (other providers may refuse parameters they do not know).
 */

const fixed = (authorization: string, token: string, userinfo?: string): (() => ServerSource) =>
  () => ({ endpoints: { authorization, token, userinfo } });

type Options = Omit<LoginAdapter, 'server' | 'scopes' | 'oidc' | 'pkce' | 'profile'> & { pkce?: boolean };

function api(server: LoginAdapter['server'], scopes: string[], profile: LoginAdapter['profile'], options: Options = {}): LoginAdapter {
  return { server, scopes, oidc: false, pkce: false, profile, ...options };
}

const PAYPAL = { live: ['https://www.paypal.com/', 'https://api.paypal.com/v1/'], sandbox: ['https://www.sandbox.paypal.com/', 'https://api.sandbox.paypal.com/v1/'] };

function paypal(env: keyof typeof PAYPAL): LoginAdapter {
  const [web, apiBase] = PAYPAL[env];
  return api(fixed(`${web}connect/`, `${apiBase}oauth2/token`, `${apiBase}identity/oauth2/userinfo?schema=paypalv1.1`), ['openid', 'profile', 'email'], p.paypalProfile, {
    tokenAuth: 'basic',
    authParams: () => ({ flowEntry: 'static' }),
  });
}

function tradeshift(domain: string): LoginAdapter {
  const base = `https://${domain}/tradeshift/`;
  return api(fixed(`${base}auth/login`, `${base}auth/token`, `${base}rest/external/account/info/user`), ['openid', 'offline'], p.tradeshiftProfile, { tokenAuth: 'basic' });
}

/** Disqus reads its API key and secret from the query of every API call, the access token too. */
function disqusServer(config: ProviderConfig): ServerSource {
  const keys = new URLSearchParams({ api_key: config.appId, api_secret: clientSecretOf(config) });
  return fixed('https://disqus.com/api/oauth/2.0/authorize/', 'https://disqus.com/api/oauth/2.0/access_token/', `https://disqus.com/api/3.0/users/details.json?${keys}`)();
}

/** Yammer nests the token: {"access_token": {"token": "…", …}}. */
function yammerToken(body: Record<string, unknown>): Record<string, unknown> {
  const nested = body.access_token as { token?: unknown } | undefined;
  if (nested && typeof nested === 'object' && typeof nested.token === 'string') return { ...body, access_token: nested.token };
  return body;
}

export const MORE_ADAPTERS: Record<string, LoginAdapter> = {
  amazon: api(fixed('https://www.amazon.com/ap/oa', 'https://api.amazon.com/auth/o2/token', 'https://api.amazon.com/user/profile'), ['profile'], p.amazonProfile),
  // Appwrite Cloud's OpenID Connect provider for console accounts; it requires PKCE.
  appwrite: {
    server: () => ({ wellKnown: 'https://cloud.appwrite.io/v1/oauth2/console/.well-known/openid-configuration' }),
    scopes: ['openid', 'profile', 'email'],
    oidc: true,
    pkce: true,
    profile: p.appwriteProfile,
  },
  autodesk: api(
    fixed('https://developer.api.autodesk.com/authentication/v1/authorize', 'https://developer.api.autodesk.com/authentication/v1/gettoken', 'https://developer.api.autodesk.com/userprofile/v1/users/@me'),
    ['user-profile:read'],
    p.autodeskProfile,
  ),
  bitbucket: api(fixed('https://bitbucket.org/site/oauth2/authorize', 'https://bitbucket.org/site/oauth2/access_token', 'https://api.bitbucket.org/2.0/user'), [], p.bitbucketProfile, {
    tokenAuth: 'basic',
  }),
  bitly: api(fixed('https://bitly.com/oauth/authorize', 'https://api-ssl.bitly.com/oauth/access_token', 'https://api-ssl.bitly.com/v4/user'), [], p.bitlyProfile),
  box: api(fixed('https://account.box.com/api/oauth2/authorize', 'https://account.box.com/api/oauth2/token', 'https://api.box.com/2.0/me'), ['manage_app_users'], p.boxProfile, {
    scopeSeparator: ',',
  }),
  dailymotion: api(
    fixed('https://www.dailymotion.com/oauth/authorize', 'https://api.dailymotion.com/oauth/token', 'https://api.dailymotion.com/user/me?fields=email,id,fullname,verified'),
    ['userinfo', 'email'],
    p.dailymotionProfile,
  ),
  disqus: api(disqusServer, ['read', 'email'], p.disqusProfile, { scopeSeparator: ',', userinfo: { tokenParam: 'access_token' } }),
  dropbox: api(fixed('https://www.dropbox.com/oauth2/authorize', 'https://api.dropboxapi.com/oauth2/token', 'https://api.dropboxapi.com/2/users/get_current_account'), [], p.dropboxProfile, {
    userinfo: { method: 'POST' },
  }),
  // A public client: PKCE, no secret at the token endpoint; Etsy's API wants the app's keystring as x-api-key.
  etsy: api(fixed('https://www.etsy.com/oauth/connect', 'https://api.etsy.com/v3/public/oauth/token'), ['email_r', 'profile_r'], p.etsyProfile, {
    pkce: true,
    tokenAuth: 'none',
    userinfo: { headers: (clientId) => ({ 'x-api-key': clientId }) },
  }),
  facebook: api(
    fixed('https://www.facebook.com/v2.8/dialog/oauth', 'https://graph.facebook.com/v2.8/oauth/access_token', 'https://graph.facebook.com/v2.8/me?fields=email,name'),
    ['email'],
    p.facebookProfile,
  ),
  figma: api(fixed('https://www.figma.com/oauth', 'https://api.figma.com/v1/oauth/token', 'https://api.figma.com/v1/me'), ['current_user:read'], p.figmaProfile, { tokenAuth: 'basic' }),
  kick: api(fixed('https://id.kick.com/oauth/authorize', 'https://id.kick.com/oauth/token', 'https://api.kick.com/public/v1/users'), ['user:read'], p.kickProfile, { pkce: true }),
  notion: api(fixed('https://api.notion.com/v1/oauth/authorize', 'https://api.notion.com/v1/oauth/token', 'https://api.notion.com/v1/users/me'), [], p.notionProfile, {
    tokenAuth: 'basic',
    authParams: () => ({ owner: 'user' }),
    userinfo: { headers: () => ({ 'Notion-Version': '2021-08-16' }) },
  }),
  paypal: paypal('live'),
  paypalSandbox: paypal('sandbox'),
  podio: api(fixed('https://podio.com/oauth/authorize', 'https://api.podio.com/oauth/token', 'https://api.podio.com/user'), [], p.podioProfile),
  salesforce: api(
    fixed('https://login.salesforce.com/services/oauth2/authorize', 'https://login.salesforce.com/services/oauth2/token', 'https://login.salesforce.com/services/oauth2/userinfo'),
    ['openid'],
    p.salesforceProfile,
    { tokenAuth: 'basic' },
  ),
  // "Sign in with Slack" (OpenID Connect): the same user id as Appwrite's users.identity call.
  slack: {
    server: () => ({ wellKnown: 'https://slack.com/.well-known/openid-configuration' }),
    scopes: ['openid', 'email', 'profile'],
    oidc: true,
    pkce: false,
    profile: p.slackProfile,
  },
  spotify: api(fixed('https://accounts.spotify.com/authorize', 'https://accounts.spotify.com/api/token', 'https://api.spotify.com/v1/me'), ['user-read-email'], p.spotifyProfile, {
    tokenAuth: 'basic',
  }),
  // The connected account of the access token (Appwrite reads /v1/accounts/<stripe_user_id>: the same account).
  stripe: api(fixed('https://connect.stripe.com/oauth/authorize', 'https://connect.stripe.com/oauth/token', 'https://api.stripe.com/v1/account'), ['read_write'], p.stripeProfile),
  tradeshift: tradeshift('api.tradeshift.com'),
  tradeshiftBox: tradeshift('api-sandbox.tradeshift.com'),
  twitch: api(fixed('https://id.twitch.tv/oauth2/authorize', 'https://id.twitch.tv/oauth2/token', 'https://api.twitch.tv/helix/users'), ['user:read:email'], p.twitchProfile, {
    authParams: () => ({ force_verify: 'true' }),
    userinfo: { headers: (clientId) => ({ 'Client-Id': clientId }) },
  }),
  wordpress: api(fixed('https://public-api.wordpress.com/oauth2/authorize', 'https://public-api.wordpress.com/oauth2/token', 'https://public-api.wordpress.com/rest/v1/me'), ['auth'], p.wordpressProfile),
  x: api(fixed('https://x.com/i/oauth2/authorize', 'https://api.x.com/2/oauth2/token', 'https://api.x.com/2/users/me?user.fields=confirmed_email'), ['tweet.read', 'users.read', 'users.email', 'offline.access'], p.xProfile, {
    pkce: true,
    tokenAuth: 'basic',
  }),
  yammer: api(fixed('https://www.yammer.com/oauth2/authorize', 'https://www.yammer.com/oauth2/access_token', 'https://www.yammer.com/api/v1/users/current.json'), [], p.yammerProfile, {
    tokenResponse: yammerToken,
  }),
  yandex: api(fixed('https://oauth.yandex.com/authorize', 'https://oauth.yandex.com/token', 'https://login.yandex.ru/info?format=json'), [], p.yandexProfile, {
    tokenAuth: 'basic',
    userinfo: { tokenParam: 'oauth_token' },
  }),
  zoom: api(fixed('https://zoom.us/oauth/authorize', 'https://zoom.us/oauth/token', 'https://api.zoom.us/v2/users/me'), ['user_info:read'], p.zoomProfile, { tokenAuth: 'basic' }),
};
