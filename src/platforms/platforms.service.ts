import type { Db } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { ListQuery } from '../db/list-query.ts';
import { isUniqueViolation } from '../db/database.ts';
import { AppwriteError } from '../errors/errors.ts';
import { resolveId } from '../support/ids.ts';
import { toPlatform, updatableAs, type Platform, type PlatformType } from './platforms.ts';
import { deletePlatform, findPlatform, insertPlatform, listPlatforms, updatePlatform } from './platforms.repository.ts';

/** What a create or update sets: `hostname` for web platforms, `key` (the app identifier) for the others. */
export interface PlatformInput {
  type: PlatformType;
  name: string;
  hostname?: string;
  key?: string;
}

/**
 * A project's registered clients. Web hostnames decide which browser origins the project accepts,
 * so every write tells the project caches (here and in other processes) to reload at once.
 */
export class PlatformsService {
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private bus: EventBus,
  ) {}

  async list(projectId: string, query: ListQuery, total: boolean): Promise<{ platforms: Platform[]; total: number }> {
    const res = await listPlatforms(this.db, projectId, query, total);
    return { platforms: res.rows.map(toPlatform), total: res.total };
  }

  async get(projectId: string, id: string): Promise<Platform> {
    const row = await findPlatform(this.db, projectId, id);
    if (!row) throw new AppwriteError('platform_not_found');
    return toPlatform(row);
  }

  async create(projectId: string, id: string, input: PlatformInput): Promise<Platform> {
    const now = this.clock.now();
    const row = {
      project_id: projectId,
      id: resolveId(id, this.clock, this.random),
      type: input.type,
      name: input.name,
      hostname: input.type === 'web' ? (input.hostname ?? '') : '',
      key: input.type === 'web' ? '' : (input.key ?? ''),
      created_at: now,
      updated_at: now,
    };
    const platform = toPlatform({ ...row, seq: 0 });
    try {
      await this.bus.transaction(async (trx, emit) => {
        await insertPlatform(trx, row);
        emit(event('platforms.[platformId].create', projectId, { platformId: row.id }, platform));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('platform_already_exists');
      throw err;
    }
    return platform;
  }

  /** Updating through another type's route is refused (400 platform_method_unsupported). */
  async update(projectId: string, id: string, input: PlatformInput): Promise<Platform> {
    const row = await findPlatform(this.db, projectId, id);
    if (!row) throw new AppwriteError('platform_not_found');
    if (!updatableAs(row.type, input.type)) throw new AppwriteError('platform_method_unsupported');
    const changes = {
      name: input.name,
      ...(input.type === 'web' ? (input.hostname ? { hostname: input.hostname } : {}) : { key: input.key ?? '' }),
      updated_at: this.clock.now(),
    };
    const platform = toPlatform({ ...row, ...changes });
    await this.bus.transaction(async (trx, emit) => {
      if (!(await updatePlatform(trx, projectId, id, changes))) throw new AppwriteError('platform_not_found');
      emit(event('platforms.[platformId].update', projectId, { platformId: id }, platform));
    });
    return platform;
  }

  async delete(projectId: string, id: string): Promise<void> {
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deletePlatform(trx, projectId, id))) throw new AppwriteError('platform_not_found');
      emit(event('platforms.[platformId].delete', projectId, { platformId: id }));
    });
  }
}
