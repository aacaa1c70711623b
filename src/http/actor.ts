import type { FastifyRequest } from 'fastify';
import type { EventActor } from '../events/events.ts';
import { clientInfo } from './cookies.ts';

/** Who is making this request, for the audit log: the API key, the signed-in user, or a guest. */
export function actorOf(req: FastifyRequest): EventActor {
  const { ip, userAgent } = clientInfo(req);
  const { key, user } = req.caller;
  if (key) return { type: 'keyProject', id: key.id, ip, userAgent };
  if (user) return { type: 'user', id: user.id, ip, userAgent };
  return { type: 'guest', id: '', ip, userAgent };
}
