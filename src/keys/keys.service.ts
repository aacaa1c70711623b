import type { Db, Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import type { ListQuery } from '../db/list-query.ts';
import { isUniqueViolation } from '../db/database.ts';
import { AppwriteError } from '../errors/errors.ts';
import { hashSecret } from '../support/secrets.ts';
import type { EventBus } from '../events/bus.ts';
import { event } from '../events/events.ts';
import type { EventRelay } from '../events/relay.ts';
import { checkedScopes, toApiKey, type ApiKey, type KeyChanges } from './keys.ts';
import { deleteKey, findKey, findKeyBySecretHash, insertKey, listKeys, touchKey, updateKey } from './keys.repository.ts';

const MAX_SDKS = 20;
const DAY_MS = 86_400_000;
const CACHE_LIMIT = 10_000;
/** How long a cached key is trusted without the database: the bound if an invalidation is ever lost. */
const CACHE_TTL_MS = 10_000;
/** Key types Appwrite looks up among stored secrets (Tessera stores only standard keys). */
const STORED_KEY_TYPES = new Set(['standard', 'account', 'organization']);

/**
 * A project's API keys. Keys are cached per process by the hash of their secret; every update or
 * delete publishes its event (here at once, other processes through the relay, inside the writing
 * transaction), and expiry is checked on every use, so a revoked or expired key is refused at once everywhere.
 */
export class KeysService {
  private cache = new Map<string, { key: ApiKey; at: number }>();
  /** Counts invalidations: a database read that one overtook may hold a revoked key and is not cached. */
  private generation = 0;

  /**
   * `relay.catchUp()` runs on every key check: on SQLite, `tessera keys delete` run next to the server
   * reaches it through the file's data version, which the relay compares (and then resets every cache).
   */
  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    private bus: EventBus,
    private relay: Pick<EventRelay, 'live' | 'catchUp'>,
  ) {
    bus.onCommitEverywhere(['keys.[keyId].update', 'keys.[keyId].delete'], (e) => this.forget(e.projectId, (e.params as { keyId: string }).keyId));
    bus.onCommitEverywhere(['projects.[projectId].update'], (e) => this.forget(e.projectId, ''));
    bus.onReset(() => this.forget('*', '*'));
  }

  /** `db`: a transaction to create the key in (first start makes it with its project). */
  async create(input: { projectId: string; id: string; name: string; scopes: string[]; expire: number | null }, db: Executor = this.db): Promise<ApiKey> {
    const scopes = checkedScopes(input.scopes);
    const secret = 'standard_' + this.random.bytes(128).toString('hex');
    const now = this.clock.now();
    const row = {
      project_id: input.projectId,
      id: input.id,
      name: input.name,
      scopes: JSON.stringify(scopes),
      secret_hash: hashSecret(secret),
      expire: input.expire,
      accessed_at: null,
      sdks: '[]',
      created_at: now,
      updated_at: now,
    };
    try {
      await insertKey(db, row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppwriteError('key_already_exists');
      throw err;
    }
    return { ...toApiKey({ ...row, seq: 0 }), secret };
  }

  async list(projectId: string, query: ListQuery, total: boolean): Promise<{ keys: ApiKey[]; total: number }> {
    const res = await listKeys(this.db, projectId, query, total);
    return { keys: res.rows.map(toApiKey), total: res.total };
  }

  async get(projectId: string, id: string): Promise<ApiKey> {
    const row = await findKey(this.db, projectId, id);
    if (!row) throw new AppwriteError('key_not_found');
    return toApiKey(row);
  }

  /** Sets name, scopes and expiry (null: never), as Appwrite's PUT: an omitted expiry clears it. */
  async update(projectId: string, id: string, changes: KeyChanges): Promise<ApiKey> {
    const scopes = checkedScopes(changes.scopes);
    return this.bus.transaction(async (trx, emit) => {
      const row = await updateKey(trx, projectId, id, {
        name: changes.name,
        scopes: JSON.stringify(scopes),
        expire: changes.expire,
        updated_at: this.clock.now(),
      });
      if (!row) throw new AppwriteError('key_not_found');
      const key = toApiKey(row);
      emit(event('keys.[keyId].update', projectId, { keyId: id }, key));
      return key;
    });
  }

  /** Deletes a key (the caller's own included, as Appwrite); returns what was deleted. */
  async delete(projectId: string, id: string): Promise<ApiKey> {
    return this.bus.transaction(async (trx, emit) => {
      const row = await deleteKey(trx, projectId, id);
      if (!row) throw new AppwriteError('key_not_found');
      emit(event('keys.[keyId].delete', projectId, { keyId: id }));
      return toApiKey(row);
    });
  }

  /**
   * Resolves the X-Appwrite-Key header for a project. A key of a stored type (standard, account,
   * organization; no prefix reads as standard) must match a stored secret exactly, or it is 401
   * user_unauthorized, as in Appwrite; ephemeral and unknown prefixes stay guests.
   */
  async authenticate(projectId: string, header: string, sdkName: string | undefined): Promise<ApiKey | null> {
    const type = header.includes('_') ? header.slice(0, header.indexOf('_')) : 'standard';
    if (!STORED_KEY_TYPES.has(type)) return null;
    // The whole header is the secret: a bare hex string never matches a stored `standard_…` key.
    const secretHash = hashSecret(header);
    const key = this.cached(secretHash) ?? (await this.load(secretHash));
    if (key.projectId !== projectId) throw new AppwriteError('user_unauthorized');
    // On every use, cached or not: a key past its expiry stops at once.
    const now = this.clock.now();
    if (key.expire !== null && key.expire < now) throw new AppwriteError('project_key_expired');
    await this.recordUse(key, secretHash, now, sdkName);
    return key;
  }

  private cached(secretHash: string): ApiKey | undefined {
    this.relay.catchUp();
    // While another process's invalidation could be missed (LISTEN connection down), read the database.
    if (!this.relay.live) return undefined;
    const hit = this.cache.get(secretHash);
    if (!hit) return undefined;
    if (this.clock.now() - hit.at < CACHE_TTL_MS) return hit.key;
    this.cache.delete(secretHash);
    return undefined;
  }

  private async load(secretHash: string): Promise<ApiKey> {
    const readAt = this.generation;
    const row = await findKeyBySecretHash(this.db, secretHash);
    if (!row) throw new AppwriteError('user_unauthorized');
    const key = toApiKey(row);
    if (readAt === this.generation && this.relay.live) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(secretHash, { key, at: this.clock.now() });
    }
    return key;
  }

  /** Drops one key, a project's keys (`id` empty), or everything (`projectId` '*'). */
  private forget(projectId: string, id: string) {
    this.generation++;
    if (projectId === '*') return this.cache.clear();
    for (const [hash, { key }] of this.cache) {
      if (key.projectId === projectId && (!id || key.id === id)) this.cache.delete(hash);
    }
  }

  /**
   * accessedAt is refreshed at most once a day; new SDK names are remembered, up to MAX_SDKS names
   * of at most 64 characters (a client picks the header, so the list must not grow without bound).
   * The cached copy is updated before the write: set after it, it could revive a key deleted meanwhile.
   */
  private async recordUse(key: ApiKey, secretHash: string, now: number, sdkName: string | undefined) {
    const newSdk = sdkName && sdkName.length <= 64 && key.sdks.length < MAX_SDKS && !key.sdks.includes(sdkName);
    if (!newSdk && key.accessedAt !== null && now - key.accessedAt < DAY_MS) return;
    const sdks = newSdk ? [...key.sdks, sdkName] : key.sdks;
    const hit = this.cache.get(secretHash);
    if (hit?.key === key) hit.key = { ...key, accessedAt: now, sdks };
    await touchKey(this.db, key.projectId, key.id, now, JSON.stringify(sdks));
  }
}
