import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringifySetCookie } from 'cookie';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { clientInfo, requestCookies, setSessionCookies } from '../http/cookies.ts';
import { isRedirectAllowed, linkWith, serverHostsOf } from '../platforms/redirects.ts';
import { handleError, toAppwriteError } from '../http/errors.ts';
import { P, T } from '../schemas/params.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { LoginFailure, type LoginOutcome } from '../sessions/oauth2-login.service.ts';
import { PROVIDER_IDS } from './providers.ts';
import { loginAdapter } from './adapters.ts';

const NO_CACHE = { 'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0', Pragma: 'no-cache' };
const ipAbuse = [{ limit: 50, period: 3600, key: 'ip:{ip}' }];
const BINDING_MAX_AGE_S = 15 * 60;
const BINDING_PATH = '/v1/account/sessions/oauth2';
const bindingCookie = (projectId: string) => `a_oauth2_${projectId}`;

const RedirectParam = () => T.String({ maxLength: 2048, description: 'URL host must be one of: localhost, the hostnames of the project\'s web platforms' });
const StartParams = T.Object({ success: P.opt(RedirectParam()), failure: P.opt(RedirectParam()), scopes: P.opt(P.array(P.text(4096), 100)) });
type StartBody = { success?: string; failure?: string; scopes?: string[] };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The HTML error page Appwrite renders for its browser routes: the error's status, message and type. */
function sendErrorPage(reply: FastifyReply, err: AppwriteError) {
  const body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Error ${err.code}</title></head><body><h1>Error ${err.code}</h1><p>${escapeHtml(err.message)}</p><p>Type: <code>${escapeHtml(err.type)}</code></p></body></html>`;
  return reply.code(err.code).headers(NO_CACHE).type('text/html; charset=UTF-8').send(body);
}

function origin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

function callbackUrl(req: FastifyRequest, provider: string, projectId: string): string {
  return `${origin(req)}/v1/account/sessions/oauth2/callback/${provider}/${encodeURIComponent(projectId)}`;
}

function redirect(reply: FastifyReply, location: string) {
  return reply.code(301).headers(NO_CACHE).header('Location', location).send();
}

/** The browser side of OAuth2 logins: start, provider callback, and the return that signs in. */
export function oauth2LoginRoutes(c: Pick<Container, 'oauth2Logins' | 'config'>) {
  return async (app: FastifyInstance) => {
    const serverHosts = c.config ? serverHostsOf(c.config.publicUrl) : [];
    // Errors of these routes are pages for a browser that navigated here (it asks for HTML);
    // other clients get the usual JSON error.
    app.setErrorHandler((err: FastifyError | AppwriteError, req, reply) => {
      if (!String(req.headers.accept ?? '').includes('text/html')) return handleError(err, req, reply);
      const appErr = toAppwriteError(err);
      if (appErr.code >= 500) req.log.error({ err, reqId: req.id }, 'unhandled error');
      return sendErrorPage(reply, appErr);
    });

    for (const [url, token] of [['/account/sessions/oauth2/:provider', false], ['/account/tokens/oauth2/:provider', true]] as const) {
      route<{ provider: string }, StartBody>(app, {
        method: 'GET',
        url,
        meta: { scope: 'sessions.write', abuse: ipAbuse },
        params: StartParams,
        handler: async (req, reply, input) => {
          const project = req.caller.project;
          const provider = req.params.provider;
          if (!PROVIDER_IDS.includes(provider)) throw argumentInvalid('provider', `Value must be one of (${PROVIDER_IDS.join(', ')})`);
          const allowed = (url: string) => isRedirectAllowed(url, project, serverHosts);
          if (input.success && !allowed(input.success)) throw argumentInvalid('success', RedirectParam().description!);
          if (input.failure && !allowed(input.failure)) throw argumentInvalid('failure', RedirectParam().description!);
          // A browser navigation is bound to the browser; a server starting a token flow for its visitor cannot be.
          const bind = !token || req.headers['sec-fetch-mode'] === 'navigate';
          const started = await c.oauth2Logins.start(project, {
            provider,
            success: input.success || `${origin(req)}/console/auth/oauth2/success`,
            failure: input.failure || `${origin(req)}/console/auth/oauth2/failure`,
            token,
            scopes: input.scopes ?? [],
            callbackUrl: callbackUrl(req, provider, project.id),
            bind,
          });
          if (started.binding) {
            const cookie = { name: bindingCookie(project.id), value: started.binding, path: BINDING_PATH, httpOnly: true, secure: req.protocol === 'https', sameSite: 'lax' as const, maxAge: BINDING_MAX_AGE_S };
            reply.header('Set-Cookie', stringifySetCookie(cookie));
          }
          return redirect(reply, started.location);
        },
      });
    }

    for (const method of ['GET', 'POST'] as const) {
      route<{ provider: string; projectId: string }>(app, {
        method,
        url: '/account/sessions/oauth2/callback/:provider/:projectId',
        meta: {},
        handler: async (req, reply) => {
          const raw = (method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
          const params: Record<string, string> = {};
          for (const [k, v] of Object.entries(raw ?? {})) if (typeof v === 'string' && v.length <= 8192) params[k] = v;
          params.project = req.params.projectId;
          const target = `${origin(req)}/v1/account/sessions/oauth2/${encodeURIComponent(req.params.provider)}/redirect`;
          return redirect(reply, linkWith(target, params));
        },
      });
    }

    route<{ provider: string }>(app, {
      method: 'GET',
      url: '/account/sessions/oauth2/:provider/redirect',
      meta: { scope: 'public', abuse: ipAbuse },
      handler: async (req, reply) => {
        const project = req.caller.project;
        const provider = req.params.provider;
        if (!PROVIDER_IDS.includes(provider) || !loginAdapter(provider)) throw new AppwriteError('project_provider_unsupported');
        const params = Object.fromEntries(Object.entries(req.query as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
        const state = c.oauth2Logins.readState(project, provider, params.state);
        const allowed = (url: string) => isRedirectAllowed(url, project, serverHosts);
        if (!allowed(state.success)) throw new AppwriteError('project_invalid_success_url');
        if (state.failure && !allowed(state.failure)) throw new AppwriteError('project_invalid_failure_url');
        const binding = requestCookies(req)[bindingCookie(project.id)] ?? '';
        // The binding served this one return: the browser drops it whatever the outcome.
        if (binding) reply.header('Set-Cookie', stringifySetCookie({ name: bindingCookie(project.id), value: '', path: BINDING_PATH, httpOnly: true, maxAge: 0 }));
        const caller = req.caller.user && req.caller.role === 'users' ? { user: req.caller.user, session: req.caller.viaJwt ? null : req.caller.session } : null;
        let outcome: LoginOutcome;
        try {
          outcome = await c.oauth2Logins.finish(project, state, {
            provider,
            params,
            binding,
            callbackUrl: callbackUrl(req, provider, project.id),
            caller,
            client: clientInfo(req),
          });
        } catch (err) {
          if (!(err instanceof LoginFailure)) throw err;
          if (!err.failure) throw err.error;
          const error = JSON.stringify({ message: err.error.message, type: err.error.type, code: err.error.code });
          return redirect(reply, linkWith(err.failure, { error }));
        }
        if (outcome.kind === 'token') return redirect(reply, linkWith(outcome.success, { secret: outcome.secret, userId: outcome.userId }));
        setSessionCookies(req, reply, project.id, outcome.issued.secret, outcome.issued.session.expire);
        return redirect(reply, outcome.success);
      },
    });
  };
}
