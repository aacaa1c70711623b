import type { EventBus } from '../events/bus.ts';
import type { EventName } from '../events/events.ts';
import type { EventRelay } from '../events/relay.ts';
import type { Clock } from '../support/clock.ts';
import type { SessionRow } from './sessions.ts';
import type { UserRow } from '../users/users.ts';
import type { TargetRow } from '../targets/targets.ts';

export interface CachedCaller {
  /** When this copy was read from the database (the clock's ms). */
  readAt?: number;
  session: SessionRow;
  user: UserRow;
  /** The user's messaging targets, read with the user: GET /account answers from here. */
  targets: readonly TargetRow[];
}

/** The events that leave a user's cached callers as they were: nothing to drop. */
const KEEPS_CALLERS: ReadonlySet<EventName> = new Set<EventName>([
  'users.[userId].create',
  'users.[userId].sessions.[sessionId].create',
  'users.[userId].tokens.[tokenId].create',
  'users.[userId].verification.[tokenId].create',
  'users.[userId].recovery.[tokenId].create',
]);

/**
 * How long a cached caller is served before its rows are read again. Every change is relayed to
 * every process inside its own transaction, so this only bounds what a lost message (a bug, a
 * write made around Tessera) could leave standing.
 */
export const SESSION_CACHE_MAX_AGE_MS = 30_000;

/**
 * Bounded per-process map from the SHA-256 of a session value (cookie or header) to its session and
 * user, so that checking a session skips the database on a warm hit. It subscribes to the domain
 * events: any event about a user but those in KEEPS_CALLERS drops that user's entries, here and,
 * through the relay, in every other process.
 */
export class SessionCache {
  private byHash = new Map<string, CachedCaller>();
  private hashesByUser = new Map<string, Set<string>>();
  private invalidations = 0;
  private bytes = 0;

  /**
   * `limit` entries and about `maxBytes` held: a user's prefs may be 64 kB (kept twice: the row, and
   * GET /account's serialised body), so a count alone would let 50,000 such sessions fill the heap.
   */
  constructor(
    bus: EventBus,
    private readonly relay: Pick<EventRelay, 'live'>,
    private readonly clock: Clock,
    private readonly limit = 50_000,
    readonly maxBytes = 256 * 1024 * 1024,
    readonly maxAgeMs = SESSION_CACHE_MAX_AGE_MS,
  ) {
    bus.onCommitEverywhere('*', (e) => {
      if (KEEPS_CALLERS.has(e.name)) return;
      const userId = (e.params as { userId?: string }).userId;
      if (userId !== undefined) this.dropUser(e.projectId, userId);
      else if (e.name === 'projects.[projectId].update') this.dropProject(e.projectId);
    });
    bus.onReset(() => this.clear());
  }

  /**
   * Take this before reading a session from the database and pass it to set(): a read that an
   * invalidation overtook may hold a revoked session and is not cached.
   */
  get generation(): number {
    return this.invalidations;
  }

  /**
   * Nothing is served while other processes' events could be missed (LISTEN connection down), nor
   * past its age.
   */
  get(hash: string): CachedCaller | undefined {
    if (!this.relay.live) return undefined;
    const hit = this.byHash.get(hash);
    if (hit && this.clock.now() - (hit.readAt ?? 0) > this.maxAgeMs) {
      this.delete(hash, hit);
      return undefined;
    }
    return hit;
  }

  set(hash: string, entry: CachedCaller, readAtGeneration = this.invalidations): void {
    if (readAtGeneration !== this.invalidations || !this.relay.live) return;
    entry.readAt ??= this.clock.now();
    const weight = weightOf(entry);
    if (weight > this.maxBytes) return;
    const previous = this.byHash.get(hash);
    if (previous) this.delete(hash, previous);
    // Evict the oldest insertions (Map keeps insertion order) until the new entry fits.
    while (this.byHash.size > 0 && (this.byHash.size >= this.limit || this.bytes + weight > this.maxBytes)) {
      const oldest = this.byHash.keys().next().value as string;
      this.delete(oldest, this.byHash.get(oldest)!);
    }
    this.byHash.set(hash, entry);
    this.bytes += weight;
    const key = userKey(entry.user.project_id, entry.user.id);
    let set = this.hashesByUser.get(key);
    if (!set) this.hashesByUser.set(key, (set = new Set()));
    set.add(hash);
  }

  dropUser(projectId: string, userId: string): void {
    this.invalidations++;
    const key = userKey(projectId, userId);
    for (const h of [...(this.hashesByUser.get(key) ?? [])]) {
      const entry = this.byHash.get(h);
      if (entry) this.delete(h, entry);
    }
    this.hashesByUser.delete(key);
  }

  private dropProject(projectId: string): void {
    this.invalidations++;
    for (const [h, c] of this.byHash) if (c.user.project_id === projectId) this.delete(h, c);
  }

  clear(): void {
    this.invalidations++;
    this.byHash.clear();
    this.hashesByUser.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** About how many bytes the entries hold (see weightOf). */
  get heldBytes(): number {
    return this.bytes;
  }

  private delete(hash: string, entry: CachedCaller) {
    if (this.byHash.delete(hash)) this.bytes -= weightOf(entry);
    const key = userKey(entry.user.project_id, entry.user.id);
    const hashes = this.hashesByUser.get(key);
    hashes?.delete(hash);
    if (hashes?.size === 0) this.hashesByUser.delete(key);
  }
}

const userKey = (projectId: string, userId: string) => `${projectId}\u0000${userId}`;

/** Rows and targets of a session (a few kB measured), plus the prefs twice (the row, and GET /account's body). */
const ENTRY_BASE_BYTES = 4096;
const weightOf = (e: CachedCaller) => ENTRY_BASE_BYTES + 2 * (e.user.prefs?.length ?? 0);
