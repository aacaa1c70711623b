import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { P, T } from '../schemas/params.ts';
import { tokenModel } from '../schemas/models.ts';
import { encodeSessionSecret } from '../support/secrets.ts';
import { assertRedirect, serverHostsOf } from '../platforms/redirects.ts';
import { issuedTokenModel, requesterOf } from '../accounts/confirmations.routes.ts';

const perContactAndIp = (limit: number, param: 'email' | 'phone') => [
  { limit, period: 3600, key: `url:{url},${param}:{param-${param}}` },
  { limit, period: 3600, key: 'url:{url},ip:{ip}' },
];

/**
 * Where a magic URL leads when the request names none: Appwrite's console page for it (Tessera has
 * no console yet, so an app should always pass its own `url`).
 */
const DEFAULT_MAGIC_URL_PATH = '/console/auth/magic-url';

/** The passwordless token requests (Appwrite's `tokens` group); the exchange for a session is in sessions.routes.ts. */
export function secretLoginRoutes(c: Pick<Container, 'config' | 'secretLogins'>) {
  // Read when a request needs it: the routes' metadata is also read without a container (abuse-limits test).
  let hosts: string[] | undefined;
  const serverHosts = () => (hosts ??= serverHostsOf(c.config.publicUrl));
  return async (app: FastifyInstance) => {
    for (const url of ['/account/tokens/magic-url', '/account/sessions/magic-url']) {
      route<{}, { userId: string; email: string; url?: string; phrase?: boolean }>(app, {
        method: 'POST',
        url,
        meta: { scope: 'sessions.write', authMethod: 'magic-url', abuse: perContactAndIp(60, 'email') },
        params: T.Object({ userId: P.customId(), email: P.email(), url: P.opt(P.text(2048)), phrase: P.opt(P.bool()) }),
        handler: async (req, reply, input) => {
          const { project } = req.caller;
          if (input.url) assertRedirect('url', input.url, project, serverHosts());
          const target = input.url || new URL(DEFAULT_MAGIC_URL_PATH, c.config.publicUrl).toString();
          const issued = await c.secretLogins.createMagicUrlToken(project, { ...requesterOf(req), userId: input.userId, email: input.email, url: target, phrase: input.phrase ?? false });
          return reply.code(201).send(issuedTokenModel(req, issued));
        },
      });
    }

    route<{}, { userId: string; email: string; phrase?: boolean }>(app, {
      method: 'POST',
      url: '/account/tokens/email',
      meta: { scope: 'sessions.write', authMethod: 'email-otp', abuse: perContactAndIp(10, 'email') },
      params: T.Object({ userId: P.customId(), email: P.email(), phrase: P.opt(P.bool()) }),
      handler: async (req, reply, input) => {
        const issued = await c.secretLogins.createEmailToken(req.caller.project, { ...requesterOf(req), userId: input.userId, email: input.email, phrase: input.phrase ?? false });
        return reply.code(201).send(issuedTokenModel(req, issued));
      },
    });

    for (const url of ['/account/tokens/phone', '/account/sessions/phone']) {
      route<{}, { userId: string; phone: string }>(app, {
        method: 'POST',
        url,
        meta: { scope: 'sessions.write', authMethod: 'phone', abuse: perContactAndIp(10, 'phone') },
        params: T.Object({ userId: P.customId(), phone: P.phone() }),
        handler: async (req, reply, input) => {
          const issued = await c.secretLogins.createPhoneToken(req.caller.project, { ...requesterOf(req), userId: input.userId, phone: input.phone });
          // As Appwrite, an API key gets the code wrapped like a session cookie value ({id, secret} in base64).
          const secret = req.caller.role === 'keys' ? encodeSessionSecret(issued.token.user_id, issued.secret) : '';
          return reply.code(201).send(tokenModel(issued.token, secret));
        },
      });
    }
  };
}
