import type { Selectable } from 'kysely';
import type { AuditLogsTable } from '../db/schema.ts';
import type { DomainEvent, EventName } from '../events/events.ts';

export type AuditLogRow = Selectable<AuditLogsTable>;

/** An audit row with its actor's current email and name (null once the actor is gone, or for a key). */
export type AuditLogEntry = AuditLogRow & { actor_email: string | null; actor_name: string | null };

type Params = { userId?: string; sessionId?: string; tokenId?: string } & Record<string, string>;

/**
 * How an event is recorded: Appwrite's audit name (its routes' `audits.event` labels), the resource, and
 * whose log it goes in (the event's userId unless `subject` says otherwise, e.g. a membership's user).
 */
export interface AuditSpec {
  event: string;
  resource: 'user' | 'session' | 'token' | ((params: Params) => string);
  subject?: (e: DomainEvent) => string | undefined;
}

/** The security events recorded. Changes of prefs and messaging targets are not security events and are left out. */
export const AUDITED_EVENTS: Partial<Record<EventName, AuditSpec>> = {
  'users.[userId].create': { event: 'user.create', resource: 'user' },
  'users.[userId].delete': { event: 'user.delete', resource: 'user' },
  'users.[userId].update.name': { event: 'user.update', resource: 'user' },
  'users.[userId].update.email': { event: 'user.update', resource: 'user' },
  'users.[userId].update.phone': { event: 'user.update', resource: 'user' },
  'users.[userId].update.password': { event: 'user.update', resource: 'user' },
  'users.[userId].update.status': { event: 'user.update', resource: 'user' },
  'users.[userId].update.labels': { event: 'user.update', resource: 'user' },
  'users.[userId].update.verification': { event: 'user.update', resource: 'user' },
  'users.[userId].update.mfa': { event: 'user.update', resource: 'user' },
  'users.[userId].update.impersonator': { event: 'user.update', resource: 'user' },
  'users.[userId].sessions.[sessionId].create': { event: 'session.create', resource: 'session' },
  'users.[userId].sessions.[sessionId].update': { event: 'session.update', resource: 'session' },
  'users.[userId].sessions.[sessionId].delete': { event: 'session.delete', resource: 'session' },
  'users.[userId].sessions.delete': { event: 'session.delete', resource: 'user' },
  'users.[userId].tokens.[tokenId].create': { event: 'token.create', resource: 'token' },
  'users.[userId].verification.[tokenId].create': { event: 'verification.create', resource: 'user' },
  'users.[userId].verification.[tokenId].update': { event: 'verification.update', resource: 'user' },
  'users.[userId].recovery.[tokenId].create': { event: 'recovery.create', resource: 'user' },
  'users.[userId].recovery.[tokenId].update': { event: 'recovery.update', resource: 'user' },
  'users.[userId].delete.mfa': { event: 'user.update', resource: 'user' },
  'users.[userId].create.mfa.recovery-codes': { event: 'user.update', resource: 'user' },
  'users.[userId].update.mfa.recovery-codes': { event: 'user.update', resource: 'user' },
  'users.[userId].identities.[identityId].delete': { event: 'identity.delete', resource: (p) => `identity/${p.identityId}` },
  // Membership changes go in the member's log (the payload is the Membership model).
  'teams.[teamId].memberships.[membershipId].create': { event: 'membership.create', resource: membershipResource, subject: memberOf },
  'teams.[teamId].memberships.[membershipId].update': { event: 'membership.update', resource: membershipResource, subject: memberOf },
  'teams.[teamId].memberships.[membershipId].update.status': { event: 'membership.update', resource: membershipResource, subject: memberOf },
  'teams.[teamId].memberships.[membershipId].delete': { event: 'membership.delete', resource: membershipResource, subject: memberOf },
};

function membershipResource(p: Params): string {
  return `team/${p.teamId}/membership/${p.membershipId}`;
}

function memberOf(e: DomainEvent): string | undefined {
  const userId = (e.payload as { userId?: unknown } | undefined)?.userId;
  return typeof userId === 'string' && userId ? userId : undefined;
}

export function resourceOf(spec: AuditSpec, params: Params): string {
  if (typeof spec.resource === 'function') return spec.resource(params);
  return spec.resource === 'session' ? `session/${params.sessionId}` : spec.resource === 'token' ? `token/${params.tokenId}` : `user/${params.userId}`;
}
