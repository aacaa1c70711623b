import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { route } from '../http/route.ts';
import { me, projectIdOf } from '../http/caller.ts';
import { parseQueries, wantsTotal, type AttributeMap } from '../http/queries.ts';
import { P, T } from '../schemas/params.ts';
import { listModel } from '../schemas/models.ts';
import { formatDate } from '../support/clock.ts';
import { openToken, type IdentityRow } from './identities.ts';
import type { Sealer } from '../support/sealing.ts';

/** Appwrite's Queries\Identities allowed attributes. */
const IDENTITY_ATTRIBUTES: AttributeMap = {
  userId: { column: 'user_id', type: 'string' },
  provider: { column: 'provider', type: 'string' },
  providerUid: { column: 'provider_uid', type: 'string' },
  providerEmail: { column: 'provider_email', type: 'string' },
  providerAccessTokenExpiry: { column: 'provider_access_token_expiry', type: 'date' },
};

const IdentityPath = T.Object({ identityId: P.uid() });
const ListParams = T.Object({ queries: P.opt(P.array(T.String(), 100)), total: P.opt(P.bool()) });

/** Identity model; provider tokens are returned (Appwrite does not mark them sensitive). */
export function identityModel(sealer: Sealer, row: IdentityRow) {
  return {
    $id: row.id,
    $createdAt: formatDate(row.created_at),
    $updatedAt: formatDate(row.updated_at),
    userId: row.user_id,
    provider: row.provider,
    providerUid: row.provider_uid,
    providerEmail: row.provider_email,
    providerAccessToken: openToken(sealer, row.project_id, row.user_id, row.provider_access_token),
    providerAccessTokenExpiry: formatDate(row.provider_access_token_expiry),
    providerRefreshToken: openToken(sealer, row.project_id, row.user_id, row.provider_refresh_token),
  };
}

export function identityRoutes(c: Pick<Container, 'identities' | 'sealer'>) {
  return async (app: FastifyInstance) => {
    route<{}, { queries?: string[]; total?: boolean }>(app, {
      method: 'GET',
      url: '/account/identities',
      meta: { scope: 'account' },
      params: ListParams,
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, IDENTITY_ATTRIBUTES);
        const { rows, total } = await c.identities.list(projectIdOf(req), query, { total: wantsTotal(input.total), userId: me(req).id });
        return listModel('identities', total, rows.map((r) => identityModel(c.sealer, r)));
      },
    });

    route<{ identityId: string }>(app, {
      method: 'DELETE',
      url: '/account/identities/:identityId',
      meta: { scope: 'account' },
      path: IdentityPath,
      handler: async (req, reply) => {
        await c.identities.delete(projectIdOf(req), req.params.identityId, me(req).id);
        return reply.code(204).send();
      },
    });

    route<{}, { queries?: string[]; search?: string; total?: boolean }>(app, {
      method: 'GET',
      url: '/users/identities',
      meta: { scope: 'users.read' },
      params: T.Object({ queries: P.opt(P.array(T.String(), 100)), search: P.opt(P.text(256)), total: P.opt(P.bool()) }),
      handler: async (req, _reply, input) => {
        const query = parseQueries(input.queries, IDENTITY_ATTRIBUTES);
        const { rows, total } = await c.identities.list(projectIdOf(req), query, { search: input.search || undefined, total: wantsTotal(input.total) });
        return listModel('identities', total, rows.map((r) => identityModel(c.sealer, r)));
      },
    });

    route<{ identityId: string }>(app, {
      method: 'DELETE',
      url: '/users/identities/:identityId',
      meta: { scope: 'users.write' },
      path: IdentityPath,
      handler: async (req, reply) => {
        await c.identities.delete(projectIdOf(req), req.params.identityId);
        return reply.code(204).send();
      },
    });
  };
}
