import { projectRoutes } from './projects/projects.routes.ts';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Container } from './container.ts';
import { AppwriteError } from './errors/errors.ts';
import { handleError, sendError } from './http/errors.ts';
import { registerBodyParsers, BODY_LIMIT } from './http/body.ts';
import { parseQueryString } from './http/query-string.ts';
import { debugSpeed, responseHeaders } from './http/headers.ts';
import { requestGate } from './http/gate.ts';
import { paramsValidatorCompiler, resetAbuseOnSuccess } from './http/route.ts';
import { accountRoutes } from './accounts/accounts.routes.ts';
import { sessionRoutes } from './sessions/sessions.routes.ts';
import { userRoutes } from './users/users.routes.ts';
import { targetRoutes } from './targets/targets.routes.ts';
import { tokenRoutes } from './tokens/tokens.routes.ts';
import { healthRoutes } from './projects/health.routes.ts';
import { platformRoutes } from './platforms/platforms.routes.ts';
import { keyRoutes } from './keys/keys.routes.ts';
import { clientErrorHandler } from './http/client-errors.ts';
import { teamRoutes } from './teams/teams.routes.ts';
import { membershipRoutes } from './teams/memberships.routes.ts';
import { membershipPrivacyRoutes } from './teams/membership-privacy.routes.ts';
import { mfaRoutes } from './mfa/mfa.routes.ts';
import { avatarRoutes } from './avatars/avatars.routes.ts';
import { secretLoginRoutes } from './sessions/secret-logins.routes.ts';
import { confirmationRoutes } from './accounts/confirmations.routes.ts';
import { messagingRoutes } from './messaging/messaging.routes.ts';
import { jwtRoutes } from './jwt/jwt.routes.ts';
import { authLocalRoutes } from './auth-local/auth-local.routes.ts';
import { policyRoutes } from './policies/policies.routes.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { oauth2ProviderRoutes } from './oauth2/oauth2.routes.ts';
import { oauth2LoginRoutes } from './oauth2/oauth2-login.routes.ts';
import { identityRoutes } from './identities/identities.routes.ts';
import { webhookRoutes } from './webhooks/webhooks.routes.ts';

/**
 * How long a client has to send its whole request, headers and body. Fastify's default is none, and
 * Node then bounds only the headers (60 s): a client trickling a body a byte at a time would hold its
 * socket, and up to BODY_LIMIT of buffer, for days. Node looks every 15 s here (half the timeout), so a
 * late request is answered 408 within 45 s.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Every route plugin, mounted under /v1 (tests read the routes' metadata from these). */
export const API_ROUTES = [healthRoutes, projectRoutes, accountRoutes, sessionRoutes, tokenRoutes, userRoutes, targetRoutes, platformRoutes, keyRoutes, teamRoutes, membershipRoutes, membershipPrivacyRoutes, mfaRoutes, avatarRoutes, secretLoginRoutes, confirmationRoutes, messagingRoutes, jwtRoutes, authLocalRoutes, policyRoutes, auditRoutes, oauth2ProviderRoutes, oauth2LoginRoutes, identityRoutes, webhookRoutes];

export interface AppOptions {
  /** How long a client has to send its whole request (tests shorten it); REQUEST_TIMEOUT_MS by default. */
  requestTimeoutMs?: number;
}

/** The Fastify app, without listening: main.ts listens, tests inject or listen on a random port. */
export async function buildApp(c: Container, opts: AppOptions = {}): Promise<FastifyInstance> {
  const requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const app = Fastify({
    loggerInstance: c.logger as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    requestTimeout: requestTimeoutMs,
    // Node bounds a request by requestTimeout only while headersTimeout (60 s by default) is no
    // longer; it looks for late requests every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(100, requestTimeoutMs / 2)) },
    clientErrorHandler: clientErrorHandler(requestTimeoutMs),
    trustProxy: c.config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512, querystringParser: (s: string) => parseQueryString(s) },
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (measurable on the hottest routes): the error handler adds the reqId.
    childLoggerFactory: (logger) => logger,
    // Undecodable URLs and over-long path params: still an Appwrite error body, not Fastify's.
    frameworkErrors: (err, _req, reply) => sendError(reply as FastifyReply, new AppwriteError('general_argument_invalid', err.message)),
  });
  const serverHosts = [new URL(c.config.publicUrl).hostname.toLowerCase()];

  registerBodyParsers(app);
  app.decorateRequest('caller', null as any);
  app.decorateRequest('abuseKeys', null);
  app.setValidatorCompiler(paramsValidatorCompiler);
  app.setSchemaErrorFormatter((errors) => errors[0] as unknown as Error);
  app.addHook('onRoute', resetAbuseOnSuccess(c.rateLimits));
  app.addHook('onRequest', responseHeaders(c.projects, serverHosts));
  app.addHook('onSend', debugSpeed);
  app.options('/*', { config: {} }, async (_req, reply) => reply.code(204).send());
  app.addHook('preValidation', requestGate({ projects: c.projects, keys: c.keys, sessions: c.sessions, jwt: c.jwt, rateLimits: c.rateLimits, serverHosts, mfa: c.mfa }));
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((_req, reply) => sendError(reply, new AppwriteError('general_route_not_found')));

  for (const routes of API_ROUTES) {
    await app.register(routes(c), { prefix: '/v1' });
  }
  return app;
}
