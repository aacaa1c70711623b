import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { SERVER_VERSION } from '../http/errors.ts';

/** Unauthenticated probes: the Appwrite CLI calls /health/version before anything else. */
export function healthRoutes(_c: Container) {
  return async (app: FastifyInstance) => {
    app.get('/health/version', async () => ({ version: SERVER_VERSION }));
    app.get('/ping', async () => 'Pong!');
  };
}
