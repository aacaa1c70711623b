import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { AbuseRule } from '../rate-limits/rate-limits.ts';
import type { RateLimitsService } from '../rate-limits/rate-limits.service.ts';
import { compileParams } from '../schemas/params.ts';
import type { Caller } from './caller.ts';

/** What a route needs from the caller before its params are even read. */
export interface RouteMeta {
  /** Scope label; an array means any one of them. Omitted: no project and no auth (health). */
  scope?: string | string[];
  /**
   * Further scopes that admit an API key only. Appwrite labels some server routes with
   * sessions.write as well, which every guest holds; only a key may use it there.
   */
  keyScopes?: string[];
  /** Project auth method this route belongs to (501 when the project disabled it). */
  authMethod?: string;
  abuse?: AbuseRule[];
  /** Reset the abuse counters of this route when it answers 201. */
  abuseReset?: boolean;
  /** Callable while a session still lacks the second factor its user's MFA requires. */
  mfaExempt?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
    abuseKeys: string[] | null;
  }
  interface FastifyContextConfig {
    meta?: RouteMeta;
  }
}

export interface RouteSpec<P, Q> {
  method: HTTPMethods;
  url: string;
  meta: RouteMeta;
  /** Path params schema. */
  path?: TSchema;
  /** Request params: the query string for GET, the JSON body otherwise. */
  params?: TSchema;
  handler: (req: FastifyRequest & { params: P }, reply: FastifyReply, input: Q) => Promise<unknown>;
}

/** Registers a route: scope/abuse checks run in preValidation, then params are validated. */
export function route<P = Record<string, string>, Q = any>(app: FastifyInstance, spec: RouteSpec<P, Q>): void {
  const inQuery = spec.method === 'GET';
  // Routes without params skip validation entirely (GET /account is the hottest route).
  const schema = {
    ...(spec.path ? { params: spec.path } : {}),
    ...(spec.params ? (inQuery ? { querystring: spec.params } : { body: spec.params }) : {}),
  };
  app.route({
    method: spec.method,
    url: spec.url,
    config: { meta: spec.meta },
    schema,
    handler: (req, reply) => {
      const input = spec.params ? stripNulls((inQuery ? req.query : req.body) as Q) : ({} as Q);
      return spec.handler(req as FastifyRequest & { params: P }, reply, input);
    },
  });
}

/**
 * Appwrite treats a null optional param as omitted. A body key `__proto__` is skipped: assigned here
 * it would become the prototype, and its fields would read as params that validation never saw.
 */
function stripNulls<Q>(input: Q): Q {
  if (!input || typeof input !== 'object') return input;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== null && k !== '__proto__') out[k] = v;
  return out as Q;
}

/** Fastify's validator compiler for route schemas: Appwrite's param errors (schemas/params.ts). */
export function paramsValidatorCompiler({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const validate = compileParams(schema as TSchema, httpPart !== 'body');
  return (data: unknown) => {
    try {
      return { value: validate(data) };
    } catch (error) {
      return { error: error as Error };
    }
  };
}

/** onRoute: routes that reset their abuse counters on 201 get their own onSend hook; the others pay nothing. */
export function resetAbuseOnSuccess(rateLimits: Pick<RateLimitsService, 'reset'>) {
  return (opts: RouteOptions) => {
    if (!(opts.config as { meta?: RouteMeta } | undefined)?.meta?.abuseReset) return;
    opts.onSend = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (reply.statusCode === 201 && req.abuseKeys) await rateLimits.reset(req.abuseKeys);
      return payload;
    };
  };
}
