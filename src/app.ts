import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Container } from './container.ts';
import { AppwriteError } from './errors/errors.ts';
import { errorBody } from './http/errors.ts';
import { compileParams } from './schemas/params.ts';
import { registerBodyParsers, BODY_LIMIT } from './http/body.ts';
import { parseQueryString } from './http/query-string.ts';
import { assertScope, debugFallback, findProject, isProjectId, missingProject, requestedProjectId, resolveCaller, type Caller } from './http/caller.ts';
import { ALLOW_HEADERS, corsOrigin, isOriginAllowed, unknownOriginMessage } from './http/cors.ts';
import { accountRoutes } from './accounts/accounts.routes.ts';
import { sessionRoutes } from './sessions/sessions.routes.ts';
import { userRoutes } from './users/users.routes.ts';
import { targetRoutes } from './targets/targets.routes.ts';
import { tokenRoutes } from './tokens/tokens.routes.ts';
import { healthRoutes } from './projects/health.routes.ts';
import { platformRoutes } from './platforms/platforms.routes.ts';
import type { AbuseRule } from './rate-limits/rate-limits.ts';
import { clientErrorHandler } from './http/client-errors.ts';

/**
 * How long a client has to send its whole request, headers and body. Fastify's default is none, and
 * Node then bounds only the headers (60 s): a client trickling a body a byte at a time would hold its
 * socket, and up to BODY_LIMIT of buffer, for days. Node looks every 15 s here (half the timeout), so a
 * late request is answered 408 within 45 s.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** How Appwrite names each auth method in "… authentication is disabled for this project". */
const AUTH_METHOD_NAMES: Record<string, string> = {
  'email-password': 'Email / Password', 'magic-url': 'Magic URL', anonymous: 'Anonymous', phone: 'Phone',
  invites: 'Invites', jwt: 'JWT', 'email-otp': 'Email OTP',
};

/** Every route plugin, mounted under /v1 (tests read the routes' metadata from these). */
export const API_ROUTES = [healthRoutes, accountRoutes, sessionRoutes, tokenRoutes, userRoutes, targetRoutes, platformRoutes];

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
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = compileParams(schema as any, httpPart !== 'body');
    return (data: unknown) => {
      try {
        return { value: validate(data) };
      } catch (error) {
        return { error: error as Error };
      }
    };
  });
  app.setSchemaErrorFormatter((errors) => errors[0] as unknown as Error);

  // Routes that reset their abuse counters on 201 get their own onSend hook; the others pay nothing.
  app.addHook('onRoute', (opts) => {
    if (!(opts.config as { meta?: { abuseReset?: boolean } } | undefined)?.meta?.abuseReset) return;
    opts.onSend = async (req, reply, payload) => {
      if (reply.statusCode === 201 && req.abuseKeys) await c.rateLimits.reset(req.abuseKeys);
      return payload;
    };
  });
  app.addHook('onRequest', responseHeaders(c, serverHosts));
  // utopia-php/http Response::send adds the handling time in seconds to every response.
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('X-Debug-Speed', String(reply.elapsedTime / 1000));
    done(null, payload);
  });
  app.options('/*', { config: {} }, async (_req, reply) => reply.code(204).send());
  app.addHook('preValidation', callerGate(c, serverHosts));

  app.setErrorHandler((err: FastifyError | AppwriteError, req, reply) => {
    const appErr = toAppwriteError(err);
    if (appErr.code >= 500) req.log.error({ err, reqId: req.id }, 'unhandled error');
    const rate = (err as any).rateLimit;
    if (rate) setRateHeaders(reply, rate);
    sendError(reply, appErr);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, new AppwriteError('general_route_not_found')));

  for (const routes of API_ROUTES) {
    await app.register(routes(c), { prefix: '/v1' });
  }
  return app;
}

/** onRequest: the headers every response carries, and CORS for requests with an Origin. */
function responseHeaders(c: Container, serverHosts: string[]) {
  const cors = async (req: FastifyRequest, reply: FastifyReply, origin: string) => {
    const preflight = req.method === 'OPTIONS';
    let project = null;
    if (!preflight) {
      const projectId = requestedProjectId(req);
      project = isProjectId(projectId) && projectId !== 'console' ? await c.projects.get(projectId) : null;
    }
    const allowOrigin = corsOrigin(origin, preflight, project, serverHosts);
    if (allowOrigin) {
      reply.header('Access-Control-Allow-Origin', allowOrigin);
      reply.header('Vary', 'Origin');
    }
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
    reply.header('Access-Control-Allow-Headers', ALLOW_HEADERS);
    reply.header('Access-Control-Expose-Headers', 'X-Appwrite-Session, X-Fallback-Cookies');
    reply.header('Access-Control-Max-Age', '86400');
  };
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    reply.header('Server', 'Tessera');
    reply.header('X-Content-Type-Options', 'nosniff');
    // Appwrite general.php:1031-1034: 126 days, on https only.
    if (req.protocol === 'https') reply.header('Strict-Transport-Security', 'max-age=10886400');
    const origin = req.headers.origin;
    if (!origin) return done();
    cors(req, reply, origin).then(() => done(), done);
  };
}

/**
 * preValidation, before any route's params are read: project, caller, origin, scope, blocked user,
 * MFA, abuse limit and auth method, in Appwrite's order (general.php:835-1048,
 * shared/api.php:125-497, shared/api/auth.php). Routes without a scope (health) skip it.
 */
function callerGate(c: Container, serverHosts: string[]) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const meta = req.routeOptions.config.meta;
    if (!meta?.scope) return;
    // Both answer synchronously on a warm cache; awaiting only real promises keeps that path short.
    const p = findProject(c, req);
    const project = p instanceof Promise ? await p : p;
    let caller: Caller | null = null;
    if (project) {
      const r = resolveCaller(c, req, project);
      caller = r instanceof Promise ? await r : r;
      req.caller = caller;
    }
    // A session read from the cookie or X-Appwrite-Session (the usual case) needs no second look.
    const direct = !!caller?.session && !caller.viaJwt && !req.headers['x-fallback-cookies'];
    reply.header('X-Debug-Fallback', direct ? 'false' : debugFallback(req, project?.id ?? requestedProjectId(req), !!caller?.session && !caller.viaJwt));

    // An API key header (valid or not) skips the origin check, as in general.php:1038.
    const origin = req.headers.origin;
    if (origin && !req.headers['x-appwrite-key'] && !isOriginAllowed(origin, project, serverHosts)) {
      throw new AppwriteError('general_unknown_origin', unknownOriginMessage(origin));
    }
    if (!project || !caller) throw missingProject(req);
    assertScope(caller, meta.scope, req.hostname, meta.keyScopes);
    // The blocked and MFA checks look at the caller's user unless a key acts (shared/api.php:475-497).
    if (caller.role !== 'keys' && caller.user && caller.user.status !== 1) throw new AppwriteError('user_blocked');
    if (!meta.mfaExempt && lacksFactors(caller)) throw new AppwriteError('user_more_factors_required');
    if (meta.abuse) await countAbuse(c, req, reply, meta.abuse, caller);
    // After the abuse count, as Appwrite: attempts on a disabled method still use up the budget.
    if (meta.authMethod && caller.role !== 'keys' && project.settings.auths.disabledMethods.includes(meta.authMethod)) {
      throw new AppwriteError('user_auth_method_unsupported', `${AUTH_METHOD_NAMES[meta.authMethod] ?? meta.authMethod} authentication is disabled for this project`);
    }
  };
}

/**
 * Counts the request against the route's abuse limits (429 when over) and sets X-RateLimit-*. API
 * keys are never limited or counted; they get the headers, as in Appwrite (shared/api.php:515-565).
 */
async function countAbuse(c: Container, req: FastifyRequest, reply: FastifyReply, rules: AbuseRule[], caller: Caller) {
  const verdict = await c.rateLimits.check(caller.project.id, rules, {
    // Not keyed by Host (Appwrite is): a client picks its Host header, so that would reset its budget.
    url: req.routeOptions.url ?? req.url,
    ip: req.ip,
    userId: caller.user?.id ?? '',
    params: { ...(req.query as object), ...((req.body as object) ?? {}) } as Record<string, unknown>,
  }, { count: caller.role !== 'keys' });
  if (verdict) {
    setRateHeaders(reply, verdict);
    req.abuseKeys = verdict.keys;
  }
}

/**
 * A user with MFA on and a verified factor needs two factors on the session that authenticates
 * the request (JWT and API-key calls carry no session factors and are not gated).
 */
function lacksFactors(caller: Caller): boolean {
  const { user, session } = caller;
  if (caller.role === 'keys' || caller.viaJwt || !user || !session || user.mfa !== 1) return false;
  const hasSecondFactor = user.email_verification === 1 || user.phone_verification === 1;
  const required = hasSecondFactor ? 2 : 1;
  return (JSON.parse(session.factors) as string[]).length < required;
}

function setRateHeaders(reply: { header(k: string, v: string): unknown }, v: { limit: number; remaining: number; reset: number }) {
  reply.header('X-RateLimit-Limit', String(v.limit));
  reply.header('X-RateLimit-Remaining', String(v.remaining));
  reply.header('X-RateLimit-Reset', String(v.reset));
}

/** Status codes whose message Appwrite shows; any other becomes 500 "Server Error" (general.php:1469-1490). */
const PUBLIC_CODES = new Set([400, 401, 402, 403, 404, 405, 408, 409, 410, 412, 416, 422, 429, 451, 501, 503]);

/** Every error response: the Appwrite error body, never cached (general.php:1526-1530). */
function sendError(reply: FastifyReply, err: AppwriteError) {
  reply
    .code(err.code)
    .header('Cache-Control', 'no-cache, no-store, must-revalidate')
    .header('Expires', '0')
    .header('Pragma', 'no-cache')
    .type('application/json; charset=UTF-8')
    .send(errorBody(err));
}

/**
 * Known failures keep their type; Fastify's own 4xx become general_argument_invalid; anything else
 * is 500 general_unknown "Server Error", as Appwrite wraps and masks it (general.php:1465-1490).
 */
export function toAppwriteError(err: FastifyError | AppwriteError | Error): AppwriteError {
  if (err instanceof AppwriteError) return PUBLIC_CODES.has(err.code) ? err : new AppwriteError(err.type, 'Server Error');
  const status = (err as FastifyError).statusCode ?? 500;
  if (status === 413) return new AppwriteError('general_argument_invalid', 'Request body is too large.');
  if (status >= 400 && status < 500) return new AppwriteError('general_argument_invalid', err.message);
  return new AppwriteError('general_unknown', 'Server Error');
}
