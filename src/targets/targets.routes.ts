import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { P, T } from '../schemas/params.ts';
import { listModel, targetModel } from '../schemas/models.ts';
import { parseQueries, wantsTotal, type AttributeMap } from '../http/queries.ts';
import { PROVIDER_TYPES, type ProviderType } from './targets.ts';

const TARGET_ATTRIBUTES: AttributeMap = {
  userId: { column: 'user_id', type: 'string' },
  providerId: { column: 'provider_id', type: 'string' },
  identifier: { column: 'identifier', type: 'string' },
  providerType: { column: 'provider_type', type: 'string' },
};

const UserPath = T.Object({ userId: P.uid() });
const TargetPath = T.Object({ userId: P.uid(), targetId: P.uid() });
type IdPath = { userId: string; targetId: string };

const ProviderTypeParam = T.Union(
  PROVIDER_TYPES.map((t) => T.Literal(t)),
  { description: `Value must be one of (${PROVIDER_TYPES.join(', ')})` },
);
// Appwrite's Text(255) and Text(128): 1 to n chars whenever the param is sent, on create and update.
const Identifier = P.text(255, 1);
const Name = P.text(128, 1);
// No providers here, so an id is stored as given; "" means none.
const ProviderId = P.opt(T.Union([P.uid(), T.Literal('')], { description: P.uid().description }));

/**
 * /users/{userId}/targets: a user's messaging targets (API keys; Appwrite labels these routes
 * users.read / users.write). Providers are not built, so `providerId` is stored as given.
 */
export function targetRoutes(c: Pick<Container, 'targets'>) {
  return async (app: FastifyInstance) => {

    route<{ userId: string }, { queries?: string[]; total?: boolean }>(app, {
      method: 'GET',
      url: '/users/:userId/targets',
      meta: { scope: 'users.read' },
      path: UserPath,
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, TARGET_ATTRIBUTES);
        const { rows, total } = await c.targets.list(projectIdOf(req), req.params.userId, query, wantsTotal(input.total));
        return listModel('targets', total, rows.map(targetModel));
      },
    });

    route<{ userId: string }, { targetId: string; providerType: ProviderType; identifier: string; providerId?: string; name?: string }>(app, {
      method: 'POST',
      url: '/users/:userId/targets',
      meta: { scope: 'users.write' },
      path: UserPath,
      params: T.Object({
        targetId: P.customId(),
        providerType: ProviderTypeParam,
        identifier: Identifier,
        providerId: ProviderId,
        name: P.opt(Name),
      }),
      handler: async (req, reply, input) => {
        const { targetId, ...fields } = input;
        const target = await c.targets.create(projectIdOf(req), req.params.userId, targetId, fields);
        return reply.code(201).send(targetModel(target));
      },
    });

    route<IdPath>(app, {
      method: 'GET',
      url: '/users/:userId/targets/:targetId',
      meta: { scope: 'users.read' },
      path: TargetPath,
      handler: async (req) => targetModel(await c.targets.get(projectIdOf(req), req.params.userId, req.params.targetId)),
    });

    route<IdPath, { identifier?: string; providerId?: string; name?: string }>(app, {
      method: 'PATCH',
      url: '/users/:userId/targets/:targetId',
      meta: { scope: 'users.write' },
      path: TargetPath,
      params: T.Object({ identifier: P.opt(Identifier), providerId: ProviderId, name: P.opt(Name) }),
      handler: async (req, _reply, input) => targetModel(await c.targets.update(projectIdOf(req), req.params.userId, req.params.targetId, input)),
    });

    route<IdPath>(app, {
      method: 'DELETE',
      url: '/users/:userId/targets/:targetId',
      meta: { scope: 'users.write' },
      path: TargetPath,
      handler: async (req, reply) => {
        await c.targets.delete(projectIdOf(req), req.params.userId, req.params.targetId);
        return reply.code(204).send();
      },
    });
  };
}
