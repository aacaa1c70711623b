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
 * Node 20. Same API, so the runtime picks: 13 from Node 22 on, 12 before.
 */
const SQLiteDatabase: typeof SQLite = createRequire(import.meta.url)(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3',
);

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

/** createDb('sqlite:./data/tessera.db') or createDb('postgres://…'). */
export function createDb(url: string): Database {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes as any });
    // An idle connection closed by the server (restart, admin) must not crash the process;
    // the pool replaces it on next use.
    pool.on('error', () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', pool, sync: null, close: () => db.destroy() };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLiteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const cached = withStatementCache(sqlite);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cached }) });
  return { db, dialect: 'sqlite', pool: null, sync: new SyncSqlite(sqlite, cached.prepare), close: () => db.destroy() };
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
