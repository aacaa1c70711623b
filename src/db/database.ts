import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { DB } from './schema.ts';
import { SyncSqlite } from './sync.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * better-sqlite3 12 (node::ObjectWrap) aborts the process on Node 24.19+ when a statement is
 * garbage-collected ("Assertion failed: (env) != nullptr"); 13 (N-API) fixes that but crashes on
 * Node 20. Same API, so the runtime picks: 13 from Node 22 on, 12 before. 13 is an optional
 * dependency (it declares Node >= 22), so an install on Node 20 skips it without a warning.
 */
export const SQLITE_MODULE = Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';
export const SQLiteDatabase: typeof SQLite = loadSqliteModule();

function loadSqliteModule(): typeof SQLite {
  try {
    return createRequire(import.meta.url)(SQLITE_MODULE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error(`${SQLITE_MODULE} is not installed for Node ${process.versions.node}: node_modules was installed under another Node version; run npm ci again`, { cause: err });
  }
}

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Present on PostgreSQL: a pool for LISTEN/NOTIFY and admin work. */
  pool: pg.Pool | null;
  /** Present on SQLite: synchronous execution of Kysely queries for hot paths (see sync.ts). */
  sync: SyncSqlite | null;
  close(): Promise<void>;
}

// int8 (bigint) columns hold epoch milliseconds, well inside Number's safe range.
const pgTypes = {
  getTypeParser(oid: number, format?: any) {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface DbOptions {
  /** PostgreSQL: how long one query may go unanswered before its connection is dropped (tests shorten it; 0: never). */
  queryTimeoutMs?: number;
}

/** createDb('sqlite:./data/tessera.db') or createDb('postgres://…'). */
export function createDb(url: string, opts: DbOptions = {}): Database {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const pool = createPgPool(url, 10, opts.queryTimeoutMs);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', pool, sync: null, close: () => db.destroy() };
  }
  const file = url.replace(/^sqlite:(\/\/)?/i, '');
  const sqlite = openSqlite(file);
  const cached = withStatementCache(sqlite);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cached }) });
  return { db, dialect: 'sqlite', pool: null, sync: new SyncSqlite(sqlite, db), close: () => db.destroy() };
}

/**
 * A PostgreSQL pool whose connections never crash the process when the server drops them: an idle
 * one closed by the server (restart, admin) is replaced on next use, and one that dies while
 * checked out (mid-transaction, say) still rejects its queries and is dropped on release; pg-pool
 * listens only on idle clients, and an 'error' event nobody listens to is thrown.
 */
export function createPgPool(url: string, max = 10, queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: pgTypes as any,
    connectionTimeoutMillis: connectTimeoutMs(url),
    ...(queryTimeoutMs > 0 ? { Client: timedClient(queryTimeoutMs) } : {}),
  });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

const DEFAULT_CONNECT_TIMEOUT_S = 5;

/** Tessera's queries are small and indexed: one unanswered this long means the database or the path to it is gone. */
const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/**
 * A pg Client whose queries each have a deadline: past it, the connection is destroyed, which rejects
 * the query ("Connection terminated unexpectedly"), rolls back its transaction on the server, and makes
 * the pool drop the connection on release. A silent stall (a network partition, a frozen server) would
 * otherwise hold the request until TCP gives up (many minutes). pg's own `query_timeout` rejects the
 * query but returns a connection still waiting for its answer to the pool, where the next request
 * queues behind it.
 */
function timedClient(timeoutMs: number): typeof pg.Client {
  class TimedClient extends pg.Client {
    query(...args: unknown[]): any {
      const result = (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
      if (!(result instanceof Promise)) return result; // callback form: not used by Tessera
      const timer = setTimeout(() => (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(), timeoutMs);
      return result.finally(() => clearTimeout(timer));
    }
  }
  return TimedClient as unknown as typeof pg.Client;
}

/**
 * How long a request waits for a PostgreSQL connection (a new one, or a free one from a full pool)
 * before failing: without a bound, a database that stops answering new connections holds every
 * request, and the start, forever. libpq's `connect_timeout` URL parameter (seconds) sets it.
 */
function connectTimeoutMs(url: string): number {
  const raw = /[?&]connect_timeout=([^&]*)/i.exec(url)?.[1];
  const seconds = raw === undefined ? NaN : Number(decodeURIComponent(raw));
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_CONNECT_TIMEOUT_S) * 1000;
}

/**
 * Opens the SQLite file, creating its directory, and proves it writable (a write rolled back), so a
 * read-only file or directory stops the start with its path instead of failing every later write.
 */
function openSqlite(file: string): SQLite.Database {
  const where = file === ':memory:' ? file : path.resolve(file);
  let sqlite: SQLite.Database | null = null;
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(where), { recursive: true });
    sqlite = new SQLiteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // better-sqlite3 builds SQLite with a 16 MB page cache; at 100,000 users lookups spread over the
    // whole file fill it. 4 MB keeps every index's inner pages, and leaves come from the OS file cache.
    sqlite.pragma('cache_size = -4000');
    sqlite.exec('begin immediate; create table tessera_write_check (x); rollback');
    return sqlite;
  } catch (err) {
    try {
      if (sqlite?.inTransaction) sqlite.exec('rollback');
      sqlite?.close();
    } catch {
      /* the open failure below is the one to report */
    }
    throw new Error(`cannot open the SQLite database ${where} for writing: ${(err as Error).message}`, { cause: err });
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every SQLite statement anew; preparing costs more than running the small
 * queries Tessera makes, so prepared statements are kept per SQL text (bounded, oldest dropped).
 * Safe because better-sqlite3 runs each statement to completion synchronously.
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** Postgres/SQLite unique-constraint violation, whatever the driver. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Which unique constraint was violated (best effort: constraint name or column list). */
export function violatedConstraint(err: unknown): string {
  const e = err as { constraint?: string; message?: string };
  return e?.constraint ?? e?.message ?? '';
}

/**
 * Postgres/SQLite foreign-key violation: a child row written for a parent that a concurrent request
 * deleted between the caller's read and its insert.
 */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
