import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { me } from '../http/caller.ts';
import { pageOnly, wantsTotal } from '../http/queries.ts';
import { P, T } from '../schemas/params.ts';
import { listModel } from '../schemas/models.ts';
import { formatDate } from '../support/clock.ts';
import { parseUserAgent } from '../sessions/user-agent.ts';
import type { AuditLogEntry } from './audit.ts';

const ListParams = T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) });
type ListInput = { queries?: string[]; total?: boolean };

/** GET /account/logs and /users/{userId}/logs: a user's audit entries, newest first (Appwrite's LogList). */
export function auditRoutes(c: Pick<Container, 'audit' | 'users'>) {
  return async (app: FastifyInstance) => {
    const logsOf = async (projectId: string, userId: string, input: ListInput) => {
      const { entries, total } = await c.audit.list(projectId, userId, pageOnly(input.queries, 25), wantsTotal(input.total));
      return listModel('logs', total, entries.map(logModel));
    };

    route<{}, ListInput>(app, {
      method: 'GET',
      url: '/account/logs',
      meta: { scope: 'account' },
      params: ListParams,
      handler: async (req, _reply, input) => logsOf(req.caller.project.id, me(req).id, input),
    });

    route<{ userId: string }, ListInput>(app, {
      method: 'GET',
      url: '/users/:userId/logs',
      meta: { scope: 'users.read' },
      path: T.Object({ userId: P.uid() }),
      params: ListParams,
      handler: async (req, _reply, input) => {
        const user = await c.users.get(req.caller.project.id, req.params.userId);
        return logsOf(req.caller.project.id, user.id, input);
      },
    });
  };
}

/** Appwrite's Log model; the user fields name the actor. */
export function logModel(e: AuditLogEntry) {
  return {
    event: e.event,
    userId: e.actor_id,
    userEmail: e.actor_email ?? '',
    userName: e.actor_name ?? '',
    mode: e.mode,
    userType: e.actor_type,
    ip: e.ip,
    time: formatDate(e.created_at),
    ...parseUserAgent(e.user_agent || 'UNKNOWN'),
    countryCode: '--',
    countryName: 'Unknown',
  };
}
