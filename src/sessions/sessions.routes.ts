import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../http/actor.ts';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { P, T } from '../schemas/params.ts';
import { AppwriteError } from '../errors/errors.ts';
import { listModel, sessionModel } from '../schemas/models.ts';
import { clearSessionCookies, clientInfo, setSessionCookies } from '../http/cookies.ts';
import { wantsTotal } from '../http/queries.ts';
import type { IssuedSession } from './sessions.service.ts';
import { me } from '../http/caller.ts';
import { OAUTH2_SECRET_PREFIX } from './oauth2-login.service.ts';
import { openToken } from '../identities/identities.ts';
import type { Sealer } from '../support/sealing.ts';
import type { SessionRow } from './sessions.ts';

/** A session as its owner and keys read it: the provider tokens opened (they are sealed at rest). */
function readable(sealer: Sealer, s: SessionRow): SessionRow {
  if (!s.provider_access_token && !s.provider_refresh_token) return s;
  return {
    ...s,
    provider_access_token: openToken(sealer, s.project_id, s.user_id, s.provider_access_token),
    provider_refresh_token: openToken(sealer, s.project_id, s.user_id, s.provider_refresh_token),
  };
}

const urlIp = (limit: number) => [{ limit, period: 3600, key: 'url:{url},ip:{ip}' }];
const tokenAbuse = [{ limit: 10, period: 3600, key: 'ip:{ip},userId:{param-userId}' }];
const UserPath = T.Object({ userId: P.uid() });
const UserSessionPath = T.Object({ userId: P.uid(), sessionId: P.uid() });
/** Appwrite validates `sessionId` with its UID validator (its own wording), so a malformed id is 400, not 404. */
const SessionPath = T.Object({
  sessionId: T.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$',
    description: "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore",
  }),
});

/**
 * A caller already signed in (session or JWT) may not open another session. Appwrite checks this in
 * its `session` group hook, which runs before the route's params are validated.
 */
async function refuseSignedIn(req: FastifyRequest) {
  if (req.caller?.user) throw new AppwriteError('user_session_already_exists');
}

/** The session whose secret authenticated this request; a JWT carries none (Appwrite resolves `current` from the secret). */
function ownSessionId(req: FastifyRequest): string | undefined {
  return req.caller.viaJwt ? undefined : req.caller.session?.id;
}

/** 201 Session with cookies; the secret (cookie value) is in the body only for API-key callers. */
function sendNewSession(req: FastifyRequest, reply: FastifyReply, issued: IssuedSession, sealer?: Sealer) {
  const projectId = req.caller.project.id;
  setSessionCookies(req, reply, projectId, issued.secret, issued.session.expire);
  const secret = req.caller.role === 'keys' ? issued.secret : '';
  const session = sealer ? readable(sealer, issued.session) : issued.session;
  return reply.code(201).send(sessionModel(session, { current: true, secret }));
}

/** `current` means the session authenticating this request. */
function sessionIdParam(req: FastifyRequest, id: string): string {
  if (id !== 'current') return id;
  const current = ownSessionId(req);
  if (!current) throw new AppwriteError('user_session_not_found');
  return current;
}

export function sessionRoutes(c: Pick<Container, 'clock' | 'logins' | 'sessions' | 'users' | 'oauth2Logins' | 'sealer'>) {
  return async (app: FastifyInstance) => {
    // --- Account: creating sessions (Appwrite's `session` group) ---
    await app.register(async (creating) => {
      creating.addHook('preValidation', refuseSignedIn);
      for (const url of ['/account/sessions/email', '/account/sessions']) {
        route<{}, { email: string; password: string }>(creating, {
          method: 'POST',
          url,
          meta: { scope: 'sessions.write', authMethod: 'email-password', abuse: [{ limit: 10, period: 3600, key: 'url:{url},email:{param-email}' }], abuseReset: true },
          params: T.Object({ email: P.email(), password: P.password() }),
          handler: async (req, reply, input) => {
            const issued = await c.logins.createEmailPasswordSession(req.caller.project, input.email, input.password, clientInfo(req));
            return sendNewSession(req, reply, issued);
          },
        });
      }

      route(creating, {
        method: 'POST',
        url: '/account/sessions/anonymous',
        meta: { scope: 'sessions.write', authMethod: 'anonymous', abuse: [{ limit: 50, period: 3600, key: 'ip:{ip}' }] },
        handler: async (req, reply) => sendNewSession(req, reply, await c.logins.createAnonymousSession(req.caller.project, clientInfo(req))),
      });

      const exchanges: [string, 'POST' | 'PUT'][] = [
        ['/account/sessions/token', 'POST'],
        ['/account/sessions/magic-url', 'PUT'],
        ['/account/sessions/phone', 'PUT'],
      ];
      for (const [url, method] of exchanges) {
        route<{}, { userId: string; secret: string }>(creating, {
          method,
          url,
          // Appwrite resets the counter after a token or magic-URL login, not after PUT /account/sessions/phone.
          meta: { scope: 'sessions.write', abuse: tokenAbuse, abuseReset: url !== '/account/sessions/phone' },
          params: T.Object({ userId: P.customId(), secret: P.text(256, 1) }),
          handler: async (req, reply, input) => {
            if (url === '/account/sessions/token' && input.secret.startsWith(OAUTH2_SECRET_PREFIX)) {
              const issued = await c.oauth2Logins.createSessionFromToken(req.caller.project, input.userId, input.secret, clientInfo(req));
              return sendNewSession(req, reply, issued, c.sealer);
            }
            const client = { ...clientInfo(req), trusted: req.caller.role === 'keys' };
            const issued = await c.logins.createSessionFromToken(req.caller.project, input.userId, input.secret, client);
            return sendNewSession(req, reply, issued);
          },
        });
      }
    });

    // --- Account: reading and ending sessions ---
    route(app, {
      method: 'GET',
      url: '/account/sessions',
      meta: { scope: 'account' },
      handler: async (req) => {
        const rows = await c.sessions.list(req.caller.project.id, me(req).id);
        const currentId = ownSessionId(req);
        return listModel('sessions', rows.length, rows.map((s) => sessionModel(readable(c.sealer, s), { current: s.id === currentId })));
      },
    });

    route(app, {
      method: 'DELETE',
      url: '/account/sessions',
      meta: { scope: 'account', abuse: urlIp(100) },
      handler: async (req, reply) => {
        await c.sessions.deleteAll(req.caller.project.id, me(req).id, undefined, actorOf(req));
        clearSessionCookies(req, reply, req.caller.project.id, c.clock.now());
        return reply.code(204).send();
      },
    });

    route<{ sessionId: string }>(app, {
      method: 'GET',
      url: '/account/sessions/:sessionId',
      meta: { scope: 'account' },
      path: SessionPath,
      handler: async (req) => {
        const id = sessionIdParam(req, req.params.sessionId);
        const s = await c.sessions.get(req.caller.project.id, me(req).id, id);
        return sessionModel(readable(c.sealer, s), { current: s.id === ownSessionId(req) });
      },
    });

    route<{ sessionId: string }>(app, {
      method: 'PATCH',
      url: '/account/sessions/:sessionId',
      meta: { scope: 'account', abuse: urlIp(10) },
      path: SessionPath,
      handler: async (req) => {
        const id = sessionIdParam(req, req.params.sessionId);
        // An OAuth2 session's provider tokens are refreshed too.
        const s = await c.oauth2Logins.extendSession(req.caller.project, me(req).id, id);
        return sessionModel(readable(c.sealer, s), { current: s.id === ownSessionId(req) });
      },
    });

    route<{ sessionId: string }>(app, {
      method: 'DELETE',
      url: '/account/sessions/:sessionId',
      meta: { scope: 'account', abuse: urlIp(100), mfaExempt: true },
      path: SessionPath,
      handler: async (req, reply) => {
        const id = sessionIdParam(req, req.params.sessionId);
        await c.sessions.delete(req.caller.project.id, me(req).id, id, actorOf(req));
        if (id === ownSessionId(req)) clearSessionCookies(req, reply, req.caller.project.id, c.clock.now());
        return reply.code(204).send();
      },
    });

    // --- Users API: sessions of any user ---
    route<{ userId: string }, { total?: boolean }>(app, {
      method: 'GET',
      url: '/users/:userId/sessions',
      meta: { scope: ['users.read', 'sessions.read'] },
      path: UserPath,
      params: T.Object({ total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const user = await c.users.get(req.caller.project.id, req.params.userId);
        const rows = await c.sessions.list(req.caller.project.id, user.id);
        return listModel('sessions', wantsTotal(input.total) ? rows.length : 0, rows.map((s) => sessionModel(readable(c.sealer, s), { current: false })));
      },
    });

    route<{ userId: string }>(app, {
      method: 'POST',
      url: '/users/:userId/sessions',
      // Appwrite lists ['users.write', 'sessions.write'], but guests and users hold sessions.write,
      // so sessions.write admits an API key only: otherwise anyone could act on any user's sessions.
      meta: { scope: 'users.write', keyScopes: ['sessions.write'] },
      // A custom id, as Appwrite declares it: unique() passes and is then an unknown user (404).
      path: T.Object({ userId: P.customId() }),
      handler: async (req, reply) => {
        const { project } = req.caller;
        const user = await c.users.get(project.id, req.params.userId);
        const issued = await c.sessions.issueSession(project, user, { userId: user.id, provider: 'server', factors: ['server'], ...clientInfo(req) }, { applyLimit: false });
        return reply.code(201).send(sessionModel(issued.session, { current: false, secret: issued.secret }));
      },
    });

    route<{ userId: string }>(app, {
      method: 'DELETE',
      url: '/users/:userId/sessions',
      // Appwrite lists ['users.write', 'sessions.write'], but guests and users hold sessions.write,
      // so sessions.write admits an API key only: otherwise anyone could act on any user's sessions.
      meta: { scope: 'users.write', keyScopes: ['sessions.write'] },
      path: UserPath,
      handler: async (req, reply) => {
        const user = await c.users.get(req.caller.project.id, req.params.userId);
        await c.sessions.deleteAll(req.caller.project.id, user.id, undefined, actorOf(req));
        return reply.code(204).send();
      },
    });

    route<{ userId: string; sessionId: string }>(app, {
      method: 'DELETE',
      url: '/users/:userId/sessions/:sessionId',
      // Appwrite lists ['users.write', 'sessions.write'], but guests and users hold sessions.write,
      // so sessions.write admits an API key only: otherwise anyone could act on any user's sessions.
      meta: { scope: 'users.write', keyScopes: ['sessions.write'] },
      path: UserSessionPath,
      handler: async (req, reply) => {
        const user = await c.users.get(req.caller.project.id, req.params.userId);
        await c.sessions.delete(req.caller.project.id, user.id, req.params.sessionId, actorOf(req));
        return reply.code(204).send();
      },
    });
  };
}
