import * as oidc from 'openid-client';
import { AppwriteError } from '../errors/errors.ts';
import type { Clock } from '../support/clock.ts';
import { loginAdapter, mergeScopes, normalTokenBody, type LoginAdapter, type ProviderProfile } from './adapters.ts';
import { clientSecretOf } from './oauth2.service.ts';
import type { ProviderConfig } from './providers.ts';

/** Longest wait for one request to a provider (discovery, token, userinfo). */
const PROVIDER_TIMEOUT_S = 10;
/** Discovered metadata is reused this long (a settings change makes a new key at once). */
const METADATA_TTL_MS = 10 * 60_000;
const METADATA_CACHE_MAX = 500;

export interface ClientOptions {
  /** Reach non-loopback providers over http too (TESSERA_OAUTH2_ALLOW_HTTP). */
  allowHttp: boolean;
}

/** What the browser must bring back: the PKCE verifier and nonce sent with the authorization request. */
export interface LoginChecks {
  state: string;
  codeVerifier: string | null;
  nonce: string | null;
  /** Whether `openid` was requested, so an id_token must come back and is checked. */
  openid: boolean;
}

export interface ProviderTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms, or null when the provider gave no lifetime. */
  accessTokenExpiry: number | null;
}

export interface Prepared {
  configuration: oidc.Configuration;
  adapter: LoginAdapter;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);

/**
 * The OAuth2/OIDC protocol through openid-client: discovery, the authorization URL (PKCE and nonce
 * where the provider supports them), the code exchange (state, PKCE, nonce and the id_token's
 * claims and signature checked), user info and refresh. Every call has a timeout; none runs inside a
 * database transaction.
 */
export class OAuth2Client {
  private cache = new Map<string, { configuration: oidc.Configuration; at: number }>();

  constructor(
    private clock: Clock,
    private opts: ClientOptions,
    /** Which adapter signs in with a provider (tests point one at a local server). */
    private adapterOf: (provider: string) => LoginAdapter | undefined = loginAdapter,
  ) {}

  /** The provider's client configuration; 400 project_provider_unsupported when Tessera has no adapter. */
  async prepare(projectId: string, config: ProviderConfig): Promise<Prepared> {
    const adapter = this.adapterOf(config.provider);
    if (!adapter) throw new AppwriteError('project_provider_unsupported');
    const key = `${projectId}:${config.provider}:${config.updatedAt}`;
    const hit = this.cache.get(key);
    if (hit && this.clock.now() - hit.at < METADATA_TTL_MS) return { configuration: hit.configuration, adapter };
    const configuration = await this.configure(config, adapter);
    if (this.cache.size >= METADATA_CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { configuration, at: this.clock.now() });
    return { configuration, adapter };
  }

  private async configure(config: ProviderConfig, adapter: LoginAdapter): Promise<oidc.Configuration> {
    const secret = await this.secretOf(config, adapter);
    const auth = adapter.tokenAuth === 'basic' ? plainBasic(secret) : adapter.tokenAuth === 'none' ? oidc.None() : oidc.ClientSecretPost(secret);
    const source = adapter.server(config);
    if ('wellKnown' in source) {
      const url = this.checkedUrl(source.wellKnown);
      const execute = this.insecureAllowed(url) ? [oidc.allowInsecureRequests] : [];
      try {
        const configuration = await oidc.discovery(url, config.appId, { client_secret: secret }, auth, { execute, timeout: PROVIDER_TIMEOUT_S });
        configuration.timeout = PROVIDER_TIMEOUT_S;
        if (adapter.oidc && configuration.serverMetadata().jwks_uri) oidc.enableNonRepudiationChecks(configuration);
        return normalizingTokens(configuration, adapter);
      } catch (err) {
        throw new AppwriteError('user_oauth2_provider_error', `Invalid well-known configuration: ${describe(err)}`);
      }
    }
    const { authorization, token, userinfo, issuer } = source.endpoints;
    const urls = [authorization, token, ...(userinfo ? [userinfo] : [])].map((u) => this.checkedUrl(u));
    const metadata = { issuer: issuer ?? urls[0].origin, authorization_endpoint: authorization, token_endpoint: token, userinfo_endpoint: userinfo };
    const configuration = new oidc.Configuration(metadata, config.appId, { client_secret: secret }, auth);
    configuration.timeout = PROVIDER_TIMEOUT_S;
    if (urls.some((u) => this.insecureAllowed(u))) oidc.allowInsecureRequests(configuration);
    return normalizingTokens(configuration, adapter);
  }

  private async secretOf(config: ProviderConfig, adapter: LoginAdapter): Promise<string> {
    if (!adapter.clientSecret) return clientSecretOf(config);
    try {
      return await adapter.clientSecret(config, this.clock.now());
    } catch (err) {
      throw new AppwriteError('project_provider_disabled', `The provider's key could not be used: ${describe(err)}`);
    }
  }

  private checkedUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppwriteError('project_provider_disabled', 'The provider is not configured: an endpoint URL is missing or invalid.');
    }
    if (url.protocol === 'http:' && !this.insecureAllowed(url)) {
      throw new AppwriteError('project_provider_disabled', 'The provider must be reached over https (set TESSERA_OAUTH2_ALLOW_HTTP=true to allow http).');
    }
    return url;
  }

  private insecureAllowed(url: URL): boolean {
    return url.protocol === 'http:' && (this.opts.allowHttp || LOOPBACK.has(url.hostname));
  }

  /** The URL the browser is sent to (the caller adds `state`), and the checks its return must pass. */
  async authorizationUrl(prepared: Prepared, config: ProviderConfig, redirectUri: string, scopes: string[]) {
    const { adapter, configuration } = prepared;
    const scope = mergeScopes(adapter.scopes, scopes);
    const checks: Omit<LoginChecks, 'state'> = { codeVerifier: null, nonce: null, openid: scope.includes('openid') };
    const params: Record<string, string> = { redirect_uri: redirectUri, response_type: 'code', ...(adapter.authParams?.(config) ?? {}) };
    // Providers without default scopes (Dropbox, Notion, …) get no scope parameter at all.
    if (scope.length > 0) params.scope = scope.join(adapter.scopeSeparator ?? ' ');
    if (adapter.pkce) {
      checks.codeVerifier = oidc.randomPKCECodeVerifier();
      params.code_challenge = await oidc.calculatePKCECodeChallenge(checks.codeVerifier);
      params.code_challenge_method = 'S256';
    }
    if (adapter.oidc && checks.openid) params.nonce = checks.nonce = oidc.randomNonce();
    return { url: oidc.buildAuthorizationUrl(configuration, params), checks };
  }

  /**
   * Exchanges the code the browser brought back (`callbackUrl` holds every param it carried). Any
   * failure here is 424 user_oauth2_provider_failure, as Appwrite words it.
   */
  async exchange(prepared: Prepared, callbackUrl: URL, checks: LoginChecks): Promise<{ tokens: ProviderTokens; claims: Record<string, unknown> | undefined }> {
    try {
      const res = await oidc.authorizationCodeGrant(prepared.configuration, callbackUrl, {
        expectedState: checks.state,
        pkceCodeVerifier: checks.codeVerifier ?? undefined,
        expectedNonce: checks.nonce ?? undefined,
        idTokenExpected: checks.openid && prepared.adapter.oidc,
      });
      return { tokens: this.tokensOf(res), claims: res.claims() as Record<string, unknown> | undefined };
    } catch (err) {
      throw new ExchangeFailure(describe(err));
    }
  }

  /** The account holder's profile: user info (subject checked against the id_token), mapped by the adapter. */
  async profile(prepared: Prepared, accessToken: string, claims: Record<string, unknown> | undefined, params: Record<string, string> = {}): Promise<ProviderProfile> {
    const { configuration, adapter } = prepared;
    const headers = adapter.userinfo?.headers?.(configuration.clientMetadata().client_id) ?? {};
    const read = async (url: string, method: 'GET' | 'POST' = 'GET') => {
      const res = await oidc.fetchProtectedResource(configuration, accessToken, new URL(url), method, undefined, new Headers(headers));
      if (!res.ok) throw providerHttpError(res.status, await res.text().catch(() => ''));
      return res.json();
    };
    try {
      const endpoint = configuration.serverMetadata().userinfo_endpoint;
      if (adapter.oidc && endpoint) {
        const subject = typeof claims?.sub === 'string' ? claims.sub : oidc.skipSubjectCheck;
        const info = await oidc.fetchUserInfo(configuration, accessToken, subject);
        return adapter.profile({ ...(claims ?? {}), ...info } as Record<string, unknown>, read, params);
      }
      if (!endpoint) return adapter.profile(claims ?? {}, read, params, accessToken);
      const url = new URL(endpoint);
      if (adapter.userinfo?.tokenParam) url.searchParams.set(adapter.userinfo.tokenParam, accessToken);
      return adapter.profile((await read(url.href, adapter.userinfo?.method)) as Record<string, unknown>, read, params, accessToken);
    } catch (err) {
      throw asProviderError(err);
    }
  }

  /** A refresh grant; a response without a new refresh token keeps the old one. */
  async refresh(prepared: Prepared, refreshToken: string): Promise<ProviderTokens> {
    try {
      const res = await oidc.refreshTokenGrant(prepared.configuration, refreshToken);
      const tokens = this.tokensOf(res);
      return { ...tokens, refreshToken: tokens.refreshToken || refreshToken };
    } catch (err) {
      throw asProviderError(err);
    }
  }

  private tokensOf(res: oidc.TokenEndpointResponse): ProviderTokens {
    const expiresIn = typeof res.expires_in === 'number' ? res.expires_in : 0;
    return {
      accessToken: res.access_token,
      refreshToken: typeof res.refresh_token === 'string' ? res.refresh_token : '',
      accessTokenExpiry: this.clock.now() + expiresIn * 1000,
    };
  }
}

/**
 * HTTP Basic client authentication as these providers document it (and Appwrite sends it): id and
 * secret base64-encoded as they are. openid-client form-encodes them first (RFC 6749 §2.3.1), turning
 * "-" into "%2D", which providers that do not decode would refuse.
 */
function plainBasic(secret: string): oidc.ClientAuth {
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${client.client_id}:${secret}`).toString('base64')}`);
  };
}

/**
 * Token endpoint answers reshaped (normalTokenBody) before openid-client checks them, so providers
 * that stray from RFC 6749 (a scope array, no token_type, a nested token) still go through it.
 */
function normalizingTokens(configuration: oidc.Configuration, adapter: LoginAdapter): oidc.Configuration {
  const tokenEndpoint = configuration.serverMetadata().token_endpoint;
  configuration[oidc.customFetch] = async (url, options) => {
    const res = await fetch(url, options as RequestInit);
    if (!res.ok || !tokenEndpoint || new URL(url).href !== new URL(tokenEndpoint).href) return res;
    let body: unknown;
    try {
      body = await res.clone().json();
    } catch {
      return res;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return res;
    const normal = normalTokenBody(body as Record<string, unknown>, adapter);
    return new Response(JSON.stringify(normal), { status: res.status, headers: { 'content-type': 'application/json' } });
  };
  return configuration;
}

/** The code exchange failed; the login answers 424 user_oauth2_provider_failure naming the provider. */
export class ExchangeFailure extends Error {}

/** "<error>: <error_description>" from an OAuth2 error, else the error's message. */
export function describe(err: unknown): string {
  if (err instanceof oidc.ResponseBodyError) return [err.error, err.error_description].filter(Boolean).join(': ');
  if (err instanceof oidc.AuthorizationResponseError) return [err.error, err.error_description].filter(Boolean).join(': ');
  const cause = (err as { cause?: unknown })?.cause;
  const msg = err instanceof Error ? err.message : String(err);
  return cause instanceof Error && cause.message && !msg.includes(cause.message) ? `${msg} (${cause.message})` : msg;
}

function providerHttpError(status: number, body: string): AppwriteError {
  let detail = body.slice(0, 200);
  try {
    const j = JSON.parse(body);
    detail = [j.error, j.error_description].filter(Boolean).join(': ') || detail;
  } catch {
    /* not JSON: keep the text */
  }
  const type = status === 400 ? 'user_oauth2_bad_request' : status === 401 ? 'user_oauth2_unauthorized' : 'user_oauth2_provider_error';
  return new AppwriteError(type, detail || undefined);
}

/** An IdP answering 400 / 401 / other, as Appwrite's OAuth2 exception types (reference §4). */
export function asProviderError(err: unknown): AppwriteError {
  if (err instanceof AppwriteError) return err;
  const status = (err as { status?: number }).status;
  if (typeof status === 'number') return providerHttpError(status, JSON.stringify({ error: (err as any).error, error_description: (err as any).error_description }));
  return new AppwriteError('user_oauth2_provider_error', describe(err));
}
