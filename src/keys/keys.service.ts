import type { Db, Executor } from '../db/schema.ts';
import type { Clock, Random } from '../support/clock.ts';
import { isUniqueViolation } from '../db/database.ts';
import { AppwriteError, argumentInvalid } from '../errors/errors.ts';
import { hashSecret } from '../support/secrets.ts';
import type { EventBus } from '../events/bus.ts';
import { KEY_SCOPES, toApiKey, type ApiKey } from './keys.ts';
import { findKeyBySecretHash, insertKey, touchKey } from './keys.repository.ts';

const MAX_SDKS = 20;
const DAY_MS = 86_400_000;
const CACHE_LIMIT = 10_000;
/** Key types Appwrite looks up among stored secrets (Tessera stores only standard keys). */
const STORED_KEY_TYPES = new Set(['standard', 'account', 'organization']);

export class KeysService {
  private cache = new Map<string, ApiKey>();

  constructor(
    private db: Db,
    private clock: Clock,
    private random: Random,
    bus: EventBus,
  ) {
    bus.onCommitEverywhere(['keys.[keyId].update', 'keys.[keyId].delete', 'projects.[projectId].update'], (e) => {
      for (const [h, k] of this.cache) if (k.projectId === e.projectId) this.cache.delete(h);
    });
    bus.onReset(() => this.cache.clear());
  }

  /** `db`: a transaction to create the key in (first start makes it with its project). */
  async create(input: { projectId: string; id: string; name: string; scopes: string[]; expire: number | null }, db: Executor = this.db): Promise<ApiKey> {
    const scopes = [...new Set(input.scopes)];
    const unknown = scopes.find((s) => !(KEY_SCOPES as readonly string[]).includes(s));
    if (unknown) throw argumentInvalid('scopes', `Value must a valid array and Value must be one of (${KEY_SCOPES.join(', ')})`);
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
    let key = this.cache.get(secretHash);
    if (!key) {
      const row = await findKeyBySecretHash(this.db, secretHash);
      if (!row) throw new AppwriteError('user_unauthorized');
      key = toApiKey(row);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(secretHash, key);
    }
    if (key.projectId !== projectId) throw new AppwriteError('user_unauthorized');
    const now = this.clock.now();
    if (key.expire !== null && key.expire < now) throw new AppwriteError('project_key_expired');
    await this.recordUse(key, secretHash, now, sdkName);
    return key;
  }

  /**
   * accessedAt is refreshed at most once a day; new SDK names are remembered, up to MAX_SDKS names
   * of at most 64 characters (a client picks the header, so the list must not grow without bound).
   */
  private async recordUse(key: ApiKey, secretHash: string, now: number, sdkName: string | undefined) {
    const newSdk = sdkName && sdkName.length <= 64 && key.sdks.length < MAX_SDKS && !key.sdks.includes(sdkName);
    if (!newSdk && key.accessedAt !== null && now - key.accessedAt < DAY_MS) return;
    const sdks = newSdk ? [...key.sdks, sdkName] : key.sdks;
    await touchKey(this.db, key.projectId, key.id, now, JSON.stringify(sdks));
    this.cache.set(secretHash, { ...key, accessedAt: now, sdks });
  }
}
