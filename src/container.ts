import type { Logger } from 'pino';
import { createLogger } from './support/logger.ts';
import type { Config } from './config.ts';
import { createDb, type Database } from './db/database.ts';
import { migrate } from './db/migrator.ts';
import type { Db } from './db/schema.ts';
import { systemClock, systemRandom, type Clock, type Random } from './support/clock.ts';
import { EventRelay } from './events/relay.ts';
import { EventBus } from './events/bus.ts';
import { createSealer, loadServerKey, type Sealer } from './support/sealing.ts';
import { ProjectsService } from './projects/projects.service.ts';
import { KeysService } from './keys/keys.service.ts';
import { PlatformsService } from './platforms/platforms.service.ts';
import { SessionCache } from './sessions/session-cache.ts';
import { SessionsService } from './sessions/sessions.service.ts';
import { TokensService } from './tokens/tokens.service.ts';
import { UsersService } from './users/users.service.ts';
import { TargetsService } from './targets/targets.service.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { LoginsService } from './sessions/logins.service.ts';
import { JwtService } from './jwt/jwt.service.ts';
import { RateLimitsService } from './rate-limits/rate-limits.service.ts';
import { MaintenanceService } from './maintenance/maintenance.service.ts';
import { OutboxService } from './events/outbox.service.ts';
import { HTTP_CHANNEL, httpChannel } from './events/channels/http.ts';
import { MessagingService } from './messaging/messaging.service.ts';
import { mailChannel } from './messaging/mail.channel.ts';
import { smsChannel } from './messaging/sms.channel.ts';
import { MAIL_CHANNEL, SMS_CHANNEL } from './messaging/messaging.ts';
import { TeamsService } from './teams/teams.service.ts';
import { listMembershipsOfUser } from './teams/teams.repository.ts';
import { MembershipsService } from './teams/memberships.service.ts';
import { InvitationsService } from './teams/invitations.service.ts';
import { MfaService } from './mfa/mfa.service.ts';
import { ChallengesService } from './mfa/challenges.service.ts';
import { SecretLoginsService } from './sessions/secret-logins.service.ts';
import { ConfirmationsService } from './accounts/confirmations.service.ts';
import { MockPhonesService } from './messaging/mock-phones.service.ts';
import { EmailTemplatesService } from './messaging/templates.service.ts';
import { SmtpService } from './messaging/smtp.service.ts';
import { MailTransports } from './messaging/smtp.transports.ts';
import { smsProvider } from './messaging/sms.providers.ts';
import { LocalAuthService } from './auth-local/auth-local.service.ts';
import { subscribeSessionAlerts } from './policies/session-alerts.ts';
import { AuditService } from './audit/audit.service.ts';
import { OAuth2ProvidersService } from './oauth2/oauth2.service.ts';
import { OAuth2Client } from './oauth2/oauth2-client.ts';
import { IdentitiesService } from './identities/identities.service.ts';
import { identityHoldsEmail } from './identities/identities.repository.ts';
import { OAuth2Accounts } from './sessions/oauth2-accounts.ts';
import { OAuth2LoginService } from './sessions/oauth2-login.service.ts';
import type { WebhooksService } from './webhooks/webhooks.service.ts';
import { registerWebhooks } from './webhooks/webhooks.setup.ts';

/** The one composition root: everything the app uses is built here and passed down. */
export interface Container {
  config: Config;
  logger: Logger;
  database: Database;
  db: Db;
  clock: Clock;
  random: Random;
  /** Encrypts secrets at rest under the server key. */
  sealer: Sealer;
  /** Carries committed events to the other processes on the database. */
  relay: EventRelay;
  /** Domain events: services publish, caches (and later mail, audit, webhooks) subscribe. */
  events: EventBus;
  projects: ProjectsService;
  keys: KeysService;
  platforms: PlatformsService;
  sessions: SessionsService;
  tokens: TokensService;
  users: UsersService;
  targets: TargetsService;
  accounts: AccountsService;
  logins: LoginsService;
  jwt: JwtService;
  rateLimits: RateLimitsService;
  maintenance: MaintenanceService;
  /** Durable delivery of what must leave the process; main.ts starts its worker. */
  outbox: OutboxService;
  /** Queues mail and SMS through the outbox. */
  messaging: MessagingService;
  teams: TeamsService;
  memberships: MembershipsService;
  invitations: InvitationsService;
  /** Second factors: TOTP authenticators, recovery codes, the MFA switch. */
  mfa: MfaService;
  /** MFA challenges (email, phone, TOTP, recovery code, custom). */
  mfaChallenges: ChallengesService;
  /** Magic URL, email OTP and phone OTP requests (the exchange is in logins). */
  secretLogins: SecretLoginsService;
  /** Email and phone verification, password recovery. */
  confirmations: ConfirmationsService;
  /** A project's mock phone numbers (fixed codes, nothing sent). */
  mockPhones: MockPhonesService;
  /** A project's customised email templates. */
  emailTemplates: EmailTemplatesService;
  /** A project's own SMTP server settings and test mail. */
  smtp: SmtpService;
  /** POST /v1/auth/local: one-call login returning a JWT (low-code tools). */
  authLocal: LocalAuthService;
  /** Security events recorded from domain events (account and users logs). */
  audit: AuditService;
  /** Each project's OAuth2 provider settings (secrets sealed). */
  oauth2Providers: OAuth2ProvidersService;
  /** OAuth2/OIDC logins: start, return, token flow, provider token refresh. */
  oauth2Logins: OAuth2LoginService;
  identities: IdentitiesService;
  /** Webhooks: CRUD, and (through the event bus and the outbox) their signed deliveries. */
  webhooks: WebhooksService;
  close(): Promise<void>;
}

export interface ContainerOptions {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** How often the PostgreSQL LISTEN connection must prove alive (tests shorten it). */
  invalidationHeartbeatMs?: number;
  /** PostgreSQL: how long a query may go unanswered before its connection is dropped (tests shorten it). */
  dbQueryTimeoutMs?: number;
}

/**
 * The session cache is bounded by memory (config.sessionCacheMb) more than by count: at about 4 kB an
 * entry, 50,000 sessions held 190 MB of heap, which V8 let grow to over 400 MB before collecting.
 */
const SESSION_CACHE_ENTRIES = 50_000;

export async function createContainer(config: Config, opts: ContainerOptions = {}): Promise<Container> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? systemRandom();
  const database = createDb(config.databaseUrl, { queryTimeoutMs: opts.dbQueryTimeoutMs });
  // Migrations on PostgreSQL get a connection without the query timeout: a migration may rewrite a
  // large table, and a process starting next to another waits for its migration lock.
  const migrating = database.dialect === 'postgres' ? createDb(config.databaseUrl, { queryTimeoutMs: 0 }) : database;
  try {
    await migrate(migrating);
  } catch (err) {
    // The first query: an unreachable or misconfigured database is named (without its password).
    await database.close().catch(() => {});
    throw new Error(`cannot use the database ${redactedUrl(config.databaseUrl)}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (migrating !== database) await migrating.close().catch(() => {});
  }
  const db = database.db;
  // Read after the database opened, so that a data dir that cannot be written is named by that error.
  let sealer: Sealer;
  try {
    sealer = createSealer(loadServerKey(config));
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }

  const relay = new EventRelay(database.pool, opts.invalidationHeartbeatMs, database.sync);
  const events = new EventBus(db, relay);
  await relay.start();
  const projects = new ProjectsService(db, clock, events, database.dialect);
  const keys = new KeysService(db, clock, random, events, relay);
  const platforms = new PlatformsService(db, clock, random, events);
  const sessionCache = new SessionCache(events, relay, clock, SESSION_CACHE_ENTRIES, config.sessionCacheMb * 1024 * 1024);
  const sessions = new SessionsService(database, clock, random, events, sessionCache);
  const tokens = new TokensService(db, clock, random);
  const jwt = new JwtService(db, clock, sealer, { publicUrl: config.publicUrl });
  // Account JWTs are EdDSA now (see src/jwt/): an HS256 secret from the environment verifies nothing.
  if (config.deprecatedJwtSecret) logger.warn(`${config.deprecatedJwtSecret} is no longer used: account JWTs are signed with Ed25519 keys kept in the database (tessera jwt rotate)`);
  await jwt.init().catch(async (err) => {
    // A start refused here (another server key) leaves nothing open behind it.
    await relay.stop().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  });
  const targets = new TargetsService(db, clock, random, events);
  const users = new UsersService(database, clock, random, sessions, tokens, jwt, targets, events);
  const accounts = new AccountsService(clock, users, sessions, (projectId, email, exceptUserId) => identityHoldsEmail(db, projectId, email, exceptUserId));
  const rateLimits = new RateLimitsService(db, clock, config.abuseLimits);
  const logins = new LoginsService(database, clock, random, users, sessions, tokens, rateLimits, events);
  const maintenance = new MaintenanceService(db, clock, logger);
  const outbox = new OutboxService(database, clock, random, sealer, logger, config.outbox);
  outbox.register(HTTP_CHANNEL, httpChannel());
  const mockPhones = new MockPhonesService(database, clock, events);
  const messaging = new MessagingService(config, outbox, mockPhones);
  const emailTemplates = new EmailTemplatesService(db, clock, events, messaging);
  const smtp = new SmtpService(db, projects, sealer, outbox);
  const transports = new MailTransports(config, sealer);
  outbox.register(MAIL_CHANNEL, mailChannel({ config, projects, templates: emailTemplates, transports }));
  outbox.register(SMS_CHANNEL, smsChannel(smsProvider(config.sms), projects));
  const teams = new TeamsService(db, clock, random, events);
  const memberships = new MembershipsService(db, clock, events, teams, sessions);
  const invitations = new InvitationsService(db, clock, random, events, teams, users, targets, messaging);
  const mfa = new MfaService(database, clock, random, sealer, events);
  const mfaChallenges = new ChallengesService(database, clock, random, sealer, events, messaging, mfa);
  const secretLogins = new SecretLoginsService(database, clock, random, users, tokens, targets, messaging, events);
  const confirmations = new ConfirmationsService(db, clock, random, tokens, messaging, events, users);

  const authLocal = new LocalAuthService(logins, sessions, users, jwt);
  // A JWT's `roles` claim names the user's teams: read at signing time (JWTs are short-lived).
  jwt.useMemberships(async (projectId, userId) =>
    (await listMembershipsOfUser(db, projectId, userId)).map((m) => ({ id: m.membershipId, teamId: m.teamId, roles: m.roles, confirmed: m.confirmed })),
  );
  subscribeSessionAlerts(events, { projects, messaging, clock });
  const audit = new AuditService(db, clock, random, logger, config.auditRetentionDays);
  audit.subscribe(events);
  maintenance.addTask('auditLogs', (batch) => audit.pruneBatch(batch));
  const oauth2Providers = new OAuth2ProvidersService(db, clock, sealer);
  const identities = new IdentitiesService(db, events);
  const oauth2Accounts = new OAuth2Accounts(database, clock, random, sealer, users, targets, events);
  const oauth2Client = new OAuth2Client(clock, { allowHttp: config.oauth2AllowHttp });
  const oauth2Logins = new OAuth2LoginService(database, clock, random, sealer, oauth2Providers, oauth2Client, oauth2Accounts, sessions, tokens);
  const webhooks = registerWebhooks({ database, clock, random, sealer, events, relay, outbox, logger, allowPrivate: config.webhookAllowPrivate, attemptTimeoutMs: config.outbox.timeoutMs });

  return {
    config, logger, database, db, clock, random, sealer, relay, events,
    projects, keys, platforms, sessions, tokens, users, targets, accounts, logins, jwt, rateLimits, maintenance, outbox, messaging, audit,
    teams, memberships, invitations,
    mfa, mfaChallenges, authLocal,
    secretLogins, confirmations,
    mockPhones, emailTemplates, smtp,
    oauth2Providers, oauth2Logins, identities,
    webhooks,
    async close() {
      maintenance.stop();
      await audit.flush();
      // Before the database closes: deliveries in flight record their outcome (bounded wait).
      await outbox.stop();
      transports.close();
      await relay.stop();
      await database.close();
    },
  };
}

function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
