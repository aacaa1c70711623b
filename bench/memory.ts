/**
 * Memory at scale: seeds a running server's database with many users (one session each, written in
 * bulk, not through the API), then drives the two lookups that touch the most distinct rows — users
 * listed by email with an API key, and session checks spread over every session — and reads the
 * server's peak RSS after each. `node --import tsx bench/memory.ts` runs it alone on a fresh server.
 */
import { createHash, randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import type { Insertable } from 'kysely';
import type SQLite from 'better-sqlite3';
import { createDb, SQLiteDatabase } from '../src/db/database.ts';
import type { SessionsTable, UsersTable } from '../src/db/schema.ts';
import { encodeSessionSecret } from '../src/support/secrets.ts';
import { ARGON2_HASH_OPTIONS } from '../src/passwords/passwords.ts';

export const MEMORY_USERS = Number(process.env.BENCH_USERS || 100_000);
const BATCH = 500;

/** What a user signed up with a password looks like (every user gets the same hash: only its size matters here). */
const USER_DEFAULTS = {
  project_id: 'default',
  phone: null,
  password: `$argon2id$v=19$m=7168,t=5,p=1$${'s'.repeat(22)}$${'h'.repeat(43)}`,
  hash: 'argon2',
  hash_options: JSON.stringify(ARGON2_HASH_OPTIONS),
  password_history: '[]',
  status: 1,
  labels: '[]',
  email_verification: 0,
  phone_verification: 0,
  mfa: 0,
  prefs: '{}',
  impersonator: 0,
};
const SESSION_DEFAULTS = {
  project_id: 'default',
  provider: 'email',
  provider_uid: '',
  provider_access_token: '',
  provider_refresh_token: '',
  provider_access_token_expiry: null,
  ip: '127.0.0.1',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  country_code: '--',
  factors: '["password"]',
  mfa_updated_at: null,
};

export interface MemoryFigures {
  users: number;
  seedSeconds: number;
  /** Peak RSS (MB) after the list-by-email scenario, and after the session checks too. */
  afterListByEmail: number;
  afterSessionChecks: number;
  listByEmail: autocannon.Result;
  sessionChecks: autocannon.Result;
}

/** Writes `count` users with one live session each; returns the session values (cookie/header form). */
export async function seedUsers(databaseUrl: string, count: number): Promise<string[]> {
  const values: string[] = [];
  const now = Date.now();
  const rows = function* () {
    for (let i = 0; i < count; i++) {
      const id = `m${i}`;
      const secret = randomBytes(32).toString('hex');
      values.push(encodeSessionSecret(id, secret));
      const user = { ...USER_DEFAULTS, id, name: `User ${i}`, email: `m${i}@example.com`, search: `${id} m${i}@example.com User ${i}`, registration: now, password_update: now, accessed_at: now, created_at: now, updated_at: now };
      const session = { ...SESSION_DEFAULTS, id: `s${i}`, user_id: id, secret_hash: createHash('sha256').update(secret).digest('hex'), expire: now + 365 * 86_400_000, created_at: now, updated_at: now };
      yield { user, session };
    }
  };
  if (databaseUrl.startsWith('sqlite:')) insertSqlite(databaseUrl.slice('sqlite:'.length), rows());
  else await insertBatches(databaseUrl, rows());
  return values;
}

type Seeded = { user: Insertable<UsersTable>; session: Insertable<SessionsTable> };

/** SQLite: one prepared statement per table, every row in one transaction (about 100,000 rows a second). */
function insertSqlite(file: string, rows: Iterable<Seeded>) {
  const sqlite = new SQLiteDatabase(file);
  sqlite.pragma('busy_timeout = 5000');
  const insert = (table: string, row: object) => `insert into ${table} (${Object.keys(row).join(', ')}) values (${Object.keys(row).map((k) => `@${k}`).join(', ')})`;
  let users: SQLite.Statement | undefined;
  let sessions: SQLite.Statement | undefined;
  try {
    sqlite.transaction(() => {
      for (const { user, session } of rows) {
        (users ??= sqlite.prepare(insert('users', user))).run(user);
        (sessions ??= sqlite.prepare(insert('sessions', session))).run(session);
      }
    })();
  } finally {
    sqlite.close();
  }
}

/** PostgreSQL: multi-row inserts of BATCH rows. */
async function insertBatches(databaseUrl: string, rows: Iterable<Seeded>) {
  const database = createDb(databaseUrl);
  try {
    let batch: Seeded[] = [];
    const flush = () =>
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(batch.map((r) => r.user)).execute();
        await trx.insertInto('sessions').values(batch.map((r) => r.session)).execute();
      });
    for (const row of rows) {
      batch.push(row);
      if (batch.length === BATCH) await flush().then(() => (batch = []));
    }
    if (batch.length) await flush();
  } finally {
    await database.close();
  }
}

/** Cycles `count` requests built by `make(i)` over the run, so every user is touched. */
function cycling(count: number, make: (i: number) => { path: string; headers: Record<string, string> }) {
  let n = 0;
  return [{ setupRequest: (req: any) => ({ ...req, ...make(n++ % count) }) }];
}

export async function measureMemory(o: { base: string; databaseUrl: string; apiKey: string; seconds: number; peakRssMb: () => number }): Promise<MemoryFigures> {
  const started = performance.now();
  const sessionValues = await seedUsers(o.databaseUrl, MEMORY_USERS);
  const seedSeconds = (performance.now() - started) / 1000;
  const url = new URL(o.base);
  const stride = 7919; // a prime: consecutive requests land on users far apart
  const listByEmail = await autocannon({
    url: url.origin,
    connections: 20,
    duration: o.seconds,
    requests: cycling(MEMORY_USERS, (i) => ({
      path: `${url.pathname}/users?queries[]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'email', values: [`m${(i * stride) % MEMORY_USERS}@example.com`] }))}`,
      headers: { 'x-appwrite-project': 'default', 'x-appwrite-key': o.apiKey },
    })),
  });
  const afterListByEmail = o.peakRssMb();
  const sessionChecks = await autocannon({
    url: url.origin,
    connections: 20,
    duration: o.seconds,
    requests: cycling(MEMORY_USERS, (i) => ({
      path: `${url.pathname}/account`,
      headers: { 'x-appwrite-project': 'default', 'x-appwrite-session': sessionValues[(i * stride) % MEMORY_USERS] },
    })),
  });
  return { users: MEMORY_USERS, seedSeconds, afterListByEmail, afterSessionChecks: o.peakRssMb(), listByEmail, sessionChecks };
}
