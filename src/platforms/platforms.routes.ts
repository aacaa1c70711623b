import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { P, T } from '../http/params.ts';
import { listModel, platformModel } from '../http/models.ts';
import { parseQueries, wantsTotal, type AttributeMap } from '../http/queries.ts';
import { KEY_FIELDS, type AppPlatformType } from './platforms.ts';

const PLATFORM_ATTRIBUTES: AttributeMap = {
  type: { column: 'type', type: 'string' },
  name: { column: 'name', type: 'string' },
  hostname: { column: 'hostname', type: 'string' },
  bundleIdentifier: { column: 'key', type: 'string' },
  applicationId: { column: 'key', type: 'string' },
  packageIdentifierName: { column: 'key', type: 'string' },
  packageName: { column: 'key', type: 'string' },
};

/** Appwrite's Text(max, requireNonBlank): 1..max chars, not only whitespace. */
const nonBlank = (max: number) =>
  T.String({ minLength: 1, maxLength: max, pattern: '\\S', description: `Value must be a valid string and at least 1 chars and no longer than ${max} chars` });

/** Appwrite's Hostname validator: at most 253 chars, no scheme, port or path (so no `/` or `:`); `*.` wildcards pass. */
const Hostname = T.String({
  maxLength: 253,
  pattern: '^(?!0$)(?=[^/:]*\\S)[^/:]+$',
  description: 'Value must be a valid hostname without path, port and protocol.',
});

export const PLATFORM_PARAMS = {
  name: nonBlank(128),
  hostname: Hostname,
  identifier: nonBlank(256),
};

export const CreateWebParams = T.Object({ platformId: P.customId(), name: PLATFORM_PARAMS.name, hostname: PLATFORM_PARAMS.hostname });
export const createAppParams = (type: AppPlatformType) =>
  T.Object({ platformId: P.customId(), name: PLATFORM_PARAMS.name, [KEY_FIELDS[type]]: PLATFORM_PARAMS.identifier });

const PlatformPath = T.Object({ platformId: P.uid() });
type IdPath = { platformId: string };

/** /project/platforms: API keys only (scopes platforms.read / platforms.write); the key's project is the project. */
export function platformRoutes(c: Container) {
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
