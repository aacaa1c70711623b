import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { clientInfo } from '../http/cookies.ts';
import { me } from '../http/caller.ts';
import { P, T } from '../schemas/params.ts';
import { accountModel } from '../schemas/models.ts';
import { AppwriteError } from '../errors/errors.ts';
import { LOCAL_JWT_SECONDS } from './auth-local.service.ts';

/**
 * The email login's abuse rule, on the email login's own counter (`{url}` written out): guesses
 * through either route use up one budget of 10 an hour per address.
 */
const SHARED_LOGIN_ABUSE = [{ limit: 10, period: 3600, key: 'url:/v1/account/sessions/email,email:{param-identifier}' }];

/** As every Appwrite login: a caller already signed in (session or JWT) may not log in again. */
async function refuseSignedIn(req: FastifyRequest) {
  if (req.caller?.user) throw new AppwriteError('user_session_already_exists');
}

export function authLocalRoutes(c: Pick<Container, 'authLocal' | 'rateLimits' | 'targets'>) {
  return async (app: FastifyInstance) => {
    await app.register(async (creating) => {
      creating.addHook('preValidation', refuseSignedIn);
      route<{}, { identifier: string; password: string; duration?: number }>(creating, {
        method: 'POST',
        url: '/auth/local',
        meta: { scope: 'sessions.write', authMethod: 'email-password', abuse: SHARED_LOGIN_ABUSE },
        params: T.Object({ identifier: P.email(), password: P.password(), duration: P.opt(P.int(0, 3600)) }),
        handler: async (req, _reply, input) => {
          const { project } = req.caller;
          const login = await c.authLocal.login(project, input.identifier, input.password, input.duration ?? LOCAL_JWT_SECONDS, clientInfo(req));
          // A success gives the address its budget back, as the email login's 201 does.
          if (req.abuseKeys) await c.rateLimits.reset(req.abuseKeys);
          return { jwt: login.jwt, user: accountModel(login.user, await c.targets.ofUser(project.id, login.user.id)) };
        },
      });
    });

    route(app, {
      method: 'DELETE',
      url: '/auth/local',
      meta: { scope: 'account', mfaExempt: true },
      handler: async (req, reply) => {
        const session = req.caller.session;
        if (!session) throw new AppwriteError('user_session_not_found');
        await c.authLocal.logout(req.caller.project.id, me(req).id, session.id);
        return reply.code(204).send();
      },
    });
  };
}
