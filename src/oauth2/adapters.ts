import { importPKCS8, SignJWT } from 'jose';
import { MORE_ADAPTERS } from './adapters-more.ts';
import type { ProviderConfig } from './providers.ts';

/** What a provider says about its account holder. */
export interface ProviderProfile {
  uid: string;
  email: string;
  verified: boolean;
  name: string;
}

/** Where a provider's endpoints come from: its discovery document, or fixed URLs. */
export type ServerSource =
  | { wellKnown: string }
  | { endpoints: { authorization: string; token: string; userinfo?: string; issuer?: string } };

/** Reads a JSON resource with the access token (openid-client's protected-resource request). */
export type ResourceReader = (url: string) => Promise<unknown>;

/** How user info is read when a plain GET with the bearer token is not enough. */
export interface UserinfoRequest {
  method?: 'POST';
  /** Also sends the access token as this query parameter (APIs that read it from the URL). */
  tokenParam?: string;
  /** Extra headers on every read (API version, client id). */
  headers?(clientId: string): Record<string, string>;
}

/**
 * How Tessera signs in with one provider: its endpoints, scopes, whether it is OpenID Connect
 * (nonce, id_token checked) and supports PKCE, and how its user info maps to a profile.
 */
export interface LoginAdapter {
  server(config: ProviderConfig): ServerSource;
  scopes: string[];
  oidc: boolean;
  pkce: boolean;
  authParams?(config: ProviderConfig): Record<string, string>;
  /**
   * The profile from the userinfo endpoint's JSON, or the id_token's claims when there is no userinfo
   * endpoint (and further reads when the provider needs them); `params` are those the browser brought back.
   */
  profile(userinfo: Record<string, unknown>, read: ResourceReader, params?: Record<string, string>, accessToken?: string): Promise<ProviderProfile>;
  /** A client secret made from the stored settings (Apple's signed JWT); default: the stored secret. */
  clientSecret?(config: ProviderConfig, nowMs: number): Promise<string>;
  /** Client authentication at the token endpoint: client_secret_post unless HTTP Basic or none (public client). */
  tokenAuth?: 'basic' | 'none';
  /** Joins the scopes of the authorization request (default a space; Box and Disqus take commas). */
  scopeSeparator?: string;
  userinfo?: UserinfoRequest;
  /** Reshapes a token endpoint's JSON that does not follow RFC 6749 (before the common fixes). */
  tokenResponse?(body: Record<string, unknown>): Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Standard OpenID Connect claims: sub, email, email_verified, name. */
export function oidcClaims(info: Record<string, unknown>): ProviderProfile {
  return { uid: str(info.sub), email: str(info.email), verified: info.email_verified === true || info.email_verified === 'true', name: str(info.name) };
}

const oidcProfile = async (info: Record<string, unknown>) => oidcClaims(info);

/** prompt and max_age as the oidc and google settings give them. */
function promptParams(config: ProviderConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const prompt = config.settings.prompt;
  if (Array.isArray(prompt) && prompt.length > 0) out.prompt = prompt.join(' ');
  if (typeof config.settings.maxAge === 'number') out.max_age = String(config.settings.maxAge);
  return out;
}

const setting = (config: ProviderConfig, name: string): string => str(config.settings[name]).trim();
const withScheme = (host: string): string => (/^https?:\/\//i.test(host) ? host : `https://${host}`).replace(/\/+$/, '');

/** An OIDC provider found by discovery at a URL built from its settings. */
function discovered(wellKnown: (c: ProviderConfig) => string, authParams?: LoginAdapter['authParams'], pkce = true): LoginAdapter {
  return { server: (c) => ({ wellKnown: wellKnown(c) }), scopes: ['openid', 'profile', 'email'], oidc: true, pkce, authParams, profile: oidcProfile };
}

/** GitHub: /user, and the primary (else any) verified address from /user/emails. */
export async function githubProfile(user: Record<string, unknown>, read: ResourceReader): Promise<ProviderProfile> {
  let email = str(user.email);
  let verified = false;
  const emails = await read('https://api.github.com/user/emails').catch(() => []);
  if (Array.isArray(emails)) {
    const primary = emails.find((e) => e?.primary === true && e?.verified === true);
    const any = primary ?? emails.find((e) => e?.verified === true);
    if (any) {
      email = str(any.email);
      verified = true;
    }
  }
  return { uid: str(user.id), email, verified, name: str(user.name) || str(user.login) };
}

export async function discordProfile(user: Record<string, unknown>): Promise<ProviderProfile> {
  return { uid: str(user.id), email: str(user.email), verified: user.verified === true, name: str(user.global_name) || str(user.username) };
}

/** GitLab marks a confirmed primary address with confirmed_at. */
export async function gitlabProfile(user: Record<string, unknown>): Promise<ProviderProfile> {
  return { uid: str(user.id), email: str(user.email), verified: !!user.confirmed_at, name: str(user.name) || str(user.username) };
}

/** Microsoft Graph /me: Microsoft does not say an address is verified, so it never links by e-mail. */
export async function microsoftProfile(user: Record<string, unknown>): Promise<ProviderProfile> {
  return { uid: str(user.id), email: str(user.mail) || str(user.userPrincipalName), verified: false, name: str(user.displayName) };
}

/**
 * Apple's client secret: an ES256 JWT signed with the app's .p8 key, issued by the team for the
 * service id (Apple accepts up to six months; one hour is plenty for the cached client).
 */
export async function appleClientSecret(config: ProviderConfig, nowMs: number): Promise<string> {
  const key = await importPKCS8(config.secrets.p8File ?? '', 'ES256');
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: setting(config, 'keyId') })
    .setIssuer(setting(config, 'teamId'))
    .setSubject(config.appId)
    .setAudience('https://appleid.apple.com')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
}

/** Apple: the id_token's claims; the name arrives once, in the `user` form field of the first login. */
export async function appleProfile(claims: Record<string, unknown>, _read: ResourceReader, params: Record<string, string> = {}): Promise<ProviderProfile> {
  let name = '';
  try {
    const user = JSON.parse(params.user ?? '{}');
    name = [str(user?.name?.firstName), str(user?.name?.lastName)].filter(Boolean).join(' ');
  } catch {
    /* no name given */
  }
  return { ...oidcClaims(claims), name };
}

const ADAPTERS: Record<string, LoginAdapter> = {
  ...MORE_ADAPTERS,
  oidc: {
    server: (c) => {
      const authorization = setting(c, 'authorizationURL');
      const token = setting(c, 'tokenURL');
      const userinfo = setting(c, 'userInfoURL');
      if (authorization && token && userinfo) return { endpoints: { authorization, token, userinfo } };
      return { wellKnown: setting(c, 'wellKnownURL') };
    },
    scopes: ['openid', 'profile', 'email'],
    oidc: true,
    pkce: true,
    authParams: promptParams,
    profile: oidcProfile,
  },
  google: discovered(() => 'https://accounts.google.com/.well-known/openid-configuration', promptParams),
  auth0: discovered((c) => `${withScheme(setting(c, 'endpoint'))}/.well-known/openid-configuration`),
  authentik: discovered((c) => `${withScheme(setting(c, 'endpoint'))}/application/o/.well-known/openid-configuration`),
  fusionauth: discovered((c) => `${withScheme(setting(c, 'endpoint'))}/.well-known/openid-configuration`),
  keycloak: discovered((c) => `${withScheme(setting(c, 'endpoint'))}/realms/${encodeURIComponent(setting(c, 'realmName'))}/.well-known/openid-configuration`),
  okta: discovered((c) => {
    const server = setting(c, 'authorizationServerId');
    return `${withScheme(setting(c, 'domain'))}/oauth2${server ? `/${encodeURIComponent(server)}` : ''}/.well-known/openid-configuration`;
  }),
  // OpenID Connect providers at fixed addresses (Appwrite reads the same sub/email/email_verified claims).
  // LinkedIn documents PKCE for native apps only, so a web client does not send it there.
  linkedin: discovered(() => 'https://www.linkedin.com/oauth/.well-known/openid-configuration', undefined, false),
  yahoo: discovered(() => 'https://api.login.yahoo.com/.well-known/openid-configuration'),
  zoho: discovered(() => 'https://accounts.zoho.com/.well-known/openid-configuration'),
  apple: {
    server: () => ({ wellKnown: 'https://appleid.apple.com/.well-known/openid-configuration' }),
    scopes: ['openid', 'name', 'email'],
    oidc: true,
    pkce: false,
    // Apple posts the answer back when name or email is asked for.
    authParams: () => ({ response_mode: 'form_post' }),
    profile: appleProfile,
    clientSecret: appleClientSecret,
  },
  github: {
    server: () => ({
      endpoints: { authorization: 'https://github.com/login/oauth/authorize', token: 'https://github.com/login/oauth/access_token', userinfo: 'https://api.github.com/user' },
    }),
    scopes: ['user:email'],
    oidc: false,
    pkce: true,
    profile: githubProfile,
  },
  discord: {
    server: () => ({
      endpoints: { authorization: 'https://discord.com/oauth2/authorize', token: 'https://discord.com/api/oauth2/token', userinfo: 'https://discord.com/api/users/@me' },
    }),
    scopes: ['identify', 'email'],
    oidc: false,
    pkce: true,
    profile: discordProfile,
  },
  gitlab: {
    server: (c) => {
      const base = withScheme(setting(c, 'endpoint') || 'https://gitlab.com');
      return { endpoints: { authorization: `${base}/oauth/authorize`, token: `${base}/oauth/token`, userinfo: `${base}/api/v4/user` } };
    },
    scopes: ['read_user'],
    oidc: false,
    pkce: true,
    profile: gitlabProfile,
  },
  microsoft: {
    server: (c) => {
      const tenant = encodeURIComponent(setting(c, 'tenant') || 'common');
      const base = `https://login.microsoftonline.com/${tenant}/oauth2/v2.0`;
      return { endpoints: { authorization: `${base}/authorize`, token: `${base}/token`, userinfo: 'https://graph.microsoft.com/v1.0/me' } };
    },
    scopes: ['offline_access', 'user.read'],
    oidc: false,
    pkce: true,
    profile: microsoftProfile,
  },
};

/** The adapter Tessera signs in with for this provider, or undefined (400 project_provider_unsupported). */
export function loginAdapter(provider: string): LoginAdapter | undefined {
  return Object.hasOwn(ADAPTERS, provider) ? ADAPTERS[provider] : undefined;
}

/**
 * A token endpoint's JSON as openid-client expects it: a scope list joined, a missing token_type read
 * as bearer (Bitly), and the id_token dropped where the identity comes from the provider's API (the
 * adapter is not OpenID Connect, so the token is neither asked for nor checked, as in Appwrite).
 */
export function normalTokenBody(body: Record<string, unknown>, adapter: LoginAdapter): Record<string, unknown> {
  const out = { ...(adapter.tokenResponse ? adapter.tokenResponse(body) : body) };
  if (Array.isArray(out.scope)) out.scope = out.scope.join(' ');
  if (out.token_type === undefined && typeof out.access_token === 'string') out.token_type = 'bearer';
  if (!adapter.oidc) delete out.id_token;
  return out;
}

/** The default scopes, then the caller's, in order, without duplicates (Appwrite's OAuth2 addScope). */
export function mergeScopes(defaults: readonly string[], requested: readonly string[] = []): string[] {
  return [...new Set([...defaults, ...requested])];
}
