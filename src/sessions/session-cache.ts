import type { Invalidation } from '../support/invalidation.ts';
import type { SessionRow } from './sessions.ts';
import type { UserRow } from '../users/users.ts';
import type { TargetRow } from '../targets/targets.ts';

export interface CachedCaller {
  session: SessionRow;
  user: UserRow;
  /** The user's messaging targets, read with the user: GET /account answers from here. */
  targets: readonly TargetRow[];
}

/**
 * Bounded per-process map from the SHA-256 of a session value (cookie or header) to its session and user, so that checking a
 * session skips the database on a warm hit. Every write that changes a user or ends one of its
 * sessions publishes a 'user' invalidation, which drops that user's entries here and, through
 * PostgreSQL NOTIFY, in every other process.
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
    private readonly invalidation: Invalidation,
    private readonly limit = 50_000,
    readonly maxBytes = 256 * 1024 * 1024,
  ) {
    invalidation.on('user', (projectId, userId) => {
      this.invalidations++;
      if (projectId === '*') this.clear();
      else this.dropUser(projectId, userId);
    });
    invalidation.on('project', (projectId) => {
      this.invalidations++;
      if (projectId === '*') this.clear();
      else for (const [h, c] of this.byHash) if (c.user.project_id === projectId) this.delete(h, c);
    });
  }

  /**
   * Take this before reading a session from the database and pass it to set(): a read that an
   * invalidation overtook may hold a revoked session and is not cached.
   */
  get generation(): number {
    return this.invalidations;
  }

  /** Nothing is served while other processes' invalidations could be missed (LISTEN connection down). */
  get(hash: string): CachedCaller | undefined {
    return this.invalidation.live ? this.byHash.get(hash) : undefined;
  }

  set(hash: string, entry: CachedCaller, readAtGeneration = this.invalidations): void {
    if (readAtGeneration !== this.invalidations || !this.invalidation.live) return;
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
    const key = userKey(projectId, userId);
    for (const h of [...(this.hashesByUser.get(key) ?? [])]) {
      const entry = this.byHash.get(h);
      if (entry) this.delete(h, entry);
    }
    this.hashesByUser.delete(key);
  }

  clear(): void {
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
