import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { parseQueries, wantsTotal } from '../http/queries.ts';
import { assoc, checkPrefs, P, T } from '../schemas/params.ts';
import { listModel, prefsObject } from '../schemas/models.ts';
import type { Actor } from './teams.service.ts';
import { TEAM_ATTRIBUTES, teamModel } from './teams.ts';

/** Appwrite's Key validator: a role name, 1..max chars of [A-Za-z0-9._-], not starting with a special char. */
export const Role = (max: number) =>
  T.String({
    pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,${max - 1}}$`,
    description: `Parameter must contain at most ${max} chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char`,
  });

export const TeamPath = T.Object({ teamId: P.uid() });
type TeamIdPath = { teamId: string };
export const ListParams = T.Object({ queries: P.opt(P.array(T.String(), 100)), search: P.opt(P.text(256)), total: P.opt(P.bool()) });
export type ListInput = { queries?: string[]; search?: string; total?: boolean };

/** The caller as the teams services see it: an API key, or the signed-in user (session or JWT). */
export function actorOf(req: FastifyRequest): Actor {
  const { role, user } = req.caller;
  return { key: role === 'keys', user: user ? { id: user.id, name: user.name } : null };
}

/** /teams: sessions and JWTs act as members (read) and owners (write); API keys act for the project. */
export function teamRoutes(c: Pick<Container, 'teams'>) {
  return async (app: FastifyInstance) => {
    route<{}, ListInput>(app, {
      method: 'GET',
      url: '/teams',
      meta: { scope: 'teams.read' },
      params: ListParams,
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, TEAM_ATTRIBUTES);
        const { rows, total } = await c.teams.list(projectIdOf(req), query, input.search, wantsTotal(input.total), actorOf(req));
        return listModel('teams', total, rows.map(teamModel));
      },
    });

    route<{}, { teamId: string; name: string; roles?: string[] }>(app, {
      method: 'POST',
      url: '/teams',
      meta: { scope: 'teams.write' },
      params: T.Object({ teamId: P.customId(), name: P.text(128, 1), roles: P.opt(P.array(Role(36), 100)) }),
      handler: async (req, reply, input) => {
        const team = await c.teams.create(projectIdOf(req), input.teamId, input.name, input.roles ?? ['owner'], actorOf(req));
        return reply.code(201).send(teamModel(team));
      },
    });

    route<TeamIdPath>(app, {
      method: 'GET',
      url: '/teams/:teamId',
      meta: { scope: 'teams.read' },
      path: TeamPath,
      handler: async (req) => teamModel(await c.teams.get(projectIdOf(req), req.params.teamId, actorOf(req))),
    });

    route<TeamIdPath, { name: string }>(app, {
      method: 'PUT',
      url: '/teams/:teamId',
      meta: { scope: 'teams.write' },
      path: TeamPath,
      params: T.Object({ name: P.text(128, 1) }),
      handler: async (req, _reply, input) => teamModel(await c.teams.updateName(projectIdOf(req), req.params.teamId, input.name, actorOf(req))),
    });

    route<TeamIdPath>(app, {
      method: 'DELETE',
      url: '/teams/:teamId',
      meta: { scope: 'teams.write' },
      path: TeamPath,
      handler: async (req, reply) => {
        await c.teams.delete(projectIdOf(req), req.params.teamId, actorOf(req));
        return reply.code(204).send();
      },
    });

    route<TeamIdPath>(app, {
      method: 'GET',
      url: '/teams/:teamId/prefs',
      meta: { scope: 'teams.read' },
      path: TeamPath,
      handler: async (req) => prefsObject((await c.teams.get(projectIdOf(req), req.params.teamId, actorOf(req))).prefs),
    });

    route<TeamIdPath, { prefs: Record<string, unknown> | unknown[] }>(app, {
      method: 'PUT',
      url: '/teams/:teamId/prefs',
      meta: { scope: 'teams.write' },
      path: TeamPath,
      params: T.Object({ prefs: P.object() }),
      handler: async (req, _reply, input) => {
        const prefs = assoc(input.prefs);
        checkPrefs(prefs);
        return prefsObject((await c.teams.updatePrefs(projectIdOf(req), req.params.teamId, prefs, actorOf(req))).prefs);
      },
    });
  };
}
