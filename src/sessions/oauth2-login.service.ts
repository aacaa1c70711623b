import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock, Random } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import type { Project } from '../projects/projects.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { Database } from '../db/database.ts';
import type { Steps } from '../db/steps.ts';
import type { OAuth2ProvidersService } from '../oauth2/oauth2.service.ts';
import { clientSecretOf } from '../oauth2/oauth2.service.ts';
import { ExchangeFailure, type LoginChecks, type OAuth2Client } from '../oauth2/oauth2-client.ts';
import { providerSpec } from '../oauth2/providers.ts';
import type { TokensService } from '../tokens/tokens.service.ts';
import { TOKEN_TYPE } from '../tokens/tokens.ts';
import { findUserById } from '../users/users.repository.ts';
import type { UserRow } from '../users/users.ts';
import { findUserIdentity } from '../identities/identities.repository.ts';
import { openToken, sealToken } from '../identities/identities.ts';
import type { IssuedSession, SessionsService } from './sessions.service.ts';
import type { SessionRow } from './sessions.ts';
import type { OAuth2Accounts } from './oauth2-accounts.ts';
import type { ClientInfo } from './logins.service.ts';

/** How long a started login may take to come back. */
const STATE_TTL_MS = 15 * 60_000;
/** The token flow's secret is short-lived, as Appwrite's 60-second JWT around it. */
export const OAUTH2_TOKEN_TTL_S = 60;
/** Token-flow secrets carry this prefix, so POST /account/sessions/token knows where to send them. */
export const OAUTH2_SECRET_PREFIX = 'oauth2_';
const STATE_CONTEXT = 'oauth2-state';

/** What the signed, sealed `state` carries from the start of a login to its return. */
interface LoginState {
  project: string;
  provider: string;
  success: string;
  failure: string;
  token: boolean;
  /** SHA-256 of the browser-binding cookie, or null for a login not bound to a browser. */
  binding: string | null;
  checks: Omit<LoginChecks, 'state'>;
  expire: number;
}

export interface StartInput {
  provider: string;
  success: string;
  failure: string;
  token: boolean;
  scopes: string[];
  callbackUrl: string;
  /** Bind the state to this browser with a cookie (browser navigations). */
  bind: boolean;
}

/** A failure after the state was read: the browser goes to the failure URL (when there is one). */
export class LoginFailure extends Error {
  constructor(
    readonly error: AppwriteError,
    readonly failure: string,
  ) {
    super(error.message);
  }
}

export type LoginOutcome =
  | { kind: 'session'; issued: IssuedSession; success: string }
  | { kind: 'token'; success: string; userId: string; secret: string };

export interface ReturnInput {
  provider: string;
  params: Record<string, string>;
  /** The binding cookie's value ('' when the browser sent none). */
  binding: string;
  callbackUrl: string;
  caller: { user: UserRow; session: SessionRow | null } | null;
  client: ClientInfo;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * OAuth2 and OpenID Connect logins (Appwrite's createOAuth2Session / createOAuth2Token): the start
 * (authorization URL, sealed browser-bound state), the return (code exchange, profile, user
 * resolution), and both endings, a session or a short-lived token. Provider calls happen between
 * transactions, never inside one.
 */
export class OAuth2LoginService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private sealer: Sealer,
    private providers: OAuth2ProvidersService,
    private client: OAuth2Client,
    private accounts: OAuth2Accounts,
    private sessions: SessionsService,
    private tokens: TokensService,
  ) {}

  /** The provider's authorization URL, and the binding cookie value to set (or null). */
  async start(project: Project, input: StartInput): Promise<{ location: string; binding: string | null }> {
    const config = await this.providers.get(project.id, input.provider);
    if (!config.enabled) throw new AppwriteError('project_provider_disabled', 'This provider is disabled. Please enable the provider from your Appwrite console to continue.');
    if (!config.appId || !clientSecretOf(config)) {
      throw new AppwriteError('project_provider_disabled', 'This provider is disabled. Please configure the provider app ID and app secret key from your Appwrite console to continue.');
    }
    const prepared = await this.client.prepare(project.id, config);
    const binding = input.bind ? this.random.bytes(32).toString('hex') : null;
    const { url, checks } = await this.client.authorizationUrl(prepared, config, input.callbackUrl, input.scopes);
    const state: LoginState = {
      project: project.id,
      provider: input.provider,
      success: input.success,
      failure: input.failure,
      token: input.token,
      binding: binding ? sha256(binding) : null,
      checks: { codeVerifier: checks.codeVerifier, nonce: checks.nonce, openid: checks.openid },
      expire: this.clock.now() + STATE_TTL_MS,
    };
    url.searchParams.set('state', this.sealer.seal(JSON.stringify(state), STATE_CONTEXT));
    return { location: url.toString(), binding };
  }

  /** Opens the state the browser brought back; 400 when it was not made here for this project and provider. */
  readState(project: Project, provider: string, raw: string | undefined): LoginState {
    let state: LoginState;
    try {
      state = JSON.parse(this.sealer.open(raw ?? '', STATE_CONTEXT));
    } catch {
      throw new AppwriteError('general_argument_invalid', 'Invalid `state` param: the OAuth2 state is missing or was not issued by this server.');
    }
    if (state.project !== project.id || state.provider !== provider || typeof state.expire !== 'number') {
      throw new AppwriteError('general_argument_invalid', 'Invalid `state` param: the OAuth2 state belongs to another login.');
    }
    return state;
  }

  /**
   * The browser's return from the provider, after the state's URLs were checked again. Everything
   * that fails from here is a LoginFailure carrying the failure URL.
   */
  async finish(project: Project, state: LoginState, input: ReturnInput): Promise<LoginOutcome> {
    const fail = (error: AppwriteError) => new LoginFailure(error, state.failure);
    try {
      return await this.finishSteps(project, state, input);
    } catch (err) {
      if (err instanceof AppwriteError) throw fail(err);
      throw err;
    }
  }

  private async finishSteps(project: Project, state: LoginState, input: ReturnInput): Promise<LoginOutcome> {
    const name = providerSpec(input.provider)!.name;
    if (state.expire <= this.clock.now()) throw new AppwriteError('user_oauth2_provider_error', 'The OAuth2 login took too long. Please try again.');
    if (state.binding && !(input.binding && safeHexEqual(sha256(input.binding), state.binding))) {
      throw new AppwriteError('user_unauthorized', 'This OAuth2 login was started in another browser.');
    }
    const config = await this.providers.get(project.id, input.provider);
    if (!config.enabled) throw new AppwriteError('project_provider_disabled', 'This provider is disabled. Please enable the provider from your Appwrite console to continue.');
    const { error, error_description: description, code } = input.params;
    if (error) {
      throw new AppwriteError('user_oauth2_provider_error', `The ${name} OAuth2 provider returned an error: ${error}${description ? `: ${description}` : ''}`);
    }
    if (!code) throw new AppwriteError('user_oauth2_provider_error', 'Missing OAuth2 code. Please contact the Appwrite team for additional support.');
    const prepared = await this.client.prepare(project.id, config);
    const callback = new URL(input.callbackUrl);
    for (const [k, v] of Object.entries(input.params)) if (k !== 'project') callback.searchParams.set(k, v);
    let exchanged;
    try {
      exchanged = await this.client.exchange(prepared, callback, { state: input.params.state ?? '', ...state.checks });
    } catch (err) {
      if (!(err instanceof ExchangeFailure)) throw err;
      throw new AppwriteError('user_oauth2_provider_failure', `${name} couldn't complete sign-in (${err.message}). Please try again.`);
    }
    const profile = await this.client.profile(prepared, exchanged.tokens.accessToken, exchanged.claims, input.params);
    if (!profile.uid) throw new AppwriteError('user_missing_id');
    const login = { provider: input.provider, profile, tokens: exchanged.tokens };
    const { user, identity } = await this.accounts.resolve(project, login, input.caller?.user ?? null);
    if (state.token) return this.issueToken(project, user, input.provider, state.success, input.client);
    if (input.caller?.session) await this.sessions.delete(project.id, input.caller.user.id, input.caller.session.id).catch(() => {});
    const issued = await this.sessions.issueSession(
      project,
      user,
      {
        userId: user.id,
        provider: input.provider,
        providerUid: identity.provider_uid,
        providerAccessToken: identity.provider_access_token,
        providerRefreshToken: identity.provider_refresh_token,
        providerAccessTokenExpiry: identity.provider_access_token_expiry,
        factors: ['email', 'oauth2'],
        ...input.client,
      },
      { applyLimit: true },
    );
    return { kind: 'session', issued, success: state.success };
  }

  private async issueToken(project: Project, user: UserRow, provider: string, success: string, client: ClientInfo): Promise<LoginOutcome> {
    const secret = OAUTH2_SECRET_PREFIX + this.random.bytes(32).toString('hex');
    await this.tokens.issue({ projectId: project.id, userId: user.id, type: TOKEN_TYPE.oauth2, secret, ttlSeconds: OAUTH2_TOKEN_TTL_S, phrase: provider, ...client });
    return { kind: 'token', success, userId: user.id, secret };
  }

  /**
   * POST /account/sessions/token with a token-flow secret: single use, within its minute, and only
   * while the user still has an identity of the provider; the session copies that identity's tokens.
   */
  async createSessionFromToken(project: Project, userId: string, secret: string, client: ClientInfo): Promise<IssuedSession> {
    const db = this.database.db;
    const user = await findUserById(db, project.id, userId);
    const token = user ? await this.tokens.find(db, project.id, userId, [TOKEN_TYPE.oauth2], secret) : null;
    if (!user || !token) throw new AppwriteError('user_invalid_token');
    if (user.status !== 1) throw new AppwriteError('user_blocked');
    const identity = await findUserIdentity(db, project.id, userId, token.phrase);
    if (!identity) throw new AppwriteError('user_invalid_token');
    const tokens = this.tokens;
    const input = {
      userId,
      provider: token.phrase,
      providerUid: identity.provider_uid,
      providerAccessToken: identity.provider_access_token,
      providerRefreshToken: identity.provider_refresh_token,
      providerAccessTokenExpiry: identity.provider_access_token_expiry,
      factors: ['email', 'oauth2'],
      ...client,
    };
    return this.sessions.issueSession(project, user, input, {
      applyLimit: true,
      *prelude(): Steps<void> {
        if (!(yield* tokens.consumeSteps(project.id, token.id))) throw new AppwriteError('user_invalid_token');
      },
    });
  }

  /**
   * PATCH /account/sessions/{id}: an OAuth2 session with a refresh token gets new provider tokens
   * (the provider is called before the session's transaction opens), then lives another duration.
   */
  async extendSession(project: Project, userId: string, sessionId: string): Promise<SessionRow> {
    const session = await this.sessions.get(project.id, userId, sessionId);
    const refreshToken = openToken(this.sealer, project.id, userId, session.provider_refresh_token);
    if (!refreshToken || !providerSpec(session.provider)) {
      if (refreshToken) throw new AppwriteError('project_provider_unsupported');
      return this.sessions.extend(project, userId, sessionId);
    }
    const config = await this.providers.get(project.id, session.provider);
    const fresh = await this.client.refresh(await this.client.prepare(project.id, config), refreshToken);
    return this.sessions.extend(project, userId, sessionId, {
      provider_access_token: sealToken(this.sealer, project.id, userId, fresh.accessToken),
      provider_refresh_token: sealToken(this.sealer, project.id, userId, fresh.refreshToken),
      provider_access_token_expiry: fresh.accessTokenExpiry,
    });
  }
}

function safeHexEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
