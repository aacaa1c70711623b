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
  oauth2_providers: OAuth2ProvidersTable;
  identities: IdentitiesTable;
  mfa_authenticators: MfaAuthenticatorsTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
}

export type Db = Kysely<DB>;
export type Trx = Transaction<DB>;
/** Either the database or an open transaction: repositories take this as their first argument. */
export type Executor = Kysely<DB> | Transaction<DB>;

export interface TeamsTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  name: string;
  prefs: string;
  search: string;
  created_at: number;
  updated_at: number;
}

/** The view over teams with `total` (confirmed members) counted and Appwrite's `billingPlan` (''). */
export interface TeamsListedView {
  seq: number;
  project_id: string;
  id: string;
  name: string;
  prefs: string;
  search: string;
  created_at: number;
  updated_at: number;
  billing_plan: string;
  total: number;
}

export interface MembershipsTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  team_id: string;
  user_id: string;
  /** JSON array of role names. */
  roles: string;
  invited: number;
  joined: number | null;
  confirm: number;
  secret_hash: string;
  search: string;
  created_at: number;
  updated_at: number;
}

export interface MfaAuthenticatorsTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  user_id: string;
  /** totp */
  type: string;
  verified: number;
  /** Base32 TOTP seed, sealed (context `mfa-totp:<projectId>:<userId>`). */
  secret_sealed: string;
  /** Time step of the last accepted code (replays within the window are refused). */
  last_step: number | null;
  created_at: number;
  updated_at: number;
}

export interface MfaRecoveryCodesTable {
  seq: Generated<number>;
  project_id: string;
  user_id: string;
  /** SHA-256 of `<projectId>:<userId>:<code>`: found and consumed by one DELETE. */
  code_hash: string;
  /** The code, sealed (context `mfa-recovery:<projectId>:<userId>`): Appwrite shows the set again. */
  code_sealed: string;
  created_at: number;
}

export interface MfaChallengesTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  user_id: string;
  /** totp, email, phone, recoveryCode or custom */
  type: string;
  /** SHA-256 of the code sent (email, phone, custom); null when the factor brings its own code. */
  code_hash: string | null;
  /** The custom factor's code, sealed: the Users API hands it to the server that delivers it. */
  code_sealed: string | null;
  expire: number;
  created_at: number;
}

export interface DB {
  teams: TeamsTable;
  teams_listed: TeamsListedView;
  memberships: MembershipsTable;
}

/** A project's mock phone number: logs in and verifies with its fixed code; nothing is sent. */
export interface MockPhonesTable {
  project_id: string;
  phone: string;
  otp: string;
  created_at: number;
  updated_at: number;
}

/** A project's customised email template for one locale (`/project/templates/email`). */
export interface EmailTemplatesTable {
  project_id: string;
  template_id: string;
  locale: string;
  subject: string;
  message: string;
  sender_name: string;
  sender_email: string;
  reply_to_email: string;
  reply_to_name: string;
  created_at: number;
  updated_at: number;
}

// Messaging's tables, merged into DB (declaration merging keeps this addition at the end of the file).
export interface DB {
  mock_phones: MockPhonesTable;
  email_templates: EmailTemplatesTable;
}

/** Security events (src/audit/); no secrets. */
export interface AuditLogsTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  /** The user the event is about. */
  user_id: string;
  /** Appwrite's audit name: session.create, user.update, … */
  event: string;
  /** The domain event it was recorded from. */
  domain_event: string;
  resource: string;
  ip: string;
  user_agent: string;
  /** user, admin, guest or keyProject (Appwrite's Log.userType). */
  actor_type: string;
  actor_id: string;
  /** default or admin. */
  mode: string;
  created_at: number;
}

// Declaration merging keeps this addition apart from the shared DB interface above.
export interface DB {
  audit_logs: AuditLogsTable;
}

export interface OAuth2ProvidersTable {
  project_id: string;
  provider: string;
  enabled: number;
  app_id: string;
  /** Sealed JSON of the write-only values (context `oauth2:<projectId>:<provider>`); '' for none. */
  secret: string;
  /** Plain JSON of the readable extras (endpoints, tenant, prompt, maxAge…). */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface IdentitiesTable {
  seq: Generated<number>;
  project_id: string;
  id: string;
  user_id: string;
  provider: string;
  provider_uid: string;
  provider_email: string;
  /** Sealed (context `provider-token:<projectId>:<userId>`); '' for none. */
  provider_access_token: string;
  provider_refresh_token: string;
  provider_access_token_expiry: number | null;
  search: string;
  created_at: number;
  updated_at: number;
}

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
