import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Db } from '../db/schema.ts';
import type { Clock } from '../support/clock.ts';
import type { Sealer } from '../support/sealing.ts';
import { insertSettingIfMissing, readSetting, replaceSetting } from './jwt.repository.ts';
import { MAX_JWT_AGE_S, type PublicJwk, type StoredKeyring, type StoredSigningKey } from './jwt.ts';

const SETTING = 'jwt_signing_keys';
const CONTEXT = `server_settings:${SETTING}`;

/** How often a process re-reads the keyring before signing, so it stops signing with a key another process retired. */
export const KEYRING_REFRESH_MS = 60_000;
/**
 * How long a retired key still verifies: the longest JWT lifetime, plus the time a process may go on
 * signing with it before its next refresh, plus a margin for clock skew between processes.
 */
export const RETIRED_KEY_KEPT_MS = MAX_JWT_AGE_S * 1000 + KEYRING_REFRESH_MS + 5 * 60_000;
/** A token with an unknown `kid` makes the keyring re-read at most this often (a flood of made-up kids costs one read). */
export const UNKNOWN_KID_RELOAD_MS = 5_000;

interface LoadedKey {
  stored: StoredSigningKey;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

/**
 * The account-JWT signing keys (Ed25519), kept sealed in server_settings so every process on the
 * database signs and verifies with the same keys. The newest key signs; keys replaced by a rotation
 * keep verifying for RETIRED_KEY_KEPT_MS. Other processes pick up a rotation on their next refresh
 * (before signing, at most KEYRING_REFRESH_MS stale) or when a token names a kid they do not know.
 */
export class JwtKeyring {
  private keys = new Map<string, LoadedKey>();
  private current: LoadedKey | null = null;
  private loadedAt = 0;
  private lastUnknownKidReload = -Infinity;
  private loading: Promise<void> | null = null;

  constructor(
    private db: Db,
    private clock: Clock,
    private sealer: Sealer,
  ) {}

  /** Reads the keyring, creating its first key on an empty database. */
  async load(): Promise<void> {
    if (!this.loading) this.loading = this.read().finally(() => (this.loading = null));
    return this.loading;
  }

  private async read(): Promise<void> {
    const startedAt = this.clock.now();
    await insertSettingIfMissing(this.db, SETTING, this.seal({ keys: [newSigningKey(startedAt)] }));
    const raw = await readSetting(this.db, SETTING);
    if (raw === undefined) throw new Error(`server_settings.${SETTING} vanished while loading`);
    this.install(this.open(raw), startedAt);
  }

  private install(ring: StoredKeyring, at: number) {
    const keys = new Map<string, LoadedKey>();
    for (const stored of ring.keys) {
      if (stored.retiredAt !== null && at - stored.retiredAt > RETIRED_KEY_KEPT_MS) continue;
      keys.set(stored.kid, loadKey(stored));
    }
    const current = ring.keys.find((k) => k.retiredAt === null);
    if (!current) throw new Error(`server_settings.${SETTING} holds no current key`);
    this.keys = keys;
    this.current = keys.get(current.kid)!;
    this.loadedAt = at;
  }

  /** The key that signs now, re-reading the keyring first when it is older than KEYRING_REFRESH_MS. */
  async signingKey(): Promise<{ kid: string; key: KeyObject }> {
    if (!this.current || this.clock.now() - this.loadedAt >= KEYRING_REFRESH_MS) await this.load();
    return { kid: this.current!.stored.kid, key: this.current!.privateKey };
  }

  /** Re-reads the keyring when this copy is older than `maxAgeMs` (the JWKS route: a rotation shows within seconds). */
  async refresh(maxAgeMs: number): Promise<void> {
    if (this.clock.now() - this.loadedAt >= maxAgeMs) await this.load();
  }

  /** The public key of `kid` among the keys that still verify, without any I/O. */
  publicKey(kid: string): KeyObject | undefined {
    const key = this.keys.get(kid);
    if (!key) return undefined;
    const { retiredAt } = key.stored;
    return retiredAt !== null && this.clock.now() - retiredAt > RETIRED_KEY_KEPT_MS ? undefined : key.publicKey;
  }

  /** For a kid this process does not know (another process rotated): one re-read per UNKNOWN_KID_RELOAD_MS. */
  async publicKeyAfterReload(kid: string): Promise<KeyObject | undefined> {
    const now = this.clock.now();
    if (now - this.lastUnknownKidReload >= UNKNOWN_KID_RELOAD_MS) {
      this.lastUnknownKidReload = now;
      await this.load();
    }
    return this.publicKey(kid);
  }

  /** Every key that still verifies, as public JWKs (current first). */
  jwks(): PublicJwk[] {
    const live = [...this.keys.values()].filter((k) => this.publicKey(k.stored.kid));
    return live.sort((a, b) => b.stored.createdAt - a.stored.createdAt).map((k) => k.jwk);
  }

  /**
   * Adds a new current key; the previous one is retired (verifies for RETIRED_KEY_KEPT_MS), keys
   * retired longer ago are dropped. A compare-and-swap on the stored value, so concurrent rotations
   * each land (one after the other) instead of overwriting each other.
   */
  async rotate(): Promise<{ kid: string; verifying: string[] }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.load();
      const raw = (await readSetting(this.db, SETTING))!;
      const now = this.clock.now();
      const kept = this.open(raw).keys
        .map((k) => (k.retiredAt === null ? { ...k, retiredAt: now } : k))
        .filter((k) => now - k.retiredAt! <= RETIRED_KEY_KEPT_MS);
      const fresh = newSigningKey(now);
      const ring = { keys: [fresh, ...kept] };
      if (await replaceSetting(this.db, SETTING, raw, this.seal(ring))) {
        this.install(ring, now);
        return { kid: fresh.kid, verifying: kept.map((k) => k.kid) };
      }
    }
    throw new Error('the JWT keyring kept changing under this rotation; try again');
  }

  private seal(ring: StoredKeyring): string {
    return this.sealer.seal(JSON.stringify(ring), CONTEXT);
  }

  private open(raw: string): StoredKeyring {
    try {
      return JSON.parse(this.sealer.open(raw, CONTEXT)) as StoredKeyring;
    } catch {
      throw new Error(
        `the ${SETTING} stored in the database was sealed under another server key: every process on one database needs the same ` +
          'TESSERA_SECRET_KEY or TESSERA_SECRET_KEY_FILE (the first process wrote <data dir>/secret.key)',
      );
    }
  }
}

function newSigningKey(now: number): StoredSigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as StoredSigningKey['privateJwk'];
  return { kid: thumbprint(jwk.x), alg: 'EdDSA', privateJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, createdAt: now, retiredAt: null };
}

/** RFC 7638 thumbprint of an Ed25519 public key: a kid that names the key and nothing else. */
function thumbprint(x: string): string {
  return createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })).digest('base64url');
}

function loadKey(stored: StoredSigningKey): LoadedKey {
  const privateKey = createPrivateKey({ key: stored.privateJwk, format: 'jwk' });
  const jwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: stored.privateJwk.x, kid: stored.kid, alg: 'EdDSA', use: 'sig' };
  return { stored, privateKey, publicKey: createPublicKey(privateKey), jwk };
}
