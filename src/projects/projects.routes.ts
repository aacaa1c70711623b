import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { P, T } from '../schemas/params.ts';
import { projectModel } from '../schemas/models.ts';
import { AUTH_METHODS, type AuthMethod } from './projects.ts';

const METHOD_DESCRIPTION = `Value must be one of (${AUTH_METHODS.join(', ')})`;
const LABEL_DESCRIPTION = 'Value must a valid array no longer than 1000 items and Value must be a valid string and at least 1 chars and no longer than 36 chars';

/**
 * /project: the project an API key belongs to (node-appwrite's Project service). Features add their own
 * settings routes (policies, SMTP, templates, OAuth2 providers) in their folders, changing settings
 * through ProjectsService.updateSettings.
 */
export function projectRoutes(c: Pick<Container, 'projects'>) {
  return async (app: FastifyInstance) => {
    route(app, {
      method: 'GET',
      url: '/project',
      meta: { scope: 'project.read' },
      handler: async (req) => projectModel((await c.projects.get(projectIdOf(req)))!),
    });

    route<{ methodId: AuthMethod }, { enabled: boolean }>(app, {
      method: 'PATCH',
      url: '/project/auth-methods/:methodId',
      meta: { scope: 'project.write' },
      path: T.Object({ methodId: T.Union(AUTH_METHODS.map((m) => T.Literal(m)), { description: METHOD_DESCRIPTION }) }),
      params: T.Object({ enabled: P.bool() }),
      handler: async (req, _reply, input) => {
        const { methodId } = req.params;
        const project = await c.projects.updateSettings(projectIdOf(req), (s) => {
          const others = s.auths.disabledMethods.filter((m) => m !== methodId);
          s.auths.disabledMethods = input.enabled ? others : [...others, methodId];
          return s;
        });
        return projectModel(project);
      },
    });

    route<{}, { labels: string[] }>(app, {
      method: 'PUT',
      url: '/project/labels',
      meta: { scope: 'project.write' },
      params: T.Object({ labels: T.Array(T.String({ pattern: '^[A-Za-z0-9]{1,36}$' }), { maxItems: 1000, description: LABEL_DESCRIPTION }) }),
      handler: async (req, _reply, input) => {
        const project = await c.projects.updateSettings(projectIdOf(req), (s) => ({ ...s, labels: [...new Set(input.labels)] }));
        return projectModel(project);
      },
    });
  };
}
