import type { Updateable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { SessionsTable } from '../db/schema.ts';
import { isForeignKeyViolation } from '../db/database.ts';
import { changedRows, firstRow, insertedSeq, runStepsAsync, runStepsSync, type Steps } from '../db/steps.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { event, type DomainEvent, type EventActor } from '../events/events.ts';
import type { Project } from '../projects/projects.ts';
import type { UserRow } from '../users/users.ts';
import type { TargetRow } from '../targets/targets.ts';
import { listUserTargets } from '../targets/targets.repository.ts';
import { AppwriteError } from '../errors/errors.ts';
import { uniqueId } from '../support/ids.ts';
import { decodeSessionSecret, encodeSessionSecret, hashSecret, safeEqual } from '../support/secrets.ts';
import { findUserById, lockUserTemplate, updateUser } from '../users/users.repository.ts';
import { SessionCache, type CachedCaller } from './session-cache.ts';
import type { NewSession, SessionRow } from './sessions.ts';
import {
  deleteUserSession,
  deleteUserSessions,
  findSessionWithUser,
  findUserSession,
  insertSessionTemplate,
  listUserSessions,
  newestUserSession,
  trimUserSessionsTemplate,
  updateSession,
} from './sessions.repository.ts';

const DAY_MS = 86_400_000;

interface JwtSubjectClaims {
  userId: string;
  sessionId: string;
}

/** A JWT's entry in the session cache; never a SHA-256 hex digest, so never a cookie's key. */
const jwtCacheKey = (projectId: string, claims: JwtSubjectClaims) => `jwt\u0000${projectId}\u0000${claims.userId}\u0000${claims.sessionId}`;

export interface IssuedSession {
  session: SessionRow;
  /** The cookie value: base64 {id, secret}. Never stored. */
  secret: string;
  /** How many of the user's oldest sessions the session limit removed. */
  trimmed: number;
}

export interface IssueOptions {
  /** Trim the user's sessions to the project's limit (logins do; the Users API does not). */
  applyLimit: boolean;
  /** Steps run first in the session's transaction; a throw there rolls everything back. */
  prelude?: () => Steps<void>;
  /** What the prelude changed, published with the session's own events. */
  preludeEvents?: DomainEvent[];
}

const SESSION_CREATE = 'users.[userId].sessions.[sessionId].create';

export class SessionsService {
  constructor(
    private database: Database,
    private clock: Clock,
    private random: Random,
    private bus: EventBus,
    readonly cache: SessionCache,
  ) {}

  /** Resolves a cookie / X-Appwrite-Session value to its live session and user, or null (guest). */
  async authenticate(projectId: string, value: string): Promise<CachedCaller | null> {
    const key = hashSecret(value);
    let hit = this.cache.get(key);
    if (hit && !this.accessDue(hit)) return this.live(hit, projectId) ? hit : null;
    if (!hit) {
      const decoded = decodeSessionSecret(value);
      if (!decoded) return null;
      const hash = hashSecret(decoded.secret);
      const generation = this.cache.generation;
      const found = await findSessionWithUser(this.database.db, projectId, hash);
      if (!found || found.user.id !== decoded.id || !safeEqual(found.session.secret_hash, hash)) return null;
      hit = found;
      // Cached under the hash of the whole value: a later request with the very same value is known
      // to carry this session's secret without decoding or comparing again. Only the value Tessera
      // issued is cached: endless re-encodings of one session (extra JSON keys, spacing) would each
      // take an entry, and a copy of the user with its 64 kB prefs.
      if (value === encodeSessionSecret(decoded.id, decoded.secret)) this.cache.set(key, hit, generation);
    }
    if (!this.live(hit, projectId)) return null;
    await this.refreshAccessedAt(hit);
    return hit;
  }

  /**
   * The answer from the cache alone, synchronously: the caller, or null for a value that can never
   * be a session. undefined means "ask the database" (a miss, or accessedAt is due).
   */
  peek(projectId: string, value: string): CachedCaller | null | undefined {
    const hit = this.cache.get(hashSecret(value));
    if (!hit) return decodeSessionSecret(value) ? undefined : null;
    if (this.accessDue(hit)) return undefined;
    return this.live(hit, projectId) ? hit : null;
  }

  private live({ session }: CachedCaller, projectId: string): boolean {
    return session.project_id === projectId && session.expire > this.clock.now();
  }

  private accessDue(hit: CachedCaller): boolean {
    return hit.user.accessed_at === null || this.clock.now() - hit.user.accessed_at >= DAY_MS;
  }

  /** accessedAt moves at most once a day; the cached copy is updated in place. */
  private async refreshAccessedAt(hit: CachedCaller) {
    if (!this.accessDue(hit)) return;
    const now = this.clock.now();
    hit.user = { ...hit.user, accessed_at: now };
    await updateUser(this.database.db, hit.user.project_id, hit.user.id, { accessed_at: now });
  }

  /**
   * Every login ends here: the session row, and with `applyLimit` the user's oldest sessions beyond
   * the project's limit deleted in the same transaction (after the user row is locked on
   * PostgreSQL), so concurrent logins cannot overshoot the limit. `prelude` runs first in that
   * transaction (a token's consumption). One definition (issueSteps) runs synchronously on an idle
   * SQLite connection, the login hot path, and through Kysely otherwise (db/steps.ts).
   */
  async issueSession(project: Project, user: Pick<UserRow, 'id'>, input: NewSession, opts: IssueOptions): Promise<IssuedSession> {
    const steps = () => this.issueSteps(project, user, input, opts.applyLimit, opts.prelude);
    const eventsOf = (issued: IssuedSession) => [...(opts.preludeEvents ?? []), ...this.issuedEvents(project.id, issued)];
    const sync = this.database.sync;
    try {
      if (sync?.idle() && !this.bus.needsTransaction(SESSION_CREATE, project.id)) {
        const issued = runStepsSync(sync, steps);
        await this.bus.committed(eventsOf(issued));
        return issued;
      }
      return await this.bus.transaction(async (trx, emit) => {
        const issued = await runStepsAsync(trx, steps);
        for (const e of eventsOf(issued)) emit(e);
        return issued;
      });
    } catch (err) {
      // The user was deleted after the caller read it (a create racing a delete).
      if (isForeignKeyViolation(err)) throw new AppwriteError('user_not_found');
      throw err;
    }
  }

  /** A new session, and, when the session limit ended older ones, the trim that drops their cached copies. */
  private issuedEvents(projectId: string, { session, trimmed }: IssuedSession): DomainEvent[] {
    const created = event(SESSION_CREATE, projectId, { userId: session.user_id, sessionId: session.id }, session);
    return trimmed > 0 ? [created, event('users.[userId].sessions.trim', projectId, { userId: session.user_id })] : [created];
  }

  private *issueSteps(project: Project, user: Pick<UserRow, 'id'>, input: NewSession, applyLimit: boolean, prelude?: () => Steps<void>): Steps<IssuedSession> {
    if (this.database.dialect === 'postgres') yield* firstRow(lockUserTemplate, { project_id: project.id, id: user.id });
    if (prelude) yield* prelude();
    const { row, secret } = this.newSession(project, user, input);
    const session: SessionRow = { ...row, seq: yield* insertedSeq(insertSessionTemplate, row) };
    const limit = this.limitFor(project, applyLimit);
    const trimmed = limit > 0 ? yield* changedRows(trimUserSessionsTemplate(limit), { project_id: project.id, user_id: user.id }) : 0;
    return { session, secret, trimmed };
  }

  private limitFor(project: Project, applyLimit: boolean): number {
    return applyLimit ? project.settings.auths.maxSessions : 0;
  }

  private newSession(project: Project, user: Pick<UserRow, 'id'>, input: NewSession): { row: Omit<SessionRow, 'seq'>; secret: string } {
    const now = this.clock.now();
    const secret = this.random.bytes(128).toString('hex');
    const row = {
      project_id: project.id,
      id: uniqueId(this.clock, this.random),
      user_id: user.id,
      secret_hash: hashSecret(secret),
      provider: input.provider,
      provider_uid: input.providerUid ?? '',
      provider_access_token: input.providerAccessToken ?? '',
      provider_refresh_token: input.providerRefreshToken ?? '',
      provider_access_token_expiry: input.providerAccessTokenExpiry ?? null,
      ip: input.ip,
      user_agent: input.userAgent,
      country_code: '--',
      factors: JSON.stringify(input.factors),
      mfa_updated_at: null,
      expire: now + project.settings.auths.duration * 1000,
      created_at: now,
      updated_at: now,
    };
    return { row, secret: encodeSessionSecret(user.id, secret) };
  }

  list(projectId: string, userId: string): Promise<SessionRow[]> {
    return listUserSessions(this.database.db, projectId, userId);
  }

  /**
   * The user a verified account JWT stands for, with its session when the JWT names one. A JWT whose
   * user or session is gone (or whose session expired) stands for nobody: the caller is a guest.
   */
  async resolveJwt(projectId: string, claims: JwtSubjectClaims): Promise<{ user: UserRow; session: SessionRow | null; targets: readonly TargetRow[] | null } | null> {
    const known = this.peekJwt(projectId, claims);
    if (known !== undefined) return known;
    const generation = this.cache.generation;
    const db = this.database.db;
    const user = await findUserById(db, projectId, claims.userId);
    if (!user) return null;
    if (!claims.sessionId) return { user, session: null, targets: null };
    const session = await findUserSession(db, projectId, claims.userId, claims.sessionId);
    if (!session) return null;
    const entry: CachedCaller = { session, user, targets: await listUserTargets(db, projectId, user.id) };
    this.cache.set(jwtCacheKey(projectId, claims), entry, generation);
    return this.live(entry, projectId) ? entry : null;
  }

  /**
   * A JWT's session and user from the session cache, synchronously: the entry, null for a session
   * that expired, undefined to ask the database. Kept in the same cache as the cookies' entries, so
   * the same events (session deleted, user blocked, password changed…) drop it in every process.
   */
  peekJwt(projectId: string, claims: JwtSubjectClaims): CachedCaller | null | undefined {
    if (!claims.sessionId) return undefined;
    const hit = this.cache.get(jwtCacheKey(projectId, claims));
    if (!hit) return undefined;
    return this.live(hit, projectId) ? hit : null;
  }

  newest(projectId: string, userId: string): Promise<SessionRow | undefined> {
    return newestUserSession(this.database.db, projectId, userId);
  }

  async get(projectId: string, userId: string, sessionId: string): Promise<SessionRow> {
    const s = await findUserSession(this.database.db, projectId, userId, sessionId);
    if (!s) throw new AppwriteError('user_session_not_found');
    return s;
  }

  async delete(projectId: string, userId: string, sessionId: string, actor?: EventActor): Promise<void> {
    await this.bus.transaction(async (trx, emit) => {
      const deleted = await deleteUserSession(trx, projectId, userId, sessionId);
      if (!deleted) throw new AppwriteError('user_session_not_found');
      emit({ ...event('users.[userId].sessions.[sessionId].delete', projectId, { userId, sessionId }, deleted), actor });
    });
  }

  async deleteAll(projectId: string, userId: string, exceptId?: string, actor?: EventActor): Promise<void> {
    await this.bus.transaction(async (trx, emit) => {
      await deleteUserSessions(trx, projectId, userId, exceptId);
      emit({ ...event('users.[userId].sessions.delete', projectId, { userId }), actor });
    });
  }

  /**
   * PATCH /account/sessions/{id}: the session lives another full duration from now. `changes` are
   * written with it (an OAuth2 session's refreshed provider tokens).
   */
  async extend(project: Project, userId: string, sessionId: string, changes: Updateable<SessionsTable> = {}): Promise<SessionRow> {
    await this.get(project.id, userId, sessionId);
    const now = this.clock.now();
    return this.bus.transaction(async (trx, emit) => {
      const s = await updateSession(trx, project.id, sessionId, { ...changes, expire: now + project.settings.auths.duration * 1000, updated_at: now });
      if (!s) throw new AppwriteError('user_session_not_found');
      emit(event('users.[userId].sessions.[sessionId].update', project.id, { userId, sessionId }, s));
      return s;
    });
  }
}
