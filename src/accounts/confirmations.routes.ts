import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { P, T } from '../schemas/params.ts';
import { me } from '../http/caller.ts';
import { clientInfo } from '../http/cookies.ts';
import { localeOf } from '../http/locale.ts';
import { tokenModel } from '../schemas/models.ts';
import { assertRedirect, serverHostsOf } from '../platforms/redirects.ts';
import type { IssuedToken } from '../tokens/tokens.service.ts';
import type { Requester } from './confirmations.service.ts';

const perEmailAndIp = (limit: number) => [
  { limit, period: 3600, key: 'url:{url},email:{param-email}' },
  { limit, period: 3600, key: 'url:{url},ip:{ip}' },
];
const perParamUser = [{ limit: 10, period: 3600, key: 'url:{url},userId:{param-userId}' }];
const Confirmation = T.Object({ userId: P.uid(), secret: P.text(256) });

/** Who asks, for the token row and the message's language (X-Appwrite-Locale). */
export function requesterOf(req: FastifyRequest): Requester {
  return { ...clientInfo(req), locale: localeOf(req) };
}

/** A new token as Appwrite answers it: the secret travels only by mail or SMS, unless an API key asks. */
export function issuedTokenModel(req: FastifyRequest, issued: IssuedToken) {
  return tokenModel(issued.token, req.caller.role === 'keys' ? issued.secret : '');
}

/** Email and phone verification, and password recovery (Appwrite's `verification` and `recovery` groups). */
export function confirmationRoutes(c: Pick<Container, 'config' | 'confirmations'>) {
  // Read when a request needs it: the routes' metadata is also read without a container (abuse-limits test).
  let hosts: string[] | undefined;
  const serverHosts = () => (hosts ??= serverHostsOf(c.config.publicUrl));
  return async (app: FastifyInstance) => {
    route<{}, { email: string; url: string }>(app, {
      method: 'POST',
      url: '/account/recovery',
      meta: { scope: 'sessions.write', abuse: perEmailAndIp(10) },
      params: T.Object({ email: P.email(), url: P.text(2048) }),
      handler: async (req, reply, input) => {
        assertRedirect('url', input.url, req.caller.project, serverHosts());
        const issued = await c.confirmations.createRecovery(req.caller.project, input.email, input.url, requesterOf(req));
        return reply.code(201).send(issuedTokenModel(req, issued));
      },
    });

    route<{}, { userId: string; secret: string; password: string }>(app, {
      method: 'PUT',
      url: '/account/recovery',
      meta: { scope: 'sessions.write', abuse: perParamUser },
      params: T.Object({ userId: P.uid(), secret: P.text(256), password: P.password() }),
      handler: async (req, _reply, input) => {
        const token = await c.confirmations.updateRecovery(req.caller.project, input.userId, input.secret, input.password);
        return tokenModel(token, '');
      },
    });

    for (const url of ['/account/verifications/email', '/account/verification']) {
      route<{}, { url: string }>(app, {
        method: 'POST',
        url,
        meta: { scope: 'account', abuse: [{ limit: 10, period: 3600, key: 'url:{url},userId:{userId}' }] },
        params: T.Object({ url: P.text(2048) }),
        handler: async (req, reply, input) => {
          assertRedirect('url', input.url, req.caller.project, serverHosts());
          const issued = await c.confirmations.createEmailVerification(req.caller.project, me(req), input.url, requesterOf(req));
          return reply.code(201).send(issuedTokenModel(req, issued));
        },
      });

      route<{}, { userId: string; secret: string }>(app, {
        method: 'PUT',
        url,
        meta: { scope: 'public', abuse: perParamUser },
        params: Confirmation,
        handler: async (req, _reply, input) => tokenModel(await c.confirmations.confirm(req.caller.project, 'email', input.userId, input.secret), ''),
      });
    }

    for (const url of ['/account/verifications/phone', '/account/verification/phone']) {
      route(app, {
        method: 'POST',
        url,
        meta: {
          scope: 'account',
          authMethod: 'phone',
          abuse: [
            { limit: 10, period: 3600, key: 'url:{url},userId:{userId}' },
            { limit: 10, period: 3600, key: 'url:{url},ip:{ip}' },
          ],
        },
        handler: async (req, reply) => {
          const issued = await c.confirmations.createPhoneVerification(req.caller.project, me(req), requesterOf(req));
          return reply.code(201).send(issuedTokenModel(req, issued));
        },
      });

      route<{}, { userId: string; secret: string }>(app, {
        method: 'PUT',
        url,
        meta: { scope: 'public', abuse: [{ limit: 10, period: 3600, key: 'userId:{param-userId}' }] },
        params: Confirmation,
        handler: async (req, _reply, input) => tokenModel(await c.confirmations.confirm(req.caller.project, 'phone', input.userId, input.secret), ''),
      });
    }
  };
}
