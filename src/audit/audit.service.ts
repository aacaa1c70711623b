import type { Logger } from 'pino';
import type { Db } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import type { DomainEvent, EventActor, EventName } from '../events/events.ts';
import type { SessionRow } from '../sessions/sessions.ts';
import { uniqueId } from '../support/ids.ts';
import { AUDITED_EVENTS, resourceOf, type AuditLogEntry, type AuditLogRow } from './audit.ts';
import { countUserAuditLogs, deleteAuditLogsBefore, insertAuditLogs, listUserAuditLogs } from './audit.repository.ts';

const DAY_MS = 86_400_000;
const NOBODY: EventActor = { type: 'guest', id: '', ip: '', userAgent: '' };

/**
 * The audit log: security events recorded from domain events, served as Appwrite's Log model.
 *
 * Entries are written after the change commits (onCommit), not inside its transaction: as Appwrite's
 * audits (queued to a worker after the response), an entry is evidence, not part of the change, and
 * a transactional subscriber on session creation would take every login off SQLite's synchronous
 * path. The price: a crash between a commit and its entry's insert loses that entry.
 */
export class AuditService {
  /** Entries of this tick, written together: under load many logins share one insert. */
  private pending: Omit<AuditLogRow, 'seq'>[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private logger: Logger,
    private retentionDays: number,
  ) {}

  subscribe(bus: EventBus): void {
    bus.onCommit(Object.keys(AUDITED_EVENTS) as EventName[], (e) => this.record(e));
  }

  private record(e: DomainEvent): void {
    const row = this.rowOf(e);
    if (!row) return;
    this.pending.push(row);
    this.flushing ??= new Promise((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Writes the entries recorded so far (the server's close awaits it). */
  async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    this.flushing = null;
    // Bounded statements: a burst of thousands of entries is written in slices.
    for (let i = 0; i < rows.length; i += 500) {
      await insertAuditLogs(this.db, rows.slice(i, i + 500)).catch((err) => this.logger.error({ err, lost: rows.length - i }, 'audit log entries lost'));
    }
  }

  /** The entry for an event; only ids, names, addresses and agents: never a secret from the payload. */
  rowOf(e: DomainEvent): Omit<AuditLogRow, 'seq'> | null {
    const spec = AUDITED_EVENTS[e.name];
    if (!spec) return null;
    const params = e.params as Parameters<typeof resourceOf>[1];
    const userId = spec.subject ? spec.subject(e) : params.userId;
    if (!userId) return null;
    const actor = e.actor ?? sessionActor(e) ?? NOBODY;
    return {
      project_id: e.projectId,
      id: uniqueId(this.clock, this.random),
      user_id: userId,
      event: spec.event,
      domain_event: e.name,
      resource: resourceOf(spec, params),
      ip: actor.ip,
      user_agent: actor.userAgent.slice(0, 1024),
      actor_type: actor.type,
      actor_id: actor.id,
      mode: actor.type === 'keyProject' ? 'admin' : 'default',
      created_at: this.clock.now(),
    };
  }

  async list(projectId: string, userId: string, page: { limit: number; offset: number }, includeTotal: boolean): Promise<{ entries: AuditLogEntry[]; total: number }> {
    const [entries, total] = await Promise.all([
      listUserAuditLogs(this.db, projectId, userId, page.limit, page.offset),
      includeTotal ? countUserAuditLogs(this.db, projectId, userId) : 0,
    ]);
    return { entries, total };
  }

  /** Removes up to `batch` entries past the retention period (the maintenance job repeats it); returns how many went. */
  pruneBatch(batch: number): Promise<number> {
    return deleteAuditLogsBefore(this.db, this.clock.now() - this.retentionDays * DAY_MS, batch);
  }
}

/** A login's actor is in its session row: the user, from the address that logged in (the Users API: a key). */
function sessionActor(e: DomainEvent): EventActor | null {
  if (e.name !== 'users.[userId].sessions.[sessionId].create') return null;
  const s = e.payload as SessionRow | undefined;
  if (!s) return null;
  return s.provider === 'server' ? { type: 'keyProject', id: '', ip: s.ip, userAgent: s.user_agent } : { type: 'user', id: s.user_id, ip: s.ip, userAgent: s.user_agent };
}
