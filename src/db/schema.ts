import type { Generated, Kysely, Transaction } from 'kysely';

/** Timestamps are epoch milliseconds; booleans are 0/1; JSON columns are text. */
export interface ProjectsTable {
  id: string;
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface PlatformsTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  type: string;
  name: string;
  hostname: string;
  key: string;
  created_at: number;
  updated_at: number;
}

export interface KeysTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  name: string;
  scopes: string;
  secret_hash: string;
  expire: number | null;
  accessed_at: number | null;
  sdks: string;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  password: string | null;
  hash: string | null;
  hash_options: string | null;
  password_history: string;
  password_update: number | null;
  registration: number;
  status: number;
  labels: string;
  email_verification: number;
  phone_verification: number;
  mfa: number;
  prefs: string;
  accessed_at: number | null;
  impersonator: number;
  search: string;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  user_id: string;
  secret_hash: string;
  provider: string;
  provider_uid: string;
  provider_access_token: string;
  provider_refresh_token: string;
  provider_access_token_expiry: number | null;
  ip: string;
  user_agent: string;
  country_code: string;
  factors: string;
  mfa_updated_at: number | null;
  expire: number;
  created_at: number;
  updated_at: number;
}

export interface TokensTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  user_id: string;
  type: number;
  secret_hash: string;
  expire: number;
  phrase: string;
  ip: string;
  user_agent: string;
  created_at: number;
}

export interface TargetsTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  user_id: string;
  /** email, sms or push */
  provider_type: string;
  identifier: string;
  provider_id: string | null;
  name: string;
  expired: number;
  created_at: number;
  updated_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface ServerSettingsTable {
  name: string;
  value: string;
}

export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  project_id: string;
  channel: string;
  /** JSON text; sealed (server key, context `outbox:<id>`) when `secret` is 1. */
  payload: string;
  secret: number;
  dedupe_key: string | null;
  /** pending, delivered (tombstone kept for its dedupe key) or dead. */
  status: string;
  attempts: number;
  /** Next attempt while waiting; end of the lease while claimed. */
  due_at: number;
  /** Token of the lease holder: only it may reschedule the row. */
  claim: string | null;
  /** The worker instance that last claimed the row. */
  worker: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** Messages sharing a key are delivered one at a time, in seq order (webhooks: one webhook and entity). */
  order_key: string | null;
}

export interface DB {
  server_settings: ServerSettingsTable;
  projects: ProjectsTable;
  platforms: PlatformsTable;
  keys: KeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  tokens: TokensTable;
  targets: TargetsTable;
  rate_limits: RateLimitsTable;
  outbox: OutboxTable;
  webhooks: WebhooksTable;
}

export type Db = Kysely<DB>;
export type Trx = Transaction<DB>;
/** Either the database or an open transaction: repositories take this as their first argument. */
export type Executor = Kysely<DB> | Transaction<DB>;

export interface WebhooksTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  name: string;
  url: string;
  /** JSON array of event patterns. */
  events: string;
  /** 1: verify the receiver's TLS certificate. */
  tls: number;
  auth_username: string;
  /** Sealed (context `webhook-auth:<project>:<id>`); '' for none. */
  auth_password: string;
  /** Sealed (context `webhook-key:<project>:<id>`). */
  signing_key: string;
  enabled: number;
  /** The last failure, as Appwrite words it. */
  logs: string;
  /** Consecutive failed delivery attempts. */
  attempts: number;
  created_at: number;
  updated_at: number;
}
