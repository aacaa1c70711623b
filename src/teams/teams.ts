import type { Selectable } from 'kysely';
import type { MembershipsTable, TeamsListedView } from '../db/schema.ts';
import type { AttributeMap } from '../db/list-query.ts';
import type { AuthSettings } from '../projects/projects.ts';
import { formatDate } from '../support/clock.ts';
import { prefsObject } from '../schemas/models.ts';

/** A team as read through the `teams_listed` view: `total` counts its confirmed members. */
export type TeamRow = Selectable<TeamsListedView>;
export type MembershipRow = Selectable<MembershipsTable>;

/** What a Membership model shows of its member (read from the user row when needed). */
export interface MemberFields {
  userId: string;
  userName: string;
  userEmail: string;
  userPhone: string;
  mfa: boolean;
  userAccessedAt: number | null;
}

/** A membership with the names the model shows beside its ids. */
export interface Membership {
  row: MembershipRow;
  teamName: string;
  member: MemberFields;
}

/** Appwrite's Queries\Teams allowed attributes. */
export const TEAM_ATTRIBUTES: AttributeMap = {
  name: { column: 'name', type: 'string' },
  total: { column: 'total', type: 'int' },
  billingPlan: { column: 'billing_plan', type: 'string' },
};

/** Appwrite's Queries\Memberships allowed attributes. */
export const MEMBERSHIP_ATTRIBUTES: AttributeMap = {
  userId: { column: 'user_id', type: 'string' },
  teamId: { column: 'team_id', type: 'string' },
  invited: { column: 'invited', type: 'date' },
  joined: { column: 'joined', type: 'date' },
  confirm: { column: 'confirm', type: 'bool' },
  roles: { column: 'roles', type: 'array' },
};

export const OWNER_ROLE = 'owner';

export function rolesOf(row: Pick<MembershipRow, 'roles'>): string[] {
  return JSON.parse(row.roles) as string[];
}

/** The text the `search` param matches: teams by id and name, memberships by id and user id. */
export function teamSearch(id: string, name: string): string {
  return `${id} ${name}`.toLowerCase();
}

export function membershipSearch(id: string, userId: string): string {
  return `${id} ${userId}`.toLowerCase();
}

export function teamModel(t: TeamRow) {
  return {
    $id: t.id,
    $createdAt: formatDate(t.created_at),
    $updatedAt: formatDate(t.updated_at),
    name: t.name,
    total: Number(t.total),
    prefs: prefsObject(t.prefs),
  };
}

export function membershipModel(m: Membership) {
  const { row, member } = m;
  return {
    $id: row.id,
    $createdAt: formatDate(row.created_at),
    $updatedAt: formatDate(row.updated_at),
    userId: member.userId,
    userName: member.userName,
    userEmail: member.userEmail,
    userPhone: member.userPhone,
    teamId: row.team_id,
    teamName: m.teamName,
    invited: formatDate(row.invited),
    joined: formatDate(row.joined),
    confirm: row.confirm === 1,
    mfa: member.mfa,
    userAccessedAt: formatDate(member.userAccessedAt),
    roles: rolesOf(row),
  };
}

/** Which member fields a caller may see (true = visible); API keys see all. */
export interface MembershipPrivacy {
  userId: boolean;
  userName: boolean;
  userEmail: boolean;
  userPhone: boolean;
  mfa: boolean;
  userAccessedAt: boolean;
}

export const EVERYTHING_VISIBLE: MembershipPrivacy = { userId: true, userName: true, userEmail: true, userPhone: true, mfa: true, userAccessedAt: true };

export function privacyOf(auths: AuthSettings): MembershipPrivacy {
  return {
    userId: auths.membershipsUserId,
    userName: auths.membershipsUserName,
    userEmail: auths.membershipsUserEmail,
    userPhone: auths.membershipsUserPhone,
    mfa: auths.membershipsMfa,
    userAccessedAt: auths.membershipsUserAccessedAt,
  };
}

/** Hidden fields read as Appwrite's defaults: "" for strings, false for mfa, "" for the date. */
export function filterMember(member: MemberFields, privacy: MembershipPrivacy): MemberFields {
  return {
    userId: privacy.userId ? member.userId : '',
    userName: privacy.userName ? member.userName : '',
    userEmail: privacy.userEmail ? member.userEmail : '',
    userPhone: privacy.userPhone ? member.userPhone : '',
    mfa: privacy.mfa ? member.mfa : false,
    userAccessedAt: privacy.userAccessedAt ? member.userAccessedAt : null,
  };
}

/** Membership privacy: policy param → the project's `auths` key (Appwrite's names), in the model's order. */
export const MEMBERSHIP_PRIVACY_KEYS = {
  userId: 'membershipsUserId',
  userEmail: 'membershipsUserEmail',
  userPhone: 'membershipsUserPhone',
  userName: 'membershipsUserName',
  userMFA: 'membershipsMfa',
  userAccessedAt: 'membershipsUserAccessedAt',
} as const satisfies Record<string, keyof AuthSettings>;
export type MembershipPrivacyParam = keyof typeof MEMBERSHIP_PRIVACY_KEYS;

/** PolicyMembershipPrivacy (GET /project/policies/membership-privacy). */
export function membershipPrivacyPolicyModel(auths: AuthSettings) {
  const visible = Object.fromEntries(Object.entries(MEMBERSHIP_PRIVACY_KEYS).map(([param, key]) => [param, auths[key]]));
  return { $id: 'membership-privacy' as const, ...(visible as Record<MembershipPrivacyParam, boolean>) };
}
