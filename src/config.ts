import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string;
  smtpUrl: string | null;
  dataDir: string;
  abuseLimits: boolean;
  logLevel: string;
  /** Secret used to sign account JWTs; generated and kept in the database when not given. */
  jwtSecret: string | null;
  /** TESSERA_SECRET_KEY: the server key (base64 or hex, 32+ bytes) that encrypts secrets at rest. */
  secretKey: string | null;
  /** TESSERA_SECRET_KEY_FILE: a file holding the server key; else `<dataDir>/secret.key`, made on first start. */
  secretKeyFile: string | null;
  /** Which proxies may set X-Forwarded-For/-Proto (Fastify trustProxy): false, true, or addresses/CIDRs. */
  trustProxy: boolean | string;
  /** The outbox worker (TESSERA_OUTBOX_*): tests shorten these; defaults suit production. */
  outbox: OutboxConfig;
}

export interface OutboxConfig {
  /** TESSERA_OUTBOX_POLL_MS (1000): how often an idle worker looks for due messages. */
  pollMs: number;
  /** TESSERA_OUTBOX_LEASE_MS (60000): how long before a crashed worker's message is attempted again. */
  leaseMs: number;
  /** TESSERA_OUTBOX_TIMEOUT_MS (15000): longest one delivery attempt; must be below the lease. */
  timeoutMs: number;
  /** TESSERA_OUTBOX_CONCURRENCY (4): deliveries in flight at once per process. */
  concurrency: number;
}

function parseTrustProxy(raw: string | undefined): boolean | string {
  const v = (raw ?? '').trim();
  if (!v || v === 'false') return false;
  return v === 'true' ? true : v;
}

/** The only reader of process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = env.TESSERA_DATA_DIR || './data';
  const port = Number(env.TESSERA_PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`TESSERA_PORT is not a port: ${env.TESSERA_PORT}`);
  const abuse = (env.TESSERA_ABUSE_LIMITS || 'enabled').toLowerCase();
  if (abuse !== 'enabled' && abuse !== 'disabled') throw new Error('TESSERA_ABUSE_LIMITS must be "enabled" or "disabled"');
  const databaseUrl = env.TESSERA_DATABASE_URL || `sqlite:${path.join(dataDir, 'tessera.db')}`;
  // A plain path is a SQLite file; a scheme other than these is a typo (postgress://…), not a file name.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(databaseUrl)?.[1].toLowerCase();
  if (scheme !== undefined && !['sqlite', 'postgres', 'postgresql'].includes(scheme)) {
    throw new Error(`TESSERA_DATABASE_URL must be sqlite:<file>, postgres://… or postgresql://…, not ${scheme}:`);
  }
  return {
    port,
    host: env.TESSERA_HOST || '0.0.0.0',
    databaseUrl,
    publicUrl: env.TESSERA_PUBLIC_URL || `http://localhost:${port}`,
    smtpUrl: env.TESSERA_SMTP_URL || null,
    dataDir,
    abuseLimits: abuse === 'enabled',
    logLevel: env.TESSERA_LOG_LEVEL || 'info',
    jwtSecret: env.TESSERA_JWT_SECRET || null,
    trustProxy: parseTrustProxy(env.TESSERA_TRUST_PROXY),
    secretKey: env.TESSERA_SECRET_KEY || null,
    secretKeyFile: env.TESSERA_SECRET_KEY_FILE || null,
    outbox: parseOutboxConfig(env),
  };
}

function parseOutboxConfig(env: NodeJS.ProcessEnv): OutboxConfig {
  const int = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, not ${raw}`);
    return n;
  };
  const outbox = {
    pollMs: int('TESSERA_OUTBOX_POLL_MS', 1_000, 10),
    leaseMs: int('TESSERA_OUTBOX_LEASE_MS', 60_000, 100),
    timeoutMs: int('TESSERA_OUTBOX_TIMEOUT_MS', 15_000, 10),
    concurrency: int('TESSERA_OUTBOX_CONCURRENCY', 4, 1),
  };
  if (outbox.leaseMs <= outbox.timeoutMs) throw new Error('TESSERA_OUTBOX_LEASE_MS must be longer than TESSERA_OUTBOX_TIMEOUT_MS');
  return outbox;
}
