import type { FastifyInstance } from 'fastify';
import { AppwriteError, SERVER_VERSION } from '../errors/errors.ts';
import { requestedProjectId } from '../http/caller.ts';
import { route } from '../http/route.ts';

/** Unauthenticated probes: the Appwrite CLI calls /health/version before anything else. */
export function healthRoutes(_deps: unknown) {
  return async (app: FastifyInstance) => {
    app.get('/health/version', async () => ({ version: SERVER_VERSION }));

    // client.ping(): scope `global` (any caller), but only for a real project; without one (or for
    // the console) Appwrite answers 404 project_not_found rather than Pong.
    await app.register(async (ping) => {
      ping.addHook('onRequest', async (req) => {
        const id = requestedProjectId(req);
        if (!id || id === 'console') throw new AppwriteError('project_not_found');
      });
      route(ping, {
        method: 'GET',
        url: '/ping',
        meta: { scope: 'global' },
        handler: async (_req, reply) => reply.type('text/plain; charset=utf-8').send('Pong!'),
      });
    });
  };
}
