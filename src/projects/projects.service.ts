import type { Database } from '../db/database.ts';
import type { Db, Executor } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import { isUniqueViolation } from '../db/database.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import { DEFAULT_AUTHS, type Project, type ProjectSettings } from './projects.ts';
import { findProjectById, insertProject, lockProjectSettings, updateProjectRow } from './projects.repository.ts';

const PROJECT_TTL_MS = 5_000;

export class ProjectsService {
  private cache = new Map<string, { project: Project; at: number }>();

  constructor(
    private db: Db,
    private clock: Clock,
    private bus: EventBus,
    private dialect: Database['dialect'],
  ) {
    // Platforms decide the origins a project admits; settings its policies.
    const changes = ['projects.[projectId].update', 'platforms.[platformId].create', 'platforms.[platformId].update', 'platforms.[platformId].delete'] as const;
    bus.onCommitEverywhere(changes, (e) => this.cache.delete(e.projectId));
    bus.onReset(() => this.cache.clear());
  }

  /** Projects are read on every request; a short-lived per-process copy keeps that off the database. */
  async get(id: string): Promise<Project | null> {
    const cached = this.peek(id);
    if (cached) return cached;
    const project = await findProjectById(this.db, id);
    if (project) this.cache.set(id, { project, at: this.clock.now() });
    else this.cache.delete(id);
    return project;
  }

  /** The cached project if it is fresh, without touching the database (the hot path's first try). */
  peek(id: string): Project | undefined {
    const hit = this.cache.get(id);
    return hit && this.clock.now() - hit.at < PROJECT_TTL_MS ? hit.project : undefined;
  }

  /** `db`: a transaction to create the project in (first start makes it with its key). */
  async create(id: string, name: string, db: Executor = this.db): Promise<Project> {
    const now = this.clock.now();
    try {
      await insertProject(db, { id, name, settings: { auths: { ...DEFAULT_AUTHS } }, now });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('project_already_exists');
      throw err;
    }
    return (await findProjectById(db, id))!;
  }

  /**
   * Changes the project's settings: `change` gets the stored settings (locked for the transaction, so
   * two concurrent updates of different policies both land) and returns the new ones; it may throw an
   * AppwriteError to refuse. Every process drops its cached project when this commits.
   */
  async updateSettings(id: string, change: (settings: ProjectSettings) => ProjectSettings): Promise<Project> {
    await this.bus.transaction(async (trx, emit) => {
      const settings = await lockProjectSettings(trx, id, this.dialect);
      if (!settings) throw new AppwriteError('project_not_found');
      await updateProjectRow(trx, id, { settings: change(structuredClone(settings)), now: this.clock.now() });
      emit(event('projects.[projectId].update', id, { projectId: id }));
    });
    this.cache.delete(id);
    return (await findProjectById(this.db, id))!;
  }
}
