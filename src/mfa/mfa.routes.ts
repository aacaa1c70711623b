import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { me, projectIdOf } from '../http/caller.ts';
import { localeOf } from '../http/locale.ts';
import { P, T } from '../schemas/params.ts';
import { argumentInvalid } from '../errors/errors.ts';
import { accountModel, sessionModel } from '../schemas/models.ts';
import type { UserRow } from '../users/users.ts';
import { AUTHENTICATOR_TYPES, MFA_FACTORS, parseFactor, type AuthenticatorType } from './mfa.ts';
import { mfaChallengeModel, mfaFactorsModel, mfaRecoveryCodesModel, mfaTypeModel } from './mfa.models.ts';

const TypePath = T.Object({ type: T.Union(AUTHENTICATOR_TYPES.map((t) => T.Literal(t)), { description: `Value must be one of (${AUTHENTICATOR_TYPES.join(', ')})` }) });
const UserPath = T.Object({ userId: P.uid() });
const UserTypePath = T.Object({ userId: P.uid(), type: TypePath.properties.type });
const FACTOR_DESCRIPTION = `Value must be one of (${MFA_FACTORS.join(', ')})`;

/** The session that authenticates the request (a JWT's session too); null for none. */
const sessionIdOf = (req: FastifyRequest) => req.caller.session?.id ?? null;

/**
 * MFA: /account/mfa/* for the signed-in user (challenges and the factor list stay callable while the
 * session still lacks its second factor), and /users/{userId}/mfa/* for API keys.
 */
export function mfaRoutes(c: Pick<Container, 'mfa' | 'mfaChallenges' | 'targets'>) {
  return async (app: FastifyInstance) => {
    const account = async (u: UserRow) => accountModel(u, await c.targets.ofUser(u.project_id, u.id));

    route<{}, { mfa: boolean }>(app, {
      method: 'PATCH',
      url: '/account/mfa',
      meta: { scope: 'account' },
      params: T.Object({ mfa: P.bool() }),
      handler: async (req, _r, input) => account(await c.mfa.updateMfa(projectIdOf(req), me(req).id, input.mfa, sessionIdOf(req))),
    });

    route<{ type: AuthenticatorType }>(app, {
      method: 'POST',
      url: '/account/mfa/authenticators/:type',
      meta: { scope: 'account' },
      path: TypePath,
      handler: async (req) => mfaTypeModel(await c.mfa.createAuthenticator(req.caller.project, me(req), req.params.type)),
    });

    route<{ type: AuthenticatorType }, { otp: string }>(app, {
      method: 'PUT',
      url: '/account/mfa/authenticators/:type',
      meta: { scope: 'account' },
      path: TypePath,
      params: T.Object({ otp: P.text(256) }),
      handler: async (req, _r, input) => account(await c.mfa.verifyAuthenticator(projectIdOf(req), me(req), req.params.type, input.otp, sessionIdOf(req))),
    });

    route<{ type: AuthenticatorType }>(app, {
      method: 'DELETE',
      url: '/account/mfa/authenticators/:type',
      meta: { scope: 'account' },
      path: TypePath,
      handler: async (req, reply) => {
        c.mfa.assertRecentMfa(req.caller.session);
        await c.mfa.deleteAuthenticator(projectIdOf(req), me(req).id, req.params.type);
        return reply.code(204).send();
      },
    });

    for (const url of ['/account/mfa/challenges', '/account/mfa/challenge']) {
      route<{}, { factor: string }>(app, {
        method: 'POST',
        url,
        meta: { scope: 'account', mfaExempt: true, abuse: [{ limit: 10, period: 3600, key: 'url:{url},userId:{userId}' }] },
        params: T.Object({ factor: T.String({ maxLength: 64, description: FACTOR_DESCRIPTION }) }),
        handler: async (req, reply, input) => {
          const factor = parseFactor(input.factor);
          if (!factor) throw argumentInvalid('factor', FACTOR_DESCRIPTION);
          const challenge = await c.mfaChallenges.create({ project: req.caller.project, user: me(req), factor, locale: localeOf(req) });
          return reply.code(201).send(mfaChallengeModel(challenge));
        },
      });

      route<{}, { challengeId: string; otp: string }>(app, {
        method: 'PUT',
        url,
        meta: { scope: 'account', mfaExempt: true, abuse: [{ limit: 10, period: 3600, key: 'url:{url},challengeId:{param-challengeId}' }] },
        params: T.Object({ challengeId: P.text(256), otp: P.text(256) }),
        handler: async (req, _r, input) => {
          const session = await c.mfaChallenges.complete(req.caller.project, me(req), sessionIdOf(req), input.challengeId, input.otp);
          return sessionModel(session, { current: true });
        },
      });
    }

    route(app, {
      method: 'GET',
      url: '/account/mfa/factors',
      meta: { scope: 'account', mfaExempt: true },
      handler: async (req) => mfaFactorsModel(await c.mfa.factors(req.caller.project, me(req), true)),
    });

    route(app, {
      method: 'POST',
      url: '/account/mfa/recovery-codes',
      meta: { scope: 'account' },
      handler: async (req, reply) => reply.code(201).send(mfaRecoveryCodesModel(await c.mfa.createRecoveryCodes(projectIdOf(req), me(req).id, 'account'))),
    });

    route(app, {
      method: 'GET',
      url: '/account/mfa/recovery-codes',
      meta: { scope: 'account' },
      handler: async (req) => {
        c.mfa.assertRecentMfa(req.caller.session);
        return mfaRecoveryCodesModel(await c.mfa.recoveryCodes(projectIdOf(req), me(req).id));
      },
    });

    route(app, {
      method: 'PATCH',
      url: '/account/mfa/recovery-codes',
      meta: { scope: 'account' },
      handler: async (req) => {
        c.mfa.assertRecentMfa(req.caller.session);
        return mfaRecoveryCodesModel(await c.mfa.regenerateRecoveryCodes(projectIdOf(req), me(req).id, 'account'));
      },
    });

    usersMfaRoutes(app, c);
  };
}

/** /users/{userId}/mfa/*: API keys act on any user (PATCH /users/{userId}/mfa is in users.routes.ts). */
function usersMfaRoutes(app: FastifyInstance, c: Pick<Container, 'mfa' | 'mfaChallenges' | 'targets'>) {
  route<{ userId: string; type: AuthenticatorType }>(app, {
    method: 'DELETE',
    url: '/users/:userId/mfa/authenticators/:type',
    meta: { scope: 'users.write' },
    path: UserTypePath,
    handler: async (req, reply) => {
      const user = await c.mfa.user(projectIdOf(req), req.params.userId);
      await c.mfa.deleteAuthenticator(projectIdOf(req), user.id, req.params.type);
      return reply.code(204).send();
    },
  });

  route<{ userId: string }>(app, {
    method: 'GET',
    url: '/users/:userId/mfa/factors',
    meta: { scope: 'users.read' },
    path: UserPath,
    handler: async (req) => mfaFactorsModel(await c.mfa.factors(req.caller.project, await c.mfa.user(projectIdOf(req), req.params.userId), false)),
  });

  route<{ userId: string }>(app, {
    method: 'GET',
    url: '/users/:userId/mfa/recovery-codes',
    meta: { scope: 'users.read' },
    path: UserPath,
    handler: async (req) => {
      const user = await c.mfa.user(projectIdOf(req), req.params.userId);
      return mfaRecoveryCodesModel(await c.mfa.recoveryCodes(projectIdOf(req), user.id));
    },
  });

  // Appwrite's spec says 201; its handler answers 200.
  route<{ userId: string }>(app, {
    method: 'PATCH',
    url: '/users/:userId/mfa/recovery-codes',
    meta: { scope: 'users.write' },
    path: UserPath,
    handler: async (req) => mfaRecoveryCodesModel(await c.mfa.createRecoveryCodes(projectIdOf(req), req.params.userId, 'users')),
  });

  route<{ userId: string }>(app, {
    method: 'PUT',
    url: '/users/:userId/mfa/recovery-codes',
    meta: { scope: 'users.write' },
    path: UserPath,
    handler: async (req) => mfaRecoveryCodesModel(await c.mfa.regenerateRecoveryCodes(projectIdOf(req), req.params.userId, 'users')),
  });

  route<{ userId: string; challengeId: string }>(app, {
    method: 'GET',
    url: '/users/:userId/mfa/challenges/:challengeId',
    meta: { scope: 'users.read' },
    path: T.Object({ userId: P.uid(), challengeId: P.uid() }),
    handler: async (req) => {
      const { challenge, code } = await c.mfaChallenges.customCode(projectIdOf(req), req.params.userId, req.params.challengeId);
      return mfaChallengeModel(challenge, code);
    },
  });
}
