import fs from 'node:fs';
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
  /**
   * Deprecated: TESSERA_JWT_SECRET / TESSERA_JWT_SECRET_FILE once held the HS256 key for account JWTs. They
   * are Ed25519 now (keys in the database, sealed, `tessera jwt rotate`): the name of the one that is set,
   * for a warning at start; its value is not read.
   */
  deprecatedJwtSecret: string | null;
  /** TESSERA_SECRET_KEY: the server key (base64 or hex, 32+ bytes) that encrypts secrets at rest. */
  secretKey: string | null;
  /** TESSERA_SECRET_KEY_FILE: a file holding the server key; else `<dataDir>/secret.key`, made on first start. */
  secretKeyFile: string | null;
  /**
   * Which proxies may set X-Forwarded-For/-Proto (Fastify trustProxy): false; the proxies' addresses
   * or CIDRs ("127.0.0.1", "10.0.0.0/8,172.16.0.0/12"); or true, every client (unsafe, warned at start).
   */
  trustProxy: boolean | string;
  /**
   * TESSERA_SESSION_CACHE_MB: about how much memory the per-process session cache may hold (32; 0 turns
   * it off). An entry takes about 4 kB, so 32 MB keeps the 8,000 most recent sessions warm.
   */
  sessionCacheMb: number;
  /** The outbox worker (TESSERA_OUTBOX_*): tests shorten these; defaults suit production. */
  outbox: OutboxConfig;
  /** TESSERA_SMS_WEBHOOK_URL: SMS are POSTed there as JSON {to, from, text}; null: no SMS provider. */
  smsWebhookUrl: string | null;
  /**
   * TESSERA_SMTP_SENDER ("Tessera <no-reply@localhost>"): who mail is from when neither the template nor
   * the project's own SMTP settings name a sender.
   */
  smtpSender: string;
  /** The SMS provider (TESSERA_SMS_PROVIDER); null: none, so only mock numbers can receive codes. */
  sms: SmsProviderConfig | null;
  /** TESSERA_AUDIT_RETENTION_DAYS: audit log entries older than this are pruned (90). */
  auditRetentionDays: number;
  /**
   * TESSERA_OAUTH2_ALLOW_HTTP (false): let OAuth2 providers be reached over plain http. Loopback
   * providers (127.0.0.1, ::1, localhost) always may; anything else needs https unless this is true.
   */
  oauth2AllowHttp: boolean;
  /** TESSERA_WEBHOOK_ALLOW_PRIVATE (false): true lets webhooks reach loopback, private and link-local addresses. */
  webhookAllowPrivate: boolean;
}

/**
 * TESSERA_SMS_PROVIDER: `webhook` (POST JSON to TESSERA_SMS_WEBHOOK_URL; the default when that URL is set)
 * or `twilio` (Twilio's REST API, or any service speaking it: TESSERA_SMS_TWILIO_ACCOUNT_SID, _AUTH_TOKEN,
 * _FROM, and _BASE_URL, https://api.twilio.com by default).
 */
export type SmsProviderConfig =
  | { provider: 'webhook'; url: string }
  | { provider: 'twilio'; accountSid: string; authToken: string; from: string; baseUrl: string };

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
  // Fastify 5 trusts no one on a hop count (it cannot tell the proxy from a client that adds hops).
  if (/^\d+$/.test(v)) throw new Error(`TESSERA_TRUST_PROXY takes the proxies' addresses or CIDRs (e.g. 127.0.0.1 or 10.0.0.0/8), not a hop count: ${v}`);
  return v === 'true' ? true : v;
}

/** Settings that work but are unsafe, each worded as a line for the start log. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.trustProxy === true) {
    warnings.push(
      'TESSERA_TRUST_PROXY=true trusts X-Forwarded-For from any client, so anyone can choose the address that sessions record ' +
        'and abuse limits count; name the proxy instead (TESSERA_TRUST_PROXY=127.0.0.1, or a CIDR such as 10.0.0.0/8)',
    );
  }
  return warnings;
}


/** The only reader of process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = env.TESSERA_DATA_DIR || './data';
  const port = Number(env.TESSERA_PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`TESSERA_PORT is not a port: ${env.TESSERA_PORT}`);
  const abuse = (env.TESSERA_ABUSE_LIMITS || 'enabled').toLowerCase();
  if (abuse !== 'enabled' && abuse !== 'disabled') throw new Error('TESSERA_ABUSE_LIMITS must be "enabled" or "disabled"');
  const sessionCacheMb = Number(env.TESSERA_SESSION_CACHE_MB || 32);
  if (!Number.isInteger(sessionCacheMb) || sessionCacheMb < 0) throw new Error(`TESSERA_SESSION_CACHE_MB must be a whole number of megabytes: ${env.TESSERA_SESSION_CACHE_MB}`);
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
    deprecatedJwtSecret: env.TESSERA_JWT_SECRET ? 'TESSERA_JWT_SECRET' : env.TESSERA_JWT_SECRET_FILE ? 'TESSERA_JWT_SECRET_FILE' : null,
    trustProxy: parseTrustProxy(env.TESSERA_TRUST_PROXY),
    secretKey: env.TESSERA_SECRET_KEY || null,
    secretKeyFile: env.TESSERA_SECRET_KEY_FILE || null,
    outbox: parseOutboxConfig(env),
    sessionCacheMb,
    smsWebhookUrl: env.TESSERA_SMS_WEBHOOK_URL || null,
    smtpSender: parseSmtpSender(env.TESSERA_SMTP_SENDER),
    sms: parseSmsProvider(env),
    auditRetentionDays: parseRetentionDays(env.TESSERA_AUDIT_RETENTION_DAYS),
    oauth2AllowHttp: (env.TESSERA_OAUTH2_ALLOW_HTTP || 'false').toLowerCase() === 'true',
    webhookAllowPrivate: parseBoolean(env, 'TESSERA_WEBHOOK_ALLOW_PRIVATE'),
  };
}

/** A mailbox, with or without a display name: `Name <address>` or `address`. */
function parseSmtpSender(raw: string | undefined): string {
  const v = (raw ?? '').trim() || 'Tessera <no-reply@localhost>';
  if (!/^([^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(v)) {
    throw new Error(`TESSERA_SMTP_SENDER must be "Name <address>" or an address, not ${v}`);
  }
  return v;
}

function parseSmsProvider(env: NodeJS.ProcessEnv): SmsProviderConfig | null {
  const provider = (env.TESSERA_SMS_PROVIDER || (env.TESSERA_SMS_WEBHOOK_URL ? 'webhook' : '')).toLowerCase();
  if (!provider) return null;
  const url = (name: string, raw: string | undefined) => {
    if (!raw || !/^https?:\/\/[^\s]+$/i.test(raw)) throw new Error(`${name} must be an http(s) URL${raw ? `, not ${raw}` : ''}`);
    return raw.replace(/\/+$/, '');
  };
  if (provider === 'webhook') return { provider, url: url('TESSERA_SMS_WEBHOOK_URL', env.TESSERA_SMS_WEBHOOK_URL) };
  if (provider === 'twilio') {
    const need = (name: string) => {
      const v = env[name];
      if (!v) throw new Error(`TESSERA_SMS_PROVIDER=twilio needs ${name}`);
      return v;
    };
    return {
      provider,
      accountSid: need('TESSERA_SMS_TWILIO_ACCOUNT_SID'),
      authToken: need('TESSERA_SMS_TWILIO_AUTH_TOKEN'),
      from: need('TESSERA_SMS_TWILIO_FROM'),
      baseUrl: url('TESSERA_SMS_TWILIO_BASE_URL', env.TESSERA_SMS_TWILIO_BASE_URL || 'https://api.twilio.com'),
    };
  }
  throw new Error(`TESSERA_SMS_PROVIDER must be "webhook" or "twilio", not ${provider}`);
}

function parseRetentionDays(raw: string | undefined): number {
  const days = Number(raw || 90);
  if (!Number.isInteger(days) || days < 1) throw new Error(`TESSERA_AUDIT_RETENTION_DAYS must be a whole number of days, at least 1: ${raw}`);
  return days;
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

function parseBoolean(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`${name} must be "true" or "false", not ${env[name]}`);
}
