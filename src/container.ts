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
  const projects = new ProjectsService(db, clock, events);
  const keys = new KeysService(db, clock, random, events, relay);
  const platforms = new PlatformsService(db, clock, random, events);
  const sessionCache = new SessionCache(events, relay, clock, SESSION_CACHE_ENTRIES, config.sessionCacheMb * 1024 * 1024);
  const sessions = new SessionsService(database, clock, random, events, sessionCache);
  const tokens = new TokensService(db, clock, random);
  const jwt = new JwtService(db, clock, random, sealer, config.jwtSecret);
  await jwt.init().catch(async (err) => {
    // A start refused here (another server key) leaves nothing open behind it.
    await relay.stop().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  });
  const targets = new TargetsService(db, clock, random, events);
  const users = new UsersService(database, clock, random, sessions, tokens, jwt, targets, events);
  const accounts = new AccountsService(clock, users, sessions);
  const rateLimits = new RateLimitsService(db, clock, config.abuseLimits);
  const logins = new LoginsService(database, clock, random, users, sessions, tokens, rateLimits, events);
  const maintenance = new MaintenanceService(db, clock, logger);
  const outbox = new OutboxService(database, clock, random, sealer, logger, config.outbox);
  outbox.register(HTTP_CHANNEL, httpChannel());
  const webhooks = registerWebhooks({ database, clock, random, sealer, events, relay, outbox, logger, allowPrivate: config.webhookAllowPrivate, attemptTimeoutMs: config.outbox.timeoutMs });

  return {
    config, logger, database, db, clock, random, sealer, relay, events,
    projects, keys, platforms, sessions, tokens, users, targets, accounts, logins, jwt, rateLimits, maintenance, outbox, webhooks,
    async close() {
      maintenance.stop();
      // Before the database closes: deliveries in flight record their outcome (bounded wait).
      await outbox.stop();
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
