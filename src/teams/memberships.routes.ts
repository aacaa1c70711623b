import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { assertRedirect, serverHostsOf } from '../platforms/redirects.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { localeOf } from '../http/locale.ts';
import { parseQueries, wantsTotal } from '../http/queries.ts';
import { clientInfo, setSessionCookies } from '../http/cookies.ts';
import { P, T } from '../schemas/params.ts';
import { listModel } from '../schemas/models.ts';
import { actorOf, ListParams, Role, type ListInput } from './teams.routes.ts';
import { MEMBERSHIP_ATTRIBUTES, membershipModel } from './teams.ts';

const MembershipPath = T.Object({ teamId: P.uid(), membershipId: P.uid() });
type TeamIdPath = { teamId: string };
type MembershipIdPath = { teamId: string; membershipId: string };
/** Roles of a membership: up to 81 chars (Appwrite leaves room for `project-<projectId>-<role>`). */
const Roles = P.array(Role(81), 100);

interface CreateInput {
  roles: string[];
  email?: string;
  userId?: string;
  phone?: string;
  url?: string;
  name?: string;
}

/** /teams/{teamId}/memberships and /users/{userId}/memberships. */
export function membershipRoutes(c: Pick<Container, 'memberships' | 'invitations' | 'config'>) {
  let hosts: string[] | null = null;
  const serverHosts = () => (hosts ??= serverHostsOf(c.config.publicUrl));
  return async (app: FastifyInstance) => {
    route<TeamIdPath, ListInput>(app, {
      method: 'GET',
      url: '/teams/:teamId/memberships',
      meta: { scope: 'teams.read' },
      path: T.Object({ teamId: P.uid() }),
      params: ListParams,
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, MEMBERSHIP_ATTRIBUTES);
        const res = await c.memberships.listOfTeam(req.caller.project, req.params.teamId, query, input.search, wantsTotal(input.total), actorOf(req));
        return listModel('memberships', res.total, res.memberships.map(membershipModel));
      },
    });

    route<TeamIdPath, CreateInput>(app, {
      method: 'POST',
      url: '/teams/:teamId/memberships',
      meta: { scope: 'teams.write', authMethod: 'invites', abuse: [{ limit: 10, period: 3600, key: 'url:{url},ip:{ip}' }] },
      path: T.Object({ teamId: P.uid() }),
      params: T.Object({
        email: P.opt(T.Union([T.Literal(''), P.email()], { description: 'Value must be a valid email address' })),
        userId: P.opt(T.Union([T.Literal(''), P.uid()], { description: P.uid().description })),
        phone: P.opt(T.Union([T.Literal(''), P.phone()], { description: P.phone().description })),
        roles: Roles,
        url: P.opt(P.text(2048)),
        name: P.opt(P.text(128)),
      }),
      handler: async (req, reply, input) => {
        // The redirect is a param check (Appwrite's Redirect validator): before anything else.
        if (input.url) assertRedirect('url', input.url, req.caller.project, serverHosts());
        const membership = await c.invitations.create(req.caller.project, req.params.teamId, { ...input, locale: localeOf(req) }, actorOf(req));
        return reply.code(201).send(membershipModel(membership));
      },
    });

    route<MembershipIdPath>(app, {
      method: 'GET',
      url: '/teams/:teamId/memberships/:membershipId',
      meta: { scope: 'teams.read' },
      path: MembershipPath,
      handler: async (req) => membershipModel(await c.memberships.get(req.caller.project, req.params.teamId, req.params.membershipId, actorOf(req))),
    });

    route<MembershipIdPath, { roles: string[] }>(app, {
      method: 'PATCH',
      url: '/teams/:teamId/memberships/:membershipId',
      meta: { scope: 'teams.write' },
      path: MembershipPath,
      params: T.Object({ roles: Roles }),
      handler: async (req, _reply, input) =>
        membershipModel(await c.memberships.updateRoles(projectIdOf(req), req.params.teamId, req.params.membershipId, input.roles, actorOf(req))),
    });

    route<MembershipIdPath>(app, {
      method: 'DELETE',
      url: '/teams/:teamId/memberships/:membershipId',
      meta: { scope: 'teams.write' },
      path: MembershipPath,
      handler: async (req, reply) => {
        await c.memberships.delete(projectIdOf(req), req.params.teamId, req.params.membershipId, actorOf(req));
        return reply.code(204).send();
      },
    });

    // The invitation link's landing call: public, so a guest accepting gets a session (and cookies).
    route<MembershipIdPath, { userId: string; secret: string }>(app, {
      method: 'PATCH',
      url: '/teams/:teamId/memberships/:membershipId/status',
      meta: { scope: 'public' },
      path: MembershipPath,
      params: T.Object({ userId: P.uid(), secret: P.text(256, 1) }),
      handler: async (req, reply, input) => {
        const { teamId, membershipId } = req.params;
        const res = await c.memberships.accept(req.caller.project, teamId, membershipId, input.userId, input.secret, req.caller.user, clientInfo(req));
        if (res.issued) setSessionCookies(req, reply, req.caller.project.id, res.issued.secret, res.issued.session.expire);
        return membershipModel(res.membership);
      },
    });

    route<{ userId: string }, ListInput>(app, {
      method: 'GET',
      url: '/users/:userId/memberships',
      meta: { scope: 'users.read' },
      path: T.Object({ userId: P.uid() }),
      params: ListParams,
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, MEMBERSHIP_ATTRIBUTES);
        const res = await c.memberships.listOfUser(projectIdOf(req), req.params.userId, query, input.search, wantsTotal(input.total));
        return listModel('memberships', res.total, res.memberships.map(membershipModel));
      },
    });
  };
}
