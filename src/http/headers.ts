import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProjectsService } from '../projects/projects.service.ts';
import { isProjectId, requestedProjectId } from './caller.ts';
import { ALLOW_HEADERS, corsOrigin } from './cors.ts';

/** onRequest: the headers every response carries, and CORS for requests with an Origin. */
export function responseHeaders(projects: ProjectsService, serverHosts: readonly string[]) {
  const cors = async (req: FastifyRequest, reply: FastifyReply, origin: string) => {
    const preflight = req.method === 'OPTIONS';
    let project = null;
    if (!preflight) {
      const projectId = requestedProjectId(req);
      project = isProjectId(projectId) && projectId !== 'console' ? await projects.get(projectId) : null;
    }
    const allowOrigin = corsOrigin(origin, preflight, project, serverHosts);
    if (allowOrigin) {
      reply.header('Access-Control-Allow-Origin', allowOrigin);
      reply.header('Vary', 'Origin');
    }
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
    reply.header('Access-Control-Allow-Headers', ALLOW_HEADERS);
    reply.header('Access-Control-Expose-Headers', 'X-Appwrite-Session, X-Fallback-Cookies');
    reply.header('Access-Control-Max-Age', '86400');
  };
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    reply.header('Server', 'Tessera');
    reply.header('X-Content-Type-Options', 'nosniff');
    // Appwrite general.php:1031-1034: 126 days, on https only.
    if (req.protocol === 'https') reply.header('Strict-Transport-Security', 'max-age=10886400');
    const origin = req.headers.origin;
    if (!origin) return done();
    cors(req, reply, origin).then(() => done(), done);
  };
}

/** onSend: utopia-php/http Response::send adds the handling time in seconds to every response. */
export function debugSpeed(_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) {
  reply.header('X-Debug-Speed', String(reply.elapsedTime / 1000));
  done(null, payload);
}
