import type { Db } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { ListQuery } from '../db/list-query.ts';
import { isUniqueViolation } from '../db/database.ts';
import { AppwriteError } from '../errors/errors.ts';
import { resolveId, uniqueId } from '../support/ids.ts';
import { confirmedRoles, deleteTeam, findTeam, insertMembership, insertTeam, listTeams, updateTeam } from './teams.repository.ts';
import { membershipSearch, OWNER_ROLE, teamModel, teamSearch, type TeamRow } from './teams.ts';

/**
 * Who acts on a team. An API key acts for the project and skips every team permission; a user
 * (session or JWT) reads only teams they are a confirmed member of and changes them only as `owner`.
 */
export interface Actor {
  key: boolean;
  user: { id: string; name: string } | null;
}

/** What a user may do with a team: read it (confirmed member) or change it (member with `owner`). */
export type TeamAccess = 'read' | 'owner';

export class TeamsService {
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private bus: EventBus,
  ) {}

  /**
   * The team if the actor may `need` it. As Appwrite's document permissions: a user who is no
   * confirmed member cannot see the team (404 team_not_found); a member without `owner` may read
   * but not change it (401 user_unauthorized).
   */
  async access(projectId: string, teamId: string, actor: Actor, need: TeamAccess): Promise<TeamRow> {
    const team = await findTeam(this.db, projectId, teamId);
    if (!team || actor.key) {
      if (!team) throw new AppwriteError('team_not_found');
      return team;
    }
    const roles = actor.user ? await confirmedRoles(this.db, projectId, teamId, actor.user.id) : null;
    if (!roles) throw new AppwriteError('team_not_found');
    if (need === 'owner' && !roles.includes(OWNER_ROLE)) throw new AppwriteError('user_unauthorized');
    return team;
  }

  /** Whether the actor may manage the team's members (API key, or a confirmed `owner`). */
  async isOwner(projectId: string, teamId: string, actor: Actor): Promise<boolean> {
    if (actor.key) return true;
    if (!actor.user) return false;
    return (await confirmedRoles(this.db, projectId, teamId, actor.user.id))?.includes(OWNER_ROLE) ?? false;
  }

  /** A user creating a team becomes its confirmed member with `roles` (plus `owner`); an API key adds no one. */
  async create(projectId: string, teamId: string, name: string, roles: string[], actor: Actor): Promise<TeamRow> {
    const id = resolveId(teamId, this.clock, this.random);
    const now = this.clock.now();
    const creator = actor.key ? null : actor.user;
    try {
      return await this.bus.transaction(async (trx, emit) => {
        await insertTeam(trx, { project_id: projectId, id, name, prefs: '{}', search: teamSearch(id, name), created_at: now, updated_at: now });
        if (creator) {
          const membershipId = uniqueId(this.clock, this.random);
          const memberRoles = roles.includes(OWNER_ROLE) ? roles : [...roles, OWNER_ROLE];
          await insertMembership(trx, {
            project_id: projectId, id: membershipId, team_id: id, user_id: creator.id, roles: JSON.stringify(memberRoles),
            invited: now, joined: now, confirm: 1, secret_hash: '', search: membershipSearch(membershipId, creator.id), created_at: now, updated_at: now,
          });
        }
        const team = (await findTeam(trx, projectId, id))!;
        emit(event('teams.[teamId].create', projectId, { teamId: id }, teamModel(team)));
        return team;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('team_already_exists');
      throw err;
    }
  }

  async list(projectId: string, query: ListQuery, search: string | undefined, total: boolean, actor: Actor) {
    const memberId = actor.key ? undefined : (actor.user?.id ?? '');
    return listTeams(this.db, projectId, { query, search, total, memberId });
  }

  get(projectId: string, teamId: string, actor: Actor): Promise<TeamRow> {
    return this.access(projectId, teamId, actor, 'read');
  }

  async updateName(projectId: string, teamId: string, name: string, actor: Actor): Promise<TeamRow> {
    await this.access(projectId, teamId, actor, 'owner');
    return this.change(projectId, teamId, { name, search: teamSearch(teamId, name) }, 'teams.[teamId].update');
  }

  async updatePrefs(projectId: string, teamId: string, prefs: Record<string, unknown>, actor: Actor): Promise<TeamRow> {
    await this.access(projectId, teamId, actor, 'owner');
    return this.change(projectId, teamId, { prefs: JSON.stringify(prefs) }, 'teams.[teamId].update.prefs');
  }

  private async change(projectId: string, teamId: string, changes: { name?: string; search?: string; prefs?: string }, name: 'teams.[teamId].update' | 'teams.[teamId].update.prefs'): Promise<TeamRow> {
    return this.bus.transaction(async (trx, emit) => {
      if (!(await updateTeam(trx, projectId, teamId, { ...changes, updated_at: this.clock.now() }))) throw new AppwriteError('team_not_found');
      const team = (await findTeam(trx, projectId, teamId))!;
      emit(event(name, projectId, { teamId }, teamModel(team)));
      return team;
    });
  }

  /** Its memberships are deleted with it, in the same transaction. */
  async delete(projectId: string, teamId: string, actor: Actor): Promise<void> {
    const team = await this.access(projectId, teamId, actor, 'owner');
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deleteTeam(trx, projectId, teamId))) throw new AppwriteError('team_not_found');
      emit(event('teams.[teamId].delete', projectId, { teamId }, teamModel(team)));
    });
  }
}
