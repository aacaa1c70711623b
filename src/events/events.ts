/**
 * Domain events: the facts a service publishes after a change, named as Appwrite names them
 * (app/config/events.php; shared/reference/behaviours.md §15). `[x]` is filled from params.x.
 * Subscribers (caches here and in every other process, and later mail, audit log, session alerts
 * and webhooks) react to them; no service calls a subscriber by hand.
 */
type User = { userId: string };
type UserSession = { userId: string; sessionId: string };
type UserToken = { userId: string; tokenId: string };
type UserTarget = { userId: string; targetId: string };

export interface EventParams {
  'users.[userId].create': User;
  'users.[userId].delete': User;
  'users.[userId].update.name': User;
  'users.[userId].update.email': User;
  'users.[userId].update.phone': User;
  'users.[userId].update.password': User;
  'users.[userId].update.prefs': User;
  'users.[userId].update.status': User;
  'users.[userId].update.labels': User;
  'users.[userId].update.verification': User;
  'users.[userId].update.mfa': User;
  'users.[userId].update.impersonator': User;
  'users.[userId].sessions.[sessionId].create': UserSession;
  'users.[userId].sessions.[sessionId].update': UserSession;
  'users.[userId].sessions.[sessionId].delete': UserSession;
  'users.[userId].sessions.delete': User;
  'users.[userId].tokens.[tokenId].create': UserToken;
  'users.[userId].verification.[tokenId].create': UserToken;
  'users.[userId].verification.[tokenId].update': UserToken;
  'users.[userId].recovery.[tokenId].create': UserToken;
  'users.[userId].recovery.[tokenId].update': UserToken;
  'users.[userId].targets.[targetId].create': UserTarget;
  'users.[userId].targets.[targetId].update': UserTarget;
  'users.[userId].targets.[targetId].delete': UserTarget;
  'keys.[keyId].create': { keyId: string };
  'keys.[keyId].update': { keyId: string };
  'keys.[keyId].delete': { keyId: string };
  'platforms.[platformId].create': { platformId: string };
  'platforms.[platformId].update': { platformId: string };
  'platforms.[platformId].delete': { platformId: string };
  'webhooks.[webhookId].create': { webhookId: string };
  'webhooks.[webhookId].update': { webhookId: string };
  'webhooks.[webhookId].delete': { webhookId: string };
  /** Tessera's own: any change to a project's row or settings (policies, auth methods, SMTP…). */
  'projects.[projectId].update': { projectId: string };
  /** Tessera's own: an imported hash became argon2id at login (the cached row holds the old one). */
  'users.[userId].rehash': User;
  /** Tessera's own: the session limit removed a user's oldest sessions while a new one was issued. */
  'users.[userId].sessions.trim': User;
  'users.[userId].delete.mfa': User;
  'users.[userId].create.mfa.recovery-codes': User;
  'users.[userId].update.mfa.recovery-codes': User;
  'users.[userId].challenges.[challengeId].create': { userId: string; challengeId: string };
  'users.[userId].identities.[identityId].delete': { userId: string; identityId: string };
}

export type EventName = keyof EventParams;

export interface DomainEvent<N extends EventName = EventName> {
  name: N;
  projectId: string;
  params: EventParams[N];
  /** The resource as the caller saw it (a model or row); only in the writing process, never sent across. */
  payload?: unknown;
}

/** Events that are Tessera's bookkeeping, not Appwrite events: never delivered to webhooks. */
export const INTERNAL_EVENTS: ReadonlySet<EventName> = new Set(['projects.[projectId].update', 'users.[userId].sessions.trim', 'users.[userId].rehash']);

export function event<N extends EventName>(name: N, projectId: string, params: EventParams[N], payload?: unknown): DomainEvent<N> {
  return payload === undefined ? { name, projectId, params } : { name, projectId, params, payload };
}

type Team = { teamId: string };
type TeamMembership = { teamId: string; membershipId: string };

/** Teams and memberships (behaviours.md §15); payloads are the Team / Membership models. */
export interface EventParams {
  'teams.[teamId].create': Team;
  'teams.[teamId].update': Team;
  'teams.[teamId].update.prefs': Team;
  'teams.[teamId].delete': Team;
  'teams.[teamId].memberships.[membershipId].create': TeamMembership;
  'teams.[teamId].memberships.[membershipId].update': TeamMembership;
  'teams.[teamId].memberships.[membershipId].update.status': TeamMembership;
  'teams.[teamId].memberships.[membershipId].delete': TeamMembership;
}

// Messaging's events (project settings that Appwrite announces), merged into EventParams.
export interface EventParams {
  'mock-phones.[number].create': { number: string };
  'mock-phones.[number].update': { number: string };
  'mock-phones.[number].delete': { number: string };
  'templates.[templateId].update': { templateId: string };
}

/**
 * Who caused an event, for the audit log: a route that knows its caller passes it down with the
 * change. Appwrite's Log.userType names the kinds; `id` is the user's or the key's ('' for a guest).
 */
export interface EventActor {
  type: 'user' | 'guest' | 'keyProject';
  id: string;
  ip: string;
  userAgent: string;
}

// Merged into DomainEvent above: the actor, when the service was told it.
export interface DomainEvent<N extends EventName = EventName> {
  actor?: EventActor;
}
