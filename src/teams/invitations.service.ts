import type { Db, Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { Emit } from '../events/bus.ts';
import { isUniqueViolation, violatedConstraint } from '../db/database.ts';
import { AppwriteError } from '../errors/errors.ts';
import type { Project } from '../projects/projects.ts';
import { hashSecret } from '../support/secrets.ts';
import { uniqueId } from '../support/ids.ts';
import { findUserById, insertUser } from '../users/users.repository.ts';
import type { UserRow } from '../users/users.ts';
import type { UsersService } from '../users/users.service.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { MessagingService } from '../messaging/messaging.service.ts';
import { findMembershipOf, insertMembership, updateMembership } from './teams.repository.ts';
import type { Actor, TeamsService } from './teams.service.ts';
import { basicMember } from './memberships.service.ts';
import { linkWith } from '../platforms/redirects.ts';
import { membershipModel, membershipSearch, type Membership, type MembershipRow, type TeamRow } from './teams.ts';

export interface InviteInput {
  userId?: string;
  email?: string;
  phone?: string;
  roles: string[];
  url?: string;
  name?: string;
  /** X-Appwrite-Locale of the request, for the invitation's template. */
  locale: string;
}

/** Who is invited: an existing user, or one to create with these contacts. */
type Invitee = { user: UserRow; name: string } | { user: null; email: string | null; phone: string | null; name: string };

/**
 * POST /teams/{teamId}/memberships. An API key adds the member at once (confirmed, nothing sent); a
 * user who owns the team invites: the membership waits unconfirmed and the invitation (a link with a
 * one-time secret) goes out by mail (or SMS when the invitee has no email) through the outbox.
 */
export class InvitationsService {
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private bus: EventBus,
    private teams: TeamsService,
    private users: UsersService,
    private targets: TargetsService,
    private messaging: MessagingService,
  ) {}

  async create(project: Project, teamId: string, input: InviteInput, actor: Actor): Promise<Membership> {
    const direct = actor.key;
    if (!input.url && !direct) throw new AppwriteError('general_argument_invalid', 'URL is required');
    if (!input.userId && !input.email && !input.phone) throw new AppwriteError('general_argument_invalid', 'At least one of userId, email, or phone is required');
    if (!direct) this.messaging.requireEmail(project);
    const team = await this.teams.access(project.id, teamId, actor, 'read');
    const invitee = await this.resolveInvitee(project.id, input);
    if (!invitee.user && !direct) await this.users.assertUserLimit(project);
    if (!(await this.teams.isOwner(project.id, teamId, actor))) {
      throw new AppwriteError('user_unauthorized', 'User is not allowed to send invitations for this team');
    }
    const contact = invitee.user ? { email: invitee.user.email, phone: invitee.user.phone } : invitee;
    // Checked before anything is written (Appwrite checks after, leaving an unsent invitation behind).
    if (!direct && !contact.email && contact.phone) this.messaging.requireSms();
    try {
      const membership = await this.bus.transaction((trx, emit) => this.write(trx, emit, project, team, invitee, input, actor));
      if (!direct) this.messaging.sendSoon();
      return membership;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another request invited the same person at the same moment, or took the new user's contact.
      if (violatedConstraint(err).includes('memberships')) throw new AppwriteError('general_resource_locked');
      throw new AppwriteError('user_already_exists');
    }
  }

  /** Appwrite's order: userId (its contacts must match), else the user with that email, else with that phone. */
  private async resolveInvitee(projectId: string, input: InviteInput): Promise<Invitee> {
    const email = input.email ? input.email.toLowerCase() : '';
    const phone = input.phone ?? '';
    const name = input.name || email;
    if (input.userId) {
      const user = await findUserById(this.db, projectId, input.userId);
      if (!user) throw new AppwriteError('user_not_found', "User with given userId doesn't exist.");
      if (email && (user.email ?? '') !== email) throw new AppwriteError('user_already_exists', "Given userId and email doesn't match");
      if (phone && (user.phone ?? '') !== phone) throw new AppwriteError('user_already_exists', "Given userId and phone doesn't match");
      return { user, name: user.name || name };
    }
    if (email) {
      const user = await this.db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('email', '=', email).executeTakeFirst();
      if (user && phone && (user.phone ?? '') !== phone) throw new AppwriteError('user_already_exists', "Given email and phone doesn't match");
      if (user) return { user, name };
    } else if (phone) {
      const user = await this.db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('phone', '=', phone).executeTakeFirst();
      if (user) return { user, name };
    }
    return { user: null, email: email || null, phone: phone || null, name };
  }

  private async write(trx: Executor, emit: Emit, project: Project, team: TeamRow, invitee: Invitee, input: InviteInput, actor: Actor): Promise<Membership> {
    const now = this.clock.now();
    // A session's invitation that creates a user counts against the user limit (an API key's does not, as Appwrite).
    if (!invitee.user && !actor.key) await this.users.assertUserLimitIn(trx, project);
    const user = invitee.user ?? (await this.newUser(trx, emit, project.id, invitee, now));
    const secret = this.random.bytes(128).toString('hex');
    const row = await this.upsertMembership(trx, project.id, team.id, user.id, input.roles, hashSecret(secret), actor.key, now);
    if (!actor.key) {
      const link = linkWith(input.url!, { membershipId: row.id, userId: user.id, secret, teamId: team.id, teamName: team.name });
      await this.queueInvitation(trx, project, { user, name: invitee.name, team, link, owner: actor.user?.name ?? '', locale: input.locale });
    }
    const membership: Membership = { row, teamName: team.name, member: basicMember(user) };
    emit(event('teams.[teamId].memberships.[membershipId].create', project.id, { teamId: team.id, membershipId: row.id }, membershipModel(membership)));
    return membership;
  }

  /** An unknown invitee becomes a user without a password (they sign in through the invitation). */
  private async newUser(trx: Executor, emit: Emit, projectId: string, invitee: Extract<Invitee, { user: null }>, now: number): Promise<UserRow> {
    const id = uniqueId(this.clock, this.random);
    const row = await insertUser(trx, projectId, { id, email: invitee.email, phone: invitee.phone, name: invitee.name, password: null, passwordSet: false }, now);
    await this.targets.addContactTargetsIn(trx, row);
    emit(event('users.[userId].create', projectId, { userId: id }, row));
    return row;
  }

  /**
   * A new membership, or a pending one invited again: a fresh secret (the old link dies) and invite
   * time; an API key confirms it at once. A confirmed membership cannot be invited again (409).
   */
  private async upsertMembership(trx: Executor, projectId: string, teamId: string, userId: string, roles: string[], secretHash: string, direct: boolean, now: number): Promise<MembershipRow> {
    const existing = await findMembershipOf(trx, projectId, teamId, userId);
    if (existing?.confirm === 1) throw new AppwriteError('membership_already_confirmed');
    const confirmed = direct ? { confirm: 1, joined: now } : {};
    if (existing) {
      const row = await updateMembership(trx, projectId, existing.id, { secret_hash: secretHash, invited: now, updated_at: now, ...confirmed });
      if (!row) throw new AppwriteError('general_resource_locked');
      return row;
    }
    const id = uniqueId(this.clock, this.random);
    return insertMembership(trx, {
      project_id: projectId, id, team_id: teamId, user_id: userId, roles: JSON.stringify(roles), invited: now, joined: null, confirm: 0,
      secret_hash: secretHash, search: membershipSearch(id, userId), created_at: now, updated_at: now, ...confirmed,
    });
  }

  private async queueInvitation(trx: Executor, project: Project, m: { user: UserRow; name: string; team: TeamRow; link: string; owner: string; locale: string }) {
    const variables = { owner: m.owner, user: m.name, team: m.team.name, project: project.name, redirect: m.link };
    if (m.user.email) {
      await this.messaging.queueEmail(trx, project, { templateId: 'invitation', locale: m.locale, to: { email: m.user.email, name: m.user.name }, variables });
    } else if (m.user.phone) {
      // Appwrite's SMS invitation fills the link in as {{token}}.
      await this.messaging.queueSms(trx, project, { templateId: 'invitation', locale: m.locale, to: m.user.phone, variables: { ...variables, token: m.link } });
    }
  }
}
