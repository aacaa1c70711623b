import type { Db } from '../db/schema.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { ListQuery } from '../db/list-query.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { IdentityRow } from './identities.ts';
import { deleteIdentity, findIdentity, listIdentities } from './identities.repository.ts';

/** The provider accounts tied to users (created by OAuth2 logins; read and removed here). */
export class IdentitiesService {
  constructor(
    private db: Db,
    private bus: EventBus,
  ) {}

  list(projectId: string, query: ListQuery, opts: { search?: string; total: boolean; userId?: string }): Promise<{ rows: IdentityRow[]; total: number }> {
    return listIdentities(this.db, projectId, query, opts.search, opts.total, opts.userId);
  }

  /**
   * Removes an identity; its sessions stay. With `ownerId` (the Account API) another user's identity
   * is 401 user_unauthorized: identities are deletable only by their user.
   */
  async delete(projectId: string, identityId: string, ownerId?: string): Promise<void> {
    const row = await findIdentity(this.db, projectId, identityId);
    if (!row) throw new AppwriteError('user_identity_not_found');
    if (ownerId !== undefined && row.user_id !== ownerId) throw new AppwriteError('user_unauthorized');
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deleteIdentity(trx, projectId, identityId))) throw new AppwriteError('user_identity_not_found');
      emit(event('users.[userId].identities.[identityId].delete', projectId, { userId: row.user_id, identityId }));
    });
  }
}
