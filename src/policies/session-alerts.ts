import type { EventBus } from '../events/bus.ts';
import type { DomainEvent } from '../events/events.ts';
import type { Executor } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { Project } from '../projects/projects.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { MessagingService } from '../messaging/messaging.service.ts';
import type { SessionRow } from '../sessions/sessions.ts';
import { parseUserAgent } from '../sessions/user-agent.ts';
import { findUserById } from '../users/users.repository.ts';
import { findProjectById } from '../projects/projects.repository.ts';

const SESSION_CREATE = 'users.[userId].sessions.[sessionId].create';

/**
 * Logins that alert (Appwrite's SessionCreated is sent by email/password, /sessions/token and the
 * magic-URL and phone exchanges); anonymous, OAuth2 and Users API sessions never do.
 */
const ALERTING_PROVIDERS = new Set(['email', 'token', 'magic-url', 'phone']);

export interface SessionAlertDeps {
  projects: Pick<ProjectsService, 'peek'>;
  messaging: Pick<MessagingService, 'canEmail' | 'queueEmail' | 'sendSoon'>;
  clock: Clock;
}

/**
 * The session-alert policy: a `sessionAlert` mail queued in the outbox inside the transaction that
 * creates the session. It applies only to projects with the policy on, so the others keep SQLite's
 * synchronous login path.
 */
export function subscribeSessionAlerts(bus: EventBus, deps: SessionAlertDeps): void {
  // A project not in the cache might have alerts on: the transaction then decides.
  const alertsOn = (_name: string, projectId: string) => deps.projects.peek(projectId)?.settings.auths.sessionAlerts ?? true;
  bus.onTransaction([SESSION_CREATE], (trx, e) => queueAlert(trx, e, deps), alertsOn);
  bus.onCommit([SESSION_CREATE], (e) => {
    if (deps.projects.peek(e.projectId)?.settings.auths.sessionAlerts) deps.messaging.sendSoon();
  });
}

async function queueAlert(trx: Executor, e: DomainEvent, deps: SessionAlertDeps): Promise<void> {
  const session = e.payload as SessionRow | undefined;
  if (!session || !ALERTING_PROVIDERS.has(session.provider)) return;
  // Read inside the transaction: on SQLite a query beside it would wait for the one connection.
  const project = deps.projects.peek(e.projectId) ?? (await findProjectById(trx, e.projectId));
  if (!project?.settings.auths.sessionAlerts || !deps.messaging.canEmail(project)) return;
  // An email code or magic link already proves the mailbox is the user's (Appwrite skips these).
  const factors = JSON.parse(session.factors) as string[];
  if ((session.provider === 'magic-url' || session.provider === 'token') && factors.includes('email')) return;
  const user = await findUserById(trx, e.projectId, session.user_id);
  if (!user?.email) return;
  // The user's first session is no news (counted after this one, and after the session limit).
  if ((await countSessions(trx, e.projectId, user.id)) <= 1) return;
  await deps.messaging.queueEmail(trx, project, {
    templateId: 'sessionAlert',
    locale: 'en',
    to: { email: user.email, name: user.name },
    variables: alertVariables(project, user.name, session, new Date(deps.clock.now())),
  });
}

async function countSessions(trx: Executor, projectId: string, userId: string): Promise<number> {
  const row = await trx
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Appwrite's sessionAlert placeholders (Bus/Listeners/Mails.php). */
function alertVariables(project: Project, userName: string, session: SessionRow, now: Date): Record<string, string> {
  const month = now.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  return {
    user: userName,
    project: project.name,
    device: parseUserAgent(session.user_agent).clientName || session.user_agent || 'UNKNOWN',
    ipAddress: session.ip,
    country: 'Unknown',
    date: `${month} ${now.getUTCDate()}`,
    year: String(now.getUTCFullYear()),
    time: now.toISOString().slice(11, 19),
  };
}
