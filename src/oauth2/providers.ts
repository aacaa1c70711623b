/**
 * The OAuth2 providers Tessera knows (Appwrite's app/config/oAuthProviders.php): their display names,
 * the param names their configuration route takes (shared/reference/endpoints.md), and, for those
 * Tessera can sign in with, where their endpoints are and how their user info maps to a profile.
 */

/** A readable extra setting of a provider (stored plain; returned by the read routes). */
export interface ExtraParam {
  name: string;
  kind: 'text' | 'url' | 'prompt' | 'maxAge';
  /** What a provider never configured reads as. */
  fallback?: unknown;
}

export interface ProviderSpec {
  id: string;
  /** Display name used in error messages. */
  name: string;
  /** Param carrying the app/client id (stored in app_id). */
  idParam: string;
  /** Param carrying the write-only secret (sealed). */
  secretParam: string;
  extras: ExtraParam[];
}

const basic = (id: string, name: string, idParam = 'clientId', secretParam = 'clientSecret', extras: ExtraParam[] = []): ProviderSpec => ({
  id, name, idParam, secretParam, extras,
});
const text = (name: string): ExtraParam => ({ name, kind: 'text', fallback: '' });

export const PROVIDERS: readonly ProviderSpec[] = [
  basic('amazon', 'Amazon'),
  { id: 'apple', name: 'Apple', idParam: 'serviceId', secretParam: 'p8File', extras: [text('keyId'), text('teamId')] },
  basic('appwrite', 'Appwrite'),
  basic('auth0', 'Auth0', 'clientId', 'clientSecret', [text('endpoint')]),
  basic('authentik', 'Authentik', 'clientId', 'clientSecret', [text('endpoint')]),
  basic('autodesk', 'Autodesk'),
  basic('bitbucket', 'BitBucket', 'key', 'secret'),
  basic('bitly', 'Bitly'),
  basic('box', 'Box'),
  basic('dailymotion', 'Dailymotion', 'apiKey', 'apiSecret'),
  basic('discord', 'Discord'),
  basic('disqus', 'Disqus', 'publicKey', 'secretKey'),
  basic('dropbox', 'Dropbox', 'appKey', 'appSecret'),
  basic('etsy', 'Etsy', 'keyString', 'sharedSecret'),
  basic('facebook', 'Facebook', 'appId', 'appSecret'),
  basic('figma', 'Figma'),
  basic('fusionauth', 'FusionAuth', 'clientId', 'clientSecret', [text('endpoint')]),
  basic('github', 'GitHub'),
  basic('gitlab', 'GitLab', 'applicationId', 'secret', [text('endpoint')]),
  basic('google', 'Google', 'clientId', 'clientSecret', [{ name: 'prompt', kind: 'prompt', fallback: ['consent'] }]),
  basic('keycloak', 'Keycloak', 'clientId', 'clientSecret', [text('endpoint'), text('realmName')]),
  basic('kick', 'Kick'),
  basic('linkedin', 'LinkedIn', 'clientId', 'primaryClientSecret'),
  basic('microsoft', 'Microsoft', 'applicationId', 'applicationSecret', [text('tenant')]),
  basic('notion', 'Notion', 'oauthClientId', 'oauthClientSecret'),
  basic('oidc', 'OpenID Connect', 'clientId', 'clientSecret', [
    { name: 'wellKnownURL', kind: 'url', fallback: '' },
    { name: 'authorizationURL', kind: 'url', fallback: '' },
    { name: 'tokenURL', kind: 'url', fallback: '' },
    { name: 'userInfoURL', kind: 'url', fallback: '' },
    { name: 'prompt', kind: 'prompt', fallback: [] },
    { name: 'maxAge', kind: 'maxAge', fallback: null },
  ]),
  basic('okta', 'Okta', 'clientId', 'clientSecret', [text('domain'), text('authorizationServerId')]),
  basic('paypal', 'PayPal', 'clientId', 'secretKey'),
  basic('paypalSandbox', 'PayPal Sandbox', 'clientId', 'secretKey'),
  basic('podio', 'Podio'),
  basic('salesforce', 'Salesforce', 'customerKey', 'customerSecret'),
  basic('slack', 'Slack'),
  basic('spotify', 'Spotify'),
  basic('stripe', 'Stripe', 'clientId', 'apiSecretKey'),
  basic('tradeshift', 'Tradeshift', 'oauth2ClientId', 'oauth2ClientSecret'),
  basic('tradeshiftBox', 'Tradeshift Sandbox', 'oauth2ClientId', 'oauth2ClientSecret'),
  basic('twitch', 'Twitch'),
  basic('wordpress', 'WordPress'),
  basic('x', 'X', 'customerKey', 'secretKey'),
  basic('yahoo', 'Yahoo'),
  basic('yammer', 'Yammer'),
  basic('yandex', 'Yandex'),
  basic('zoho', 'Zoho'),
  basic('zoom', 'Zoom'),
];

const BY_ID = new Map(PROVIDERS.map((p) => [p.id, p]));

export const PROVIDER_IDS: readonly string[] = PROVIDERS.map((p) => p.id);

export function providerSpec(id: string): ProviderSpec | undefined {
  return BY_ID.get(id);
}

/** A provider's stored configuration, secrets opened. */
export interface ProviderConfig {
  provider: string;
  enabled: boolean;
  appId: string;
  /** The write-only values by param name (the client secret; Apple's .p8 key). */
  secrets: Record<string, string>;
  /** The readable extras by param name. */
  settings: Record<string, unknown>;
  updatedAt: number;
}

export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;
