import type { Insertable, Updateable } from 'kysely';
import type { Executor, MembershipsTable, TeamsTable } from '../db/schema.ts';
import { runList } from '../db/list.ts';
import type { ListQuery } from '../db/list-query.ts';
import { QueryTemplate } from '../db/template.ts';
import type { MemberFields, MembershipRow, TeamRow } from './teams.ts';

// --- Teams ---

export async function insertTeam(db: Executor, row: Insertable<TeamsTable>): Promise<void> {
  await db.insertInto('teams').values(row).execute();
}

export async function findTeam(db: Executor, projectId: string, id: string): Promise<TeamRow | undefined> {
  return db.selectFrom('teams_listed').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function updateTeam(db: Executor, projectId: string, id: string, changes: Updateable<TeamsTable>): Promise<boolean> {
  const res = await db.updateTable('teams').set(changes).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Its memberships go with it (foreign key cascade). */
export async function deleteTeam(db: Executor, projectId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom('teams').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** `memberId`: only the teams that user is a confirmed member of (what a session may read). */
export async function listTeams(db: Executor, projectId: string, o: { query: ListQuery; search?: string; total: boolean; memberId?: string }) {
  const memberId = o.memberId;
  const restrict = memberId === undefined
    ? undefined
    : (eb: any) =>
        eb('id', 'in', eb.selectFrom('memberships').select('team_id').where('project_id', '=', projectId).where('user_id', '=', memberId).where('confirm', '=', 1));
  return runList<TeamRow>(db, { table: 'teams_listed', projectId, query: o.query, search: o.search, total: o.total, restrict });
}

// --- Memberships ---

export async function insertMembership(db: Executor, row: Insertable<MembershipsTable>): Promise<MembershipRow> {
  return db.insertInto('memberships').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findMembership(db: Executor, projectId: string, id: string): Promise<MembershipRow | undefined> {
  return db.selectFrom('memberships').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function findMembershipOf(db: Executor, projectId: string, teamId: string, userId: string): Promise<MembershipRow | undefined> {
  return db
    .selectFrom('memberships')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function updateMembership(db: Executor, projectId: string, id: string, changes: Updateable<MembershipsTable>): Promise<MembershipRow | undefined> {
  return db.updateTable('memberships').set(changes).where('project_id', '=', projectId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteMembership(db: Executor, projectId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom('memberships').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/**
 * Accepts a pending invitation: only the write that still finds it unconfirmed with this secret
 * changes it, so an invitation is accepted once however many requests race. The secret's hash stays,
 * so a replayed link is answered 409 membership_already_confirmed, as Appwrite does.
 */
export const confirmInvitationTemplate = new QueryTemplate(
  ['project_id', 'id', 'secret_hash', 'joined'],
  (db, v: { project_id: string; id: string; secret_hash: string; joined: number }) =>
    db
      .updateTable('memberships')
      .set({ confirm: 1, joined: v.joined, updated_at: v.joined })
      .where('project_id', '=', v.project_id)
      .where('id', '=', v.id)
      .where('confirm', '=', 0)
      .where('secret_hash', '=', v.secret_hash),
);

export function listMemberships(db: Executor, projectId: string, o: { query: ListQuery; search?: string; total: boolean; teamId?: string; userId?: string }) {
  const where: Record<string, string> = {};
  if (o.teamId !== undefined) where.team_id = o.teamId;
  if (o.userId !== undefined) where.user_id = o.userId;
  return runList<MembershipRow>(db, { table: 'memberships', projectId, query: o.query, search: o.search, total: o.total, where });
}

/**
 * A user's memberships, for the roles derived from them (JWT roles claim, permission roles): only
 * confirmed ones grant `team:<id>`, `team:<id>/<role>` and `member:<membershipId>`.
 */
export async function listMembershipsOfUser(db: Executor, projectId: string, userId: string): Promise<{ teamId: string; roles: string[]; confirmed: boolean; membershipId: string }[]> {
  const rows = await db
    .selectFrom('memberships')
    .select(['id', 'team_id', 'roles', 'confirm'])
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ teamId: r.team_id, roles: JSON.parse(r.roles) as string[], confirmed: r.confirm === 1, membershipId: r.id }));
}

/** The roles a user holds in a team as a confirmed member, or null when they are not one. */
export async function confirmedRoles(db: Executor, projectId: string, teamId: string, userId: string): Promise<string[] | null> {
  const row = await db
    .selectFrom('memberships')
    .select('roles')
    .where('project_id', '=', projectId)
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .where('confirm', '=', 1)
    .executeTakeFirst();
  return row ? (JSON.parse(row.roles) as string[]) : null;
}

/** Member fields of these users (at most one page of a list), by user id. */
export async function memberFields(db: Executor, projectId: string, userIds: readonly string[]): Promise<Map<string, MemberFields>> {
  const out = new Map<string, MemberFields>();
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'phone', 'mfa', 'email_verification', 'phone_verification', 'accessed_at'])
    .where('project_id', '=', projectId)
    .where('id', 'in', [...new Set(userIds)])
    .execute();
  // A verified TOTP authenticator counts as a factor too; read only for members with MFA on.
  const mfaUsers = rows.filter((u) => u.mfa === 1).map((u) => u.id);
  const totp = new Set(
    mfaUsers.length === 0
      ? []
      : (await db.selectFrom('mfa_authenticators').select('user_id').where('project_id', '=', projectId).where('user_id', 'in', mfaUsers).where('verified', '=', 1).execute()).map((r) => r.user_id),
  );
  for (const u of rows) {
    // Appwrite's `mfa` on a membership: MFA on and a factor that can answer a challenge.
    const verifiedFactor = totp.has(u.id) || (!!u.email && u.email_verification === 1) || (!!u.phone && u.phone_verification === 1);
    out.set(u.id, {
      userId: u.id,
      userName: u.name,
      userEmail: u.email ?? '',
      userPhone: u.phone ?? '',
      mfa: u.mfa === 1 && verifiedFactor,
      userAccessedAt: u.accessed_at,
    });
  }
  return out;
}

export async function teamNames(db: Executor, projectId: string, teamIds: readonly string[]): Promise<Map<string, string>> {
  if (teamIds.length === 0) return new Map();
  const rows = await db.selectFrom('teams').select(['id', 'name']).where('project_id', '=', projectId).where('id', 'in', [...new Set(teamIds)]).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
