import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { P, T } from '../schemas/params.ts';
import { projectModel } from '../schemas/models.ts';
import { MEMBERSHIP_PRIVACY_KEYS, membershipPrivacyPolicyModel, type MembershipPrivacyParam } from './teams.ts';

type PrivacyInput = Partial<Record<MembershipPrivacyParam, boolean>>;

/** The membership-privacy policy: which member fields team members see of each other (true = visible). */
export function membershipPrivacyRoutes(c: Pick<Container, 'projects'>) {
  return async (app: FastifyInstance) => {
    route(app, {
      method: 'GET',
      url: '/project/policies/membership-privacy',
      meta: { scope: ['policies.read', 'project.policies.read'] },
      handler: async (req) => membershipPrivacyPolicyModel(req.caller.project.settings.auths),
    });

    // Omitted (or null) params keep their value.
    route<{}, PrivacyInput>(app, {
      method: 'PATCH',
      url: '/project/policies/membership-privacy',
      meta: { scope: ['policies.write', 'project.policies.write'] },
      params: T.Object(Object.fromEntries(Object.keys(MEMBERSHIP_PRIVACY_KEYS).map((k) => [k, P.opt(P.bool())]))),
      handler: async (req, _reply, input) => {
        const project = await c.projects.updateSettings(projectIdOf(req), (settings) => {
          for (const [param, key] of Object.entries(MEMBERSHIP_PRIVACY_KEYS) as [MembershipPrivacyParam, (typeof MEMBERSHIP_PRIVACY_KEYS)[MembershipPrivacyParam]][]) {
            const value = input[param];
            if (value !== undefined) settings.auths[key] = value;
          }
          return settings;
        });
        return projectModel(project);
      },
    });
  };
}
