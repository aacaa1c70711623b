import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { P, T } from '../schemas/params.ts';
import { listModel, platformModel } from '../schemas/models.ts';
import { parseQueries, wantsTotal, type AttributeMap } from '../http/queries.ts';
import { KEY_FIELDS, type AppPlatformType } from './platforms.ts';
import { CreateWebParams, createAppParams, PLATFORM_PARAMS } from './platforms.schemas.ts';

const PLATFORM_ATTRIBUTES: AttributeMap = {
  type: { column: 'type', type: 'string' },
  name: { column: 'name', type: 'string' },
  hostname: { column: 'hostname', type: 'string' },
  bundleIdentifier: { column: 'key', type: 'string' },
  applicationId: { column: 'key', type: 'string' },
  packageIdentifierName: { column: 'key', type: 'string' },
  packageName: { column: 'key', type: 'string' },
};

const PlatformPath = T.Object({ platformId: P.uid() });
type IdPath = { platformId: string };

/** /project/platforms: API keys only (scopes platforms.read / platforms.write); the key's project is the project. */
export function platformRoutes(c: Pick<Container, 'platforms'>) {
  return async (app: FastifyInstance) => {

    route<{}, { queries?: string[]; total?: boolean }>(app, {
      method: 'GET',
      url: '/project/platforms',
      meta: { scope: 'platforms.read' },
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, PLATFORM_ATTRIBUTES);
        const { platforms, total } = await c.platforms.list(projectIdOf(req), query, wantsTotal(input.total));
        return listModel('platforms', total, platforms.map(platformModel));
      },
    });

    route<IdPath>(app, {
      method: 'GET',
      url: '/project/platforms/:platformId',
      meta: { scope: 'platforms.read' },
      path: PlatformPath,
      handler: async (req) => platformModel(await c.platforms.get(projectIdOf(req), req.params.platformId)),
    });

    route<IdPath>(app, {
      method: 'DELETE',
      url: '/project/platforms/:platformId',
      meta: { scope: 'platforms.write' },
      path: PlatformPath,
      handler: async (req, reply) => {
        await c.platforms.delete(projectIdOf(req), req.params.platformId);
        return reply.code(204).send();
      },
    });

    route<{}, { platformId: string; name: string; hostname: string }>(app, {
      method: 'POST',
      url: '/project/platforms/web',
      meta: { scope: 'platforms.write' },
      params: CreateWebParams,
      handler: async (req, reply, input) => {
        const platform = await c.platforms.create(projectIdOf(req), input.platformId, { type: 'web', name: input.name, hostname: input.hostname });
        return reply.code(201).send(platformModel(platform));
      },
    });

    // Appwrite keeps `hostname` optional here for its legacy clients; omitted, only the name changes.
    route<IdPath, { name: string; hostname?: string }>(app, {
      method: 'PUT',
      url: '/project/platforms/web/:platformId',
      meta: { scope: 'platforms.write' },
      path: PlatformPath,
      params: T.Object({ name: PLATFORM_PARAMS.name, hostname: P.opt(PLATFORM_PARAMS.hostname) }),
      handler: async (req, _reply, input) =>
        platformModel(await c.platforms.update(projectIdOf(req), req.params.platformId, { type: 'web', name: input.name, hostname: input.hostname })),
    });

    for (const type of Object.keys(KEY_FIELDS) as AppPlatformType[]) {
      const field = KEY_FIELDS[type];

      route<{}, Record<string, string>>(app, {
        method: 'POST',
        url: `/project/platforms/${type}`,
        meta: { scope: 'platforms.write' },
        params: createAppParams(type),
        handler: async (req, reply, input) => {
          const platform = await c.platforms.create(projectIdOf(req), input.platformId, { type, name: input.name, key: input[field] });
          return reply.code(201).send(platformModel(platform));
        },
      });

      route<IdPath, Record<string, string>>(app, {
        method: 'PUT',
        url: `/project/platforms/${type}/:platformId`,
        meta: { scope: 'platforms.write' },
        path: PlatformPath,
        params: T.Object({ name: PLATFORM_PARAMS.name, [field]: PLATFORM_PARAMS.identifier }),
        handler: async (req, _reply, input) =>
          platformModel(await c.platforms.update(projectIdOf(req), req.params.platformId, { type, name: input.name, key: input[field] })),
      });
    }
  };
}
