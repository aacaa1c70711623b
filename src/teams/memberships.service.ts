import type { Db, Executor } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { event, type DomainEvent } from '../events/events.ts';
import type { ListQuery } from '../db/list-query.ts';
import { changedRows, runStepsAsync, type Steps } from '../db/steps.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { Project } from '../projects/projects.ts';
import { hashSecret, safeEqual } from '../support/secrets.ts';
import { findUserById, markVerifiedTemplates } from '../users/users.repository.ts';
import type { UserRow } from '../users/users.ts';
import type { IssuedSession, SessionsService } from '../sessions/sessions.service.ts';
import type { ClientInfo } from '../sessions/logins.service.ts';
import {
  confirmInvitationTemplate, deleteMembership, findMembership, findTeam, listMemberships, memberFields, teamNames, updateMembership,
} from './teams.repository.ts';
import type { Actor, TeamsService } from './teams.service.ts';
import { EVERYTHING_VISIBLE, filterMember, membershipModel, privacyOf, type MemberFields, type Membership, type MembershipRow } from './teams.ts';

/** The member fields the write routes answer with: name and email only (Appwrite fills no more there). */
export function basicMember(user: Pick<UserRow, 'id' | 'name' | 'email'>): MemberFields {
  return { userId: user.id, userName: user.name, userEmail: user.email ?? '', userPhone: '', mfa: false, userAccessedAt: null };
}

/** Reading, changing, accepting and ending memberships (invitations are in invitations.service.ts). */
export class MembershipsService {
  constructor(
    private db: Db,
    private clock: Clock,
    private bus: EventBus,
    private teams: TeamsService,
    private sessions: SessionsService,
  ) {}

  /** A team's memberships; non-key callers see member fields only as the privacy policy allows. */
  async listOfTeam(project: Project, teamId: string, query: ListQuery, search: string | undefined, total: boolean, actor: Actor) {
    const team = await this.teams.access(project.id, teamId, actor, 'read');
    const res = await listMemberships(this.db, project.id, { query, search, total, teamId });
    const memberships = await this.shown(project, res.rows, () => team.name, actor);
    return { memberships, total: res.total };
  }

  async get(project: Project, teamId: string, membershipId: string, actor: Actor): Promise<Membership> {
    const team = await this.teams.access(project.id, teamId, actor, 'read');
    const row = await findMembership(this.db, project.id, membershipId);
    if (!row) throw new AppwriteError('membership_not_found');
    if (row.team_id !== teamId) throw new AppwriteError('team_membership_mismatch');
    return (await this.shown(project, [row], () => team.name, actor))[0];
  }

  /** Users API: a user's memberships. As Appwrite, `total` counts the page returned. */
  async listOfUser(projectId: string, userId: string, query: ListQuery, search: string | undefined, total: boolean) {
    const user = await findUserById(this.db, projectId, userId);
    if (!user) throw new AppwriteError('user_not_found');
    const res = await listMemberships(this.db, projectId, { query, search, total: false, userId });
    const names = await teamNames(this.db, projectId, res.rows.map((r) => r.team_id));
    const memberships = res.rows.map((row) => ({ row, teamName: names.get(row.team_id) ?? '', member: basicMember(user) }));
    return { memberships, total: total ? memberships.length : 0 };
  }

  private async shown(project: Project, rows: MembershipRow[], teamName: (row: MembershipRow) => string, actor: Actor): Promise<Membership[]> {
    const privacy = actor.key ? EVERYTHING_VISIBLE : privacyOf(project.settings.auths);
    const anyVisible = Object.values(privacy).some(Boolean);
    const fields = anyVisible ? await memberFields(this.db, project.id, rows.map((r) => r.user_id)) : new Map<string, MemberFields>();
    return rows.map((row) => {
      const member = fields.get(row.user_id) ?? { ...basicMember({ id: row.user_id, name: '', email: null }) };
      return { row, teamName: teamName(row), member: filterMember(member, privacy) };
    });
  }

  /** Only an owner (or an API key) changes roles, its own included. */
  async updateRoles(projectId: string, teamId: string, membershipId: string, roles: string[], actor: Actor): Promise<Membership> {
    const team = await this.teams.access(projectId, teamId, actor, 'read');
    const { row, user } = await this.membershipOf(projectId, teamId, membershipId, 'membership_not_found');
    if (!(await this.teams.isOwner(projectId, teamId, actor))) throw new AppwriteError('user_unauthorized', 'User is not allowed to modify roles');
    const updated = await this.bus.transaction(async (trx, emit) => {
      const m = await updateMembership(trx, projectId, row.id, { roles: JSON.stringify(roles), updated_at: this.clock.now() });
      if (!m) throw new AppwriteError('membership_not_found');
      const model = { row: m, teamName: team.name, member: basicMember(user) };
      emit(event('teams.[teamId].memberships.[membershipId].update', projectId, { teamId, membershipId }, membershipModel(model)));
      return model;
    });
    return updated;
  }

  /** The member themself may leave; an owner (or an API key) may remove anyone. */
  async delete(projectId: string, teamId: string, membershipId: string, actor: Actor): Promise<void> {
    const row = await findMembership(this.db, projectId, membershipId);
    if (!row) throw new AppwriteError('team_invite_not_found');
    const user = await findUserById(this.db, projectId, row.user_id);
    if (!user) throw new AppwriteError('user_not_found');
    const team = await this.teams.access(projectId, teamId, actor, 'read');
    if (row.team_id !== teamId) throw new AppwriteError('team_membership_mismatch');
    const self = !actor.key && actor.user?.id === row.user_id;
    if (!self && !(await this.teams.isOwner(projectId, teamId, actor))) throw new AppwriteError('user_unauthorized');
    await this.bus.transaction(async (trx, emit) => {
      if (!(await deleteMembership(trx, projectId, membershipId))) throw new AppwriteError('team_invite_not_found');
      const model = membershipModel({ row, teamName: team.name, member: basicMember(user) });
      emit(event('teams.[teamId].memberships.[membershipId].delete', projectId, { teamId, membershipId }, model));
    });
  }

  private async membershipOf(projectId: string, teamId: string, membershipId: string, missing: 'membership_not_found' | 'team_invite_not_found') {
    const row = await findMembership(this.db, projectId, membershipId);
    if (!row) throw new AppwriteError(missing);
    if (row.team_id !== teamId) throw new AppwriteError('team_membership_mismatch');
    const user = await findUserById(this.db, projectId, row.user_id);
    if (!user) throw new AppwriteError('user_not_found');
    return { row, user };
  }

  /**
   * Accepts an invitation with the secret from its link, in Appwrite's order of checks. The invitee's
   * email counts as verified (the link reached it). A caller without a session gets one, created in
   * the same transaction as the acceptance.
   */
  async accept(project: Project, teamId: string, membershipId: string, userId: string, secret: string, signedIn: UserRow | null, client: ClientInfo): Promise<{ membership: Membership; issued: IssuedSession | null }> {
    const row = await findMembership(this.db, project.id, membershipId);
    if (!row) throw new AppwriteError('membership_not_found');
    const team = await findTeam(this.db, project.id, teamId);
    if (!team) throw new AppwriteError('team_not_found');
    if (row.team_id !== teamId) throw new AppwriteError('team_membership_mismatch');
    const hash = hashSecret(secret);
    if (!row.secret_hash || !safeEqual(row.secret_hash, hash)) throw new AppwriteError('team_invalid_secret');
    if (userId !== row.user_id || (signedIn && signedIn.id !== row.user_id)) throw new AppwriteError('team_invite_mismatch');
    const user = signedIn ?? (await findUserById(this.db, project.id, userId));
    if (!user) throw new AppwriteError('team_invite_mismatch');
    if (row.confirm === 1) throw new AppwriteError('membership_already_confirmed');

    const now = this.clock.now();
    const accepted: Membership = { row: { ...row, confirm: 1, joined: now, updated_at: now }, teamName: team.name, member: basicMember(user) };
    const events: DomainEvent[] = [
      event('teams.[teamId].memberships.[membershipId].update.status', project.id, { teamId, membershipId }, membershipModel(accepted)),
      event('users.[userId].update.verification', project.id, { userId }),
    ];
    const steps = () => acceptSteps(project.id, row.id, userId, hash, now);
    if (signedIn) {
      await this.bus.transaction(async (trx: Executor, emit) => {
        await runStepsAsync(trx, steps);
        for (const e of events) emit(e);
      });
      return { membership: accepted, issued: null };
    }
    const input = { userId, provider: 'email' as const, providerUid: user.email ?? '', factors: ['email'], ...client };
    const issued = await this.sessions.issueSession(project, user, input, { applyLimit: false, prelude: steps, preludeEvents: events });
    return { membership: accepted, issued };
  }
}

/** The acceptance's writes: the conditional confirm (only one racing request wins), then the email verified. */
function* acceptSteps(projectId: string, membershipId: string, userId: string, secretHash: string, now: number): Steps<void> {
  const confirmed = yield* changedRows(confirmInvitationTemplate, { project_id: projectId, id: membershipId, secret_hash: secretHash, joined: now });
  if (!confirmed) throw new AppwriteError('membership_already_confirmed');
  yield* changedRows(markVerifiedTemplates.email_verification, { project_id: projectId, id: userId, updated_at: now });
}
