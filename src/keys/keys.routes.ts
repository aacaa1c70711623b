import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { projectIdOf } from '../http/caller.ts';
import { parseQueries, wantsTotal, type AttributeMap } from '../http/queries.ts';
import { P, T } from '../schemas/params.ts';
import { keyModel, listModel } from '../schemas/models.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { checkedScopes, EXPIRE_DESCRIPTION, parseExpire, type KeyChanges } from './keys.ts';

/** Appwrite's Queries\Keys allowed attributes. */
const KEY_ATTRIBUTES: AttributeMap = {
  expire: { column: 'expire', type: 'date' },
  accessedAt: { column: 'accessed_at', type: 'date' },
  name: { column: 'name', type: 'string' },
  scopes: { column: 'scopes', type: 'array' },
};
/** Appwrite lists up to 5000 keys when no limit is given (backwards compatibility). */
const KEYS_DEFAULT_LIMIT = 5000;

const KeyPath = T.Object({ keyId: P.uid() });
type IdPath = { keyId: string };

const KeyParams = {
  name: P.text(128, 1),
  scopes: P.array(T.String(), 200),
  expire: P.opt(T.String({ description: EXPIRE_DESCRIPTION })),
};
type KeyBody = { name: string; scopes: string[]; expire?: string };

/** The body's expiry as epoch ms; omitted or null: never. */
function expiryOf(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  const expire = parseExpire(raw);
  if (expire === null) throw argumentInvalid('expire', EXPIRE_DESCRIPTION);
  return expire;
}

/**
 * /project/keys: API keys only (scopes keys.read / keys.write); the key's project is the project. A
 * stored secret is a hash, so reads return `secret: ""` (Appwrite returns the secret on every read).
 */
export function keyRoutes(c: Pick<Container, 'keys'>) {
  return async (app: FastifyInstance) => {
    route<{}, { queries?: string[]; total?: boolean }>(app, {
      method: 'GET',
      url: '/project/keys',
      meta: { scope: 'keys.read' },
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, KEY_ATTRIBUTES, KEYS_DEFAULT_LIMIT);
        const { keys, total } = await c.keys.list(projectIdOf(req), query, wantsTotal(input.total));
        return listModel('keys', total, keys.map(keyModel));
      },
    });

    // As Appwrite: a request authorized with a standard key may not mint keys (the CLI can).
    route<{}, KeyBody & { keyId: string }>(app, {
      method: 'POST',
      url: '/project/keys',
      meta: { scope: 'keys.write' },
      params: T.Object({ keyId: P.customId(), ...KeyParams }),
      handler: async (_req, _reply, input) => {
        checkedScopes(input.scopes);
        expiryOf(input.expire);
        throw new AppwriteError('key_creation_denied');
      },
    });

    route<IdPath>(app, {
      method: 'GET',
      url: '/project/keys/:keyId',
      meta: { scope: 'keys.read' },
      path: KeyPath,
      handler: async (req) => keyModel(await c.keys.get(projectIdOf(req), req.params.keyId)),
    });

    route<IdPath, KeyBody>(app, {
      method: 'PUT',
      url: '/project/keys/:keyId',
      meta: { scope: 'keys.write' },
      path: KeyPath,
      params: T.Object(KeyParams),
      handler: async (req, _reply, input) => {
        const changes: KeyChanges = { name: input.name, scopes: input.scopes, expire: expiryOf(input.expire) };
        return keyModel(await c.keys.update(projectIdOf(req), req.params.keyId, changes));
      },
    });

    route<IdPath>(app, {
      method: 'DELETE',
      url: '/project/keys/:keyId',
      meta: { scope: 'keys.write' },
      path: KeyPath,
      handler: async (req, reply) => {
        await c.keys.delete(projectIdOf(req), req.params.keyId);
        return reply.code(204).send();
      },
    });
  };
}
