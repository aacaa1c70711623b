import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/actor.ts';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { P, T } from '../schemas/params.ts';
import { tokenModel } from '../schemas/models.ts';
import { clientInfo } from '../http/cookies.ts';

export function tokenRoutes(c: Pick<Container, 'users'>) {
  return async (app: FastifyInstance) => {
    route<{ userId: string }, { length?: number; expire?: number }>(app, {
      method: 'POST',
      url: '/users/:userId/tokens',
      meta: { scope: 'users.write' },
      path: T.Object({ userId: P.uid() }),
      params: T.Object({ length: P.opt(P.int(4, 128)), expire: P.opt(P.int(60, 31536000)) }),
      handler: async (req, reply, input) => {
        const { ip, userAgent } = clientInfo(req);
        const issued = await c.users.createToken(req.caller.project.id, req.params.userId, input.length ?? 6, input.expire ?? 900, ip, userAgent, actorOf(req));
        return reply.code(201).send(tokenModel(issued.token, req.caller.role === 'keys' ? issued.secret : ''));
      },
    });
  };
}
