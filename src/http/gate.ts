import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Project } from '../projects/projects.ts';
import type { RateLimitsService } from '../rate-limits/rate-limits.service.ts';
import type { AbuseRule } from '../rate-limits/rate-limits.ts';
import { AppwriteError } from '../errors/errors.ts';
import { assertScope, debugFallback, findProject, missingProject, requestedProjectId, resolveCaller, type Caller, type CallerDeps } from './caller.ts';
import { isOriginAllowed, unknownOriginMessage } from './cors.ts';
import { setRateHeaders } from './errors.ts';
import type { RouteMeta } from './route.ts';

/** How Appwrite names each auth method in "… authentication is disabled for this project". */
const AUTH_METHOD_NAMES: Record<string, string> = {
  'email-password': 'Email / Password', 'magic-url': 'Magic URL', anonymous: 'Anonymous', phone: 'Phone',
  invites: 'Invites', jwt: 'JWT', 'email-otp': 'Email OTP',
};

export interface GateDeps extends CallerDeps {
  rateLimits: RateLimitsService;
  /** Hostnames of this server: origins on them are always allowed. */
  serverHosts: readonly string[];
  /** Whether a user has a verified TOTP authenticator (a second factor the user row does not show). */
  mfa?: { hasVerifiedTotp(projectId: string, userId: string): Promise<boolean> };
}

/** What the steps know about one request; steps fill `project` and `caller` in turn. */
export interface GateContext {
  req: FastifyRequest;
  reply: FastifyReply;
  meta: RouteMeta;
  deps: GateDeps;
  project: Project | null;
  caller: Caller | null;
}

/** One check of the gate; returns a promise only when it really waits (the warm path stays synchronous). */
export type GateStep = (ctx: GateContext) => void | Promise<void>;

/** Finds the request's project (null for none, the console, or an unknown id). */
export const resolveProject: GateStep = (ctx) => {
  const p = findProject(ctx.deps, ctx.req);
  if (!(p instanceof Promise)) ctx.project = p;
  else return p.then((project) => void (ctx.project = project));
};

/** Who calls: session, JWT, API key or guest; sets Appwrite's X-Debug-Fallback. */
export const resolveRequestCaller: GateStep = (ctx) => {
  const done = () => {
    const { req, reply, caller, project } = ctx;
    if (caller) req.caller = caller;
    // A session read from the cookie or X-Appwrite-Session (the usual case) needs no second look.
    const direct = !!caller?.session && !caller.viaJwt && !req.headers['x-fallback-cookies'];
    reply.header('X-Debug-Fallback', direct ? 'false' : debugFallback(req, project?.id ?? requestedProjectId(req), !!caller?.session && !caller.viaJwt));
  };
  if (!ctx.project) return done();
  const r = resolveCaller(ctx.deps, ctx.req, ctx.project);
  if (!(r instanceof Promise)) {
    ctx.caller = r;
    return done();
  }
  return r.then((caller) => {
    ctx.caller = caller;
    done();
  });
};

/**
 * Refuses an Origin no platform of the project allows (general.php:1038). Only a key that really
 * authenticated skips it: a made-up X-Appwrite-Key header must not open the project to any site.
 */
export const checkOrigin: GateStep = ({ req, project, caller, deps }) => {
  const origin = req.headers.origin;
  if (!origin || caller?.role === 'keys') return;
  if (!isOriginAllowed(origin, project, deps.serverHosts)) throw new AppwriteError('general_unknown_origin', unknownOriginMessage(origin));
};

export const requireProject: GateStep = ({ req, project, caller }) => {
  if (!project || !caller) throw missingProject(req);
};

export const checkScope: GateStep = ({ req, meta, caller }) => {
  assertScope(caller!, meta.scope!, req.hostname, meta.keyScopes);
};

/** The blocked and MFA checks look at the caller's user unless a key acts (shared/api.php:475-497). */
export const refuseBlocked: GateStep = ({ caller }) => {
  if (caller!.role !== 'keys' && caller!.user && caller!.user.status !== 1) throw new AppwriteError('user_blocked');
};

export const requireFactors: GateStep = ({ meta, caller, deps }) => {
  if (meta.mfaExempt) return;
  const lacks = lacksFactors(caller!, deps);
  if (lacks === true) throw new AppwriteError('user_more_factors_required');
  if (lacks) {
    return lacks.then((more) => {
      if (more) throw new AppwriteError('user_more_factors_required');
    });
  }
};

/**
 * Counts the request against the route's abuse limits (429 when over) and sets X-RateLimit-*. API
 * keys are never limited or counted; they get the headers, as in Appwrite (shared/api.php:515-565).
 */
export const countAbuse: GateStep = (ctx) => {
  if (ctx.meta.abuse) return countAbuseOf(ctx, ctx.meta.abuse);
};

async function countAbuseOf({ req, reply, deps, caller }: GateContext, rules: AbuseRule[]) {
  const verdict = await deps.rateLimits.check(caller!.project.id, rules, {
    // Not keyed by Host (Appwrite is): a client picks its Host header, so that would reset its budget.
    url: req.routeOptions.url ?? req.url,
    ip: req.ip,
    userId: caller!.user?.id ?? '',
    params: { ...(req.query as object), ...((req.body as object) ?? {}) } as Record<string, unknown>,
  }, { count: caller!.role !== 'keys' });
  if (verdict) {
    setRateHeaders(reply, verdict);
    req.abuseKeys = verdict.keys;
  }
}

/** After the abuse count, as Appwrite: attempts on a disabled method still use up the budget. */
export const checkAuthMethod: GateStep = ({ meta, caller, project }) => {
  if (!meta.authMethod || caller!.role === 'keys' || !project!.settings.auths.disabledMethods.includes(meta.authMethod)) return;
  throw new AppwriteError('user_auth_method_unsupported', `${AUTH_METHOD_NAMES[meta.authMethod] ?? meta.authMethod} authentication is disabled for this project`);
};

/**
 * The gate in Appwrite's order (general.php:835-1048, shared/api.php:125-497, shared/api/auth.php).
 * A feature that needs a check (team roles, OAuth2) adds a named step here.
 */
export const GATE_STEPS: ReadonlyArray<readonly [string, GateStep]> = [
  ['resolve project', resolveProject],
  ['resolve caller', resolveRequestCaller],
  ['check origin', checkOrigin],
  ['require project', requireProject],
  ['check scope', checkScope],
  ['refuse blocked', refuseBlocked],
  ['require factors', requireFactors],
  ['count abuse', countAbuse],
  ['check auth method', checkAuthMethod],
];

/** preValidation: runs the steps before any route's params are read. Routes without a scope (health) skip it. */
export function requestGate(deps: GateDeps, steps = GATE_STEPS) {
  const run = steps.map(([, step]) => step);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const meta = req.routeOptions.config.meta;
    if (!meta?.scope) return;
    const ctx: GateContext = { req, reply, meta, deps, project: null, caller: null };
    for (const step of run) {
      const pending = step(ctx);
      if (pending) await pending;
    }
  };
}

/**
 * A user with MFA on and a verified factor (email, phone or TOTP authenticator) needs two factors
 * on the session that authenticates the request; JWT and API-key calls carry no session factors and
 * are not gated (shared/api.php:485-497). A user with MFA on and no such factor is not locked out.
 * Only a one-factor session of an MFA user without a verified email or phone asks the database
 * (for a TOTP authenticator); every other request is answered from the cached rows.
 */
function lacksFactors(caller: Caller, deps: GateDeps): boolean | Promise<boolean> {
  const { user, session } = caller;
  if (caller.role === 'keys' || caller.viaJwt || !user || !session || user.mfa !== 1) return false;
  if ((JSON.parse(session.factors) as string[]).length >= 2) return false;
  if (user.email_verification === 1 || user.phone_verification === 1) return true;
  return deps.mfa ? deps.mfa.hasVerifiedTotp(user.project_id, user.id) : false;
}
