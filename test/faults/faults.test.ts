import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql } from 'kysely';
import pino from 'pino';
import { SQLITE_MODULE, SQLiteDatabase as SQLite } from '../../src/db/database.ts';
import { Account, ID, Users } from 'node-appwrite';
import { backends, eventually, freshDatabaseUrl, POSTGRES_ADMIN_URL, startServer, type TestServer, TEST_SERVER_KEY } from '../harness.ts';
import { bundleServer, spawnServer } from '../multiprocess-helpers.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { buildApp } from '../../src/app.ts';
import { createDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrator.ts';
import { hashSecret } from '../../src/support/secrets.ts';

/**
 * The database misbehaving under a running server, and at its start: connections killed, PostgreSQL
 * unreachable (refused, silent, stalled), SQLite locked by another writer or not writable.
 * The promise: no crash, a 500 Appwrite body (never a hang), no half-done write, and recovery
 * without a restart.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PASSWORD = 'faults-test-pass-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Outcome = { ok: true; value: any } | { ok: false; code: number; type: string; message: string };

/** A settled SDK call: its value, or its HTTP code and Appwrite type (anything else, e.g. a reset socket, rethrows). */
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    const e = err as { code?: number; type?: string; message?: string };
    if (typeof e.code !== 'number' || e.code === 0) throw err;
    return { ok: false, code: e.code, type: e.type ?? '', message: e.message ?? '' };
  }
}

/** The answer Appwrite gives for an error it did not expect (app/controllers/general.php: 500, general_unknown, "Server Error"). */
function assertServerError(o: Outcome, what: string) {
  assert.ok(!o.ok, `${what}: expected a 500`);
  assert.deepEqual([o.code, o.type, o.message], [500, 'general_unknown', 'Server Error'], what);
}

async function assertServerErrorResponse(res: Response, what: string) {
  assert.equal(res.status, 500, what);
  const body = await res.json();
  assert.deepEqual({ ...body, version: typeof body.version }, { message: 'Server Error', code: 500, type: 'general_unknown', version: 'string' }, what);
}

/** Milliseconds `fn` took, with its result. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Terminates every other backend on `url`'s database (what an admin or a failover does); how many. */
async function killConnections(admin: pg.Client): Promise<number> {
  const r = await admin.query(
    'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  return r.rowCount ?? 0;
}

/** Terminates one backend caught inside a transaction, between two of its statements. */
async function killOneInTransaction(admin: pg.Client): Promise<number> {
  const r = await admin.query(
    `select pg_terminate_backend(pid) from (
       select pid from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and state = 'idle in transaction' limit 1) as caught`,
  );
  return r.rowCount ?? 0;
}

async function adminOn(url: string): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return admin;
}

/**
 * A TCP proxy in front of PostgreSQL that a test can cut: `cut()` resets every connection and
 * holds new ones unanswered (a database that is gone); `stall()` keeps connections open but stops
 * carrying bytes (a silent partition); `restore()` carries bytes again.
 */
class PgProxy {
  port = 0;
  private mode: 'open' | 'held' = 'open';
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private readonly held = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly target = new URL(POSTGRES_ADMIN_URL);

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** `url` (a database on the test server) reached through this proxy. */
  url(url: string, params = 'connect_timeout=1'): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    u.search = params;
    return u.toString();
  }

  private accept(socket: net.Socket) {
    socket.on('error', () => {});
    if (this.mode === 'held') {
      this.held.add(socket);
      socket.on('close', () => this.held.delete(socket));
      return;
    }
    const upstream = net.connect(Number(this.target.port || 5432), this.target.hostname);
    upstream.on('error', () => {});
    const pair: [net.Socket, net.Socket] = [socket, upstream];
    this.pairs.add(pair);
    socket.pipe(upstream);
    upstream.pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    socket.on('close', end);
    upstream.on('close', end);
  }

  cut() {
    this.mode = 'held';
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  stall() {
    this.mode = 'held';
    for (const [a, b] of this.pairs) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
    }
  }

  restore() {
    this.mode = 'open';
    for (const s of this.held) s.destroy();
    this.held.clear();
    for (const [a, b] of this.pairs) {
      a.pipe(b);
      b.pipe(a);
    }
  }

  async close() {
    this.cut();
    this.restore();
    await new Promise((r) => this.server.close(r));
  }
}

/** Another Tessera process (in this one) on an existing database: the project and key already exist. */
async function startProcess(databaseUrl: string, invalidationHeartbeatMs?: number, dbQueryTimeoutMs?: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-faults-'));
  const config = loadConfig({ TESSERA_DATABASE_URL: databaseUrl, TESSERA_DATA_DIR: dataDir, TESSERA_PORT: '0', TESSERA_HOST: '127.0.0.1', TESSERA_SECRET_KEY: TEST_SERVER_KEY });
  const container: Container = await createContainer(config, { logger: pino({ level: 'silent' }), invalidationHeartbeatMs, dbQueryTimeoutMs });
  const app = await buildApp(container);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
  return {
    container,
    fetch(pathname: string, init: { method?: string; session?: string; json?: unknown } = {}) {
      const headers: Record<string, string> = { 'x-appwrite-project': 'default' };
      if (init.session) headers['x-appwrite-session'] = init.session;
      if (init.json !== undefined) headers['content-type'] = 'application/json';
      const body = init.json === undefined ? undefined : JSON.stringify(init.json);
      // A request the server never answers fails the test in seconds rather than at the runner's timeout.
      return fetch(endpoint + pathname, { method: init.method ?? 'GET', headers, body, signal: AbortSignal.timeout(10_000) });
    },
    async close() {
      await app.close();
      await container.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether a user other than root can run this Node binary (every folder on its path searchable by others). */
function othersCanRun(file: string): boolean {
  for (let p = path.resolve(file); ; p = path.dirname(p)) {
    if ((fs.statSync(p).mode & 0o001) === 0) return false;
    if (p === path.dirname(p)) return true;
  }
}
/** A read-only path stops only a server that is not root: it then runs as nobody, if nobody can run Node. */
const readOnlyPathsTestable = process.getuid?.() !== 0 || othersCanRun(process.execPath);

/** Runs the bundled server until it exits (or `timeoutMs`, then kills it): exit code, stderr, time taken. */
function runUntilExit(mainJs: string, env: Record<string, string>, opts: { timeoutMs?: number; asOtherUser?: boolean } = {}) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
  // As root every file is writable: a read-only path needs the server to run as someone else.
  const ids = opts.asOtherUser && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const start = performance.now();
  const child = spawn(process.execPath, [mainJs], {
    cwd: ROOT,
    env: { ...inherited, TESSERA_PORT: '0', TESSERA_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...ids,
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
  return new Promise<{ code: number | null; signal: string | null; output: string; ms: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: performance.now() - start });
    }),
  );
}

const pgOnly = backends().includes('postgres');
const sqliteOnly = backends().includes('sqlite');

describe('PostgreSQL connections killed under the server [postgres]', { skip: !pgOnly && 'PostgreSQL not in TESSERA_TEST_BACKENDS' }, () => {
  let t: TestServer;
  let users: Users;
  let admin: pg.Client;
  before(async () => {
    t = await startServer('postgres');
    users = new Users(t.server());
    admin = await adminOn(t.databaseUrl);
  });
  after(async () => {
    await admin?.end();
    await t?.close();
  });

  it('every connection killed: the process stays up and the next requests run on new connections', async () => {
    const user = await users.create({ userId: ID.unique(), email: `killed-${Date.now()}@example.com`, password: PASSWORD });
    const session = await users.createSession({ userId: user.$id });
    const account = new Account(t.withSession(session.secret));
    // Fill the pool with idle connections, and warm the session cache.
    await Promise.all(Array.from({ length: 8 }, () => users.list()));
    await account.get();
    const pool = t.container.database.pool!;
    const before = pool.totalCount;
    assert.ok(before >= 2, 'the pool holds connections');

    assert.ok((await killConnections(admin)) >= 2, 'the pool and LISTEN connections were killed');
    // The kill is asynchronous: wait until the backends are gone and the pool has heard.
    await eventually(async () => Number((await admin.query('select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query not ilike \'listen %\'')).rows[0].n), 0);
    await sleep(50);

    assert.equal((await users.get({ userId: user.$id })).$id, user.$id);
    assert.equal((await account.get()).$id, user.$id);
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) => users.create({ userId: ID.unique(), email: `after-kill-${i}-${Date.now()}@example.com` })),
    );
    assert.equal(created.length, 12);
    // The LISTEN connection is back too, and the cache serves again.
    assert.equal(await eventually(async () => t.container.relay.live, true), true);
    await account.get();
    await account.get();
    assert.ok(t.container.sessions.cache.get(hashSecret(session.secret)), 'the session is cached again');
  });

  it('connections killed again and again during a burst of logins and token exchanges: each answers 201 or 500, and no write is half-done; at least one request is hit', async (ctx) => {
    // Kills land by chance: bursts repeat (at most 5) until one request was hit, so the half-done
    // checks below have run on a failure, not only on successes.
    let failed = 0;
    for (let burst = 1; burst <= 5 && failed === 0; burst++) failed = await killingBurst(burst);
    assert.ok(failed > 0, 'no request was hit by a killed connection in 5 bursts');

    async function killingBurst(burst: number): Promise<number> {
      const n = 12;
      const KILL_EVERY_MS = 10;
      const stamp = `${Date.now()}-${burst}`;
      const loginUsers = await Promise.all(
        Array.from({ length: n }, (_, i) => users.create({ userId: ID.unique(), email: `burst-login-${i}-${stamp}@example.com`, password: PASSWORD })),
      );
      const tokenUsers = await Promise.all(Array.from({ length: n }, () => users.create({ userId: ID.unique() })));
      const tokens = await Promise.all(tokenUsers.map((u) => users.createToken({ userId: u.$id })));
      const guest = () => new Account(t.guest());
      const login = (i: number) => guest().createEmailPasswordSession({ email: loginUsers[i].email, password: PASSWORD });
      const exchange = (i: number) => guest().createSession({ userId: tokenUsers[i].$id, secret: tokens[i].secret });

      // Now and then one connection caught inside a transaction (between its statements); once, all of them.
      let done = false;
      let killed = 0;
      const killer = (async () => {
        for (let round = 1; !done; round++) {
          killed += round === 5 ? await killConnections(admin) : await killOneInTransaction(admin);
          await sleep(KILL_EVERY_MS);
        }
      })();
      const [logins, exchanges] = await Promise.all([
        Promise.all(loginUsers.map((_, i) => outcome(login(i)))),
        Promise.all(tokenUsers.map((_, i) => outcome(exchange(i)))),
      ]);
      done = true;
      await killer;
      const failures = [...logins, ...exchanges].filter((o) => !o.ok).length;
      ctx.diagnostic(`${killed} connections killed; failed: ${logins.filter((o) => !o.ok).length} of ${n} logins, ${exchanges.filter((o) => !o.ok).length} of ${n} exchanges`);
      for (const o of [...logins, ...exchanges]) if (!o.ok) assertServerError(o, 'a request hit by a killed connection');
      assert.ok(killed > 0, 'connections were killed while requests ran');

      // Give the pool a moment to notice the last kills, then read what was committed.
      await sleep(100);
      const db = t.container.db;
      for (const [i, u] of tokenUsers.entries()) {
        const token = await db.selectFrom('tokens').select('id').where('user_id', '=', u.$id).executeTakeFirst();
        const sessions = await db.selectFrom('sessions').select(['id', 'provider']).where('user_id', '=', u.$id).execute();
        const o = exchanges[i];
        if (o.ok) {
          assert.equal(token, undefined, 'an exchange that answered 201 consumed its token');
          assert.deepEqual(sessions, [{ id: o.value.$id, provider: 'token' }]);
        } else {
          // Rolled back, or committed with the answer lost on the way out: the token and a session never both, never neither.
          assert.equal(sessions.length, token ? 0 : 1, `token ${token ? 'kept' : 'consumed'} with ${sessions.length} sessions`);
        }
      }
      for (const [i, u] of loginUsers.entries()) {
        const sessions = await db.selectFrom('sessions').select('id').where('user_id', '=', u.$id).execute();
        const o = logins[i];
        if (o.ok) assert.deepEqual(sessions.map((s) => s.id), [o.value.$id]);
        else assert.ok(sessions.length <= 1, 'a failed login left at most the session it committed');
      }

      // Nothing is left broken: a failed exchange whose token survived works now, and every login does.
      for (const [i, o] of exchanges.entries()) {
        const kept = await db.selectFrom('tokens').select('id').where('user_id', '=', tokenUsers[i].$id).executeTakeFirst();
        if (!o.ok && kept) assert.equal((await exchange(i)).userId, tokenUsers[i].$id);
      }
      for (const [i, o] of logins.entries()) if (!o.ok) assert.equal((await login(i)).userId, loginUsers[i].$id);

      return failures;
    }
  });
});

describe('PostgreSQL query timeout and start-up [postgres]', { skip: !pgOnly && 'PostgreSQL not in TESSERA_TEST_BACKENDS' }, () => {
  it('a start that waits on another process\'s migration lock longer than the query timeout still starts', async () => {
    const db = await freshDatabaseUrl('postgres');
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      // Another process migrating: the migration lock held for longer than the query timeout.
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(727274)');
      const starting = startProcess(db.url, undefined, 300);
      await new Promise((r) => setTimeout(r, 1_000));
      await holder.query('commit');
      const p = await starting;
      try {
        assert.equal((await p.fetch('/health/version')).status, 200);
        const applied = await sql<{ name: string }>`select name from tessera_migrations`.execute(p.container.db);
        assert.ok(applied.rows.length >= 2, `migrations applied: ${applied.rows.map((r) => r.name)}`);
      } finally {
        await p.close();
      }
    } finally {
      await holder.end();
      await db.drop();
    }
  });
});

describe('PostgreSQL unreachable at start [postgres]', { skip: !pgOnly && 'PostgreSQL not in TESSERA_TEST_BACKENDS' }, () => {
  let bundle: Awaited<ReturnType<typeof bundleServer>>;
  before(async () => {
    bundle = await bundleServer();
  });
  after(() => bundle?.remove());

  it('a refused port: the start fails within seconds, non-zero, naming the database without its password', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r)); // nothing listens there now
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-faults-'));
    try {
      const r = await runUntilExit(bundle.mainJs, { TESSERA_DATABASE_URL: `postgres://postgres:hunter2-secret@127.0.0.1:${port}/tessera`, TESSERA_DATA_DIR: dataDir });
      assert.equal(r.signal, null, `exited by itself:\n${r.output}`);
      assert.equal(r.code, 1);
      assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
      assert.match(r.output, new RegExp(`Tessera could not start: Error: cannot use the database postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/tessera: connect ECONNREFUSED`));
      assert.doesNotMatch(r.output, /hunter2-secret/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a database that accepts the connection but never answers: the start fails after connect_timeout, not a hang', async () => {
    const proxy = await new PgProxy().start();
    proxy.cut();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-faults-'));
    try {
      const r = await runUntilExit(bundle.mainJs, { TESSERA_DATABASE_URL: proxy.url('postgres://postgres@x/tessera'), TESSERA_DATA_DIR: dataDir });
      assert.equal(r.signal, null, `exited by itself:\n${r.output}`);
      assert.equal(r.code, 1);
      assert.ok(r.ms < 8_000, `took ${r.ms} ms`);
      assert.match(r.output, /Tessera could not start: Error: cannot use the database postgres:\/\/postgres@127\.0\.0\.1:\d+\/tessera\?connect_timeout=1: .*timeout/);
    } finally {
      await proxy.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL unreachable while running [postgres]', { skip: !pgOnly && 'PostgreSQL not in TESSERA_TEST_BACKENDS' }, () => {
  // Process B reaches PostgreSQL directly; process A through the proxy the tests cut.
  let b: TestServer;
  let users: Users;
  let proxy: PgProxy;
  let a: Awaited<ReturnType<typeof startProcess>>;
  const HEARTBEAT_MS = 250;
  const QUERY_TIMEOUT_MS = 1_500;
  before(async () => {
    b = await startServer('postgres');
    users = new Users(b.server());
    proxy = await new PgProxy().start();
    a = await startProcess(proxy.url(b.databaseUrl), HEARTBEAT_MS, QUERY_TIMEOUT_MS);
  });
  after(async () => {
    proxy?.restore();
    await a?.close();
    await proxy?.close();
    await b?.close();
  });

  async function warmOnA(label: string) {
    const user = await users.create({ userId: ID.unique(), email: `${label}-${Date.now()}@example.com`, password: PASSWORD });
    const session = await users.createSession({ userId: user.$id });
    assert.equal((await a.fetch('/account', { session: session.secret })).status, 200);
    assert.equal((await a.fetch('/account', { session: session.secret })).status, 200);
    assert.ok(a.container.sessions.cache.get(hashSecret(session.secret)), 'A cached the session');
    return { user, session };
  }

  it('cut: requests answer 500 within the connect timeout, warm sessions fail closed, the process serves on; restored: all works again and a session revoked meanwhile is refused', async () => {
    const { user, session } = await warmOnA('cut');
    proxy.cut();
    assert.equal(await eventually(async () => a.container.relay.live, false), false, 'A noticed its LISTEN connection is gone');
    assert.equal(a.container.sessions.cache.size, 0, 'and forgot everything cached');

    // The warm session is not served from the cache while A could miss revocations: the check goes to the database, which is gone.
    const check = await timed(() => a.fetch('/account', { session: session.secret }));
    await assertServerErrorResponse(check.value, 'a session check during the cut');
    assert.ok(check.ms < 3_000, `answered in ${check.ms} ms`);
    const login = await timed(() => a.fetch('/account/sessions/email', { method: 'POST', json: { email: user.email, password: PASSWORD } }));
    await assertServerErrorResponse(login.value, 'a login during the cut');
    assert.ok(login.ms < 3_000, `answered in ${login.ms} ms`);
    // More requests than the pool has connections: those queued for a connection are bounded too.
    const burst = await timed(() => Promise.all(Array.from({ length: 15 }, () => a.fetch('/users', { session: session.secret }))));
    assert.deepEqual(burst.value.map((r) => r.status), Array(15).fill(500));
    assert.ok(burst.ms < 4_000, `15 requests answered in ${burst.ms} ms`);
    // Requests that need no database still answer: the process is up and its event loop free.
    assert.equal((await a.fetch('/health/version')).status, 200);

    // Revoked through B while A cannot hear about it.
    await users.deleteSession({ userId: user.$id, sessionId: session.$id });
    proxy.restore();

    // At once, whether or not A listens again yet: the revoked session is refused, never served.
    assert.equal((await a.fetch('/account', { session: session.secret })).status, 401);
    const relogin = await a.fetch('/account/sessions/email', { method: 'POST', json: { email: user.email, password: PASSWORD } });
    assert.equal(relogin.status, 201);
    const secret = (await users.createSession({ userId: user.$id })).secret;
    assert.equal((await a.fetch('/account', { session: secret })).status, 200);
    assert.equal(await eventually(async () => a.container.relay.live, true, 8_000), true, 'A listens again');
    assert.equal((await a.fetch('/account', { session: secret })).status, 200);
    assert.equal((await a.fetch('/account', { session: secret })).status, 200);
    assert.ok(a.container.sessions.cache.get(hashSecret(secret)), 'A caches again');
  });

  it('a silent stall on open connections: requests answer 500 within the query timeout, and the stalled connections are dropped, not reused', async () => {
    assert.equal(await eventually(async () => a.container.relay.live, true, 8_000), true);
    const user = await users.create({ userId: ID.unique(), email: `querystall-${Date.now()}@example.com`, password: PASSWORD });
    // Connections open and idle in A's pool, as after any traffic.
    const warm = await Promise.all(Array.from({ length: 3 }, () => a.fetch('/account/sessions/email', { method: 'POST', json: { email: user.email, password: PASSWORD } })));
    assert.deepEqual(warm.map((r) => r.status), [201, 201, 201]);
    const pool = a.container.database.pool!;
    assert.ok(pool.idleCount >= 1, `idle connections: ${pool.idleCount}`);

    proxy.stall();
    const logins = await timed(() => Promise.all(Array.from({ length: 3 }, () => a.fetch('/account/sessions/email', { method: 'POST', json: { email: user.email, password: PASSWORD } }))));
    for (const r of logins.value) await assertServerErrorResponse(r, 'a login on a stalled connection');
    assert.ok(logins.ms < QUERY_TIMEOUT_MS + 3_000, `answered in ${logins.ms} ms (query timeout ${QUERY_TIMEOUT_MS} ms)`);
    assert.equal((await a.fetch('/health/version')).status, 200, 'the process serves on');

    proxy.restore();
    // The stalled connections were destroyed: nothing queues behind a query that will never be answered.
    const after = await timed(() => a.fetch('/account/sessions/email', { method: 'POST', json: { email: user.email, password: PASSWORD } }));
    assert.equal(after.value.status, 201);
    assert.ok(after.ms < QUERY_TIMEOUT_MS, `the next login took ${after.ms} ms`);
  });

  it('a silent stall (no reset): the LISTEN heartbeat notices within its deadline and the cache stops serving; a session revoked meanwhile is refused after', async () => {
    assert.equal(await eventually(async () => a.container.relay.live, true, 8_000), true);
    const { user, session } = await warmOnA('stall');
    proxy.stall();
    await users.deleteSession({ userId: user.$id, sessionId: session.$id }); // A cannot hear about it
    const noticed = await timed(() => eventually(async () => a.container.relay.live, false, 4 * HEARTBEAT_MS + 1_000));
    assert.equal(noticed.value, false, 'A noticed that its LISTEN connection stopped answering');
    assert.equal(a.container.sessions.cache.get(hashSecret(session.secret)), undefined, 'the revoked session is no longer served from the cache');
    assert.equal(a.container.sessions.cache.size, 0);
    proxy.restore();
    assert.equal((await a.fetch('/account', { session: session.secret })).status, 401);
    assert.equal(await eventually(async () => a.container.relay.live, true, 8_000), true, 'A listens again');
  });
});

describe('SQLite locked by another writer [sqlite]', { skip: !sqliteOnly && 'SQLite not in TESSERA_TEST_BACKENDS' }, () => {
  let t: TestServer;
  let users: Users;
  let file: string;
  before(async () => {
    t = await startServer('sqlite');
    users = new Users(t.server());
    file = t.databaseUrl.replace(/^sqlite:/, '');
  });
  after(async () => t?.close());

  const guest = () => new Account(t.guest());
  const sessionsOf = (userId: string) => t.container.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();

  it('a write lock held past busy_timeout: a login and a sign-up answer 500, write nothing, leave no transaction open; after it, both work', async () => {
    const user = await users.create({ userId: ID.unique(), email: `locked-${Date.now()}@example.com`, password: PASSWORD });
    const usersBefore = (await users.list()).total;
    const locker = new SQLite(file);
    try {
      locker.exec('BEGIN IMMEDIATE');
      // The server's SQLite calls are synchronous: this process cannot release the lock while it waits, so it waits its full busy_timeout.
      assertServerError(await outcome(guest().createEmailPasswordSession({ email: user.email, password: PASSWORD })), 'a login while locked');
      assertServerError(await outcome(guest().create({ userId: ID.unique(), email: `locked-new-${Date.now()}@example.com`, password: PASSWORD })), 'a sign-up while locked');
      assert.equal(t.container.database.sync!.idle(), true, 'no transaction left open on the server connection');
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    }
    assert.deepEqual(await sessionsOf(user.$id), []);
    assert.equal((await users.list()).total, usersBefore);

    const session = await guest().createEmailPasswordSession({ email: user.email, password: PASSWORD });
    assert.deepEqual((await sessionsOf(user.$id)).map((s) => s.id), [session.$id]);
    const created = await guest().create({ userId: ID.unique(), email: `after-lock-${Date.now()}@example.com`, password: PASSWORD });
    assert.equal((await users.get({ userId: created.$id })).$id, created.$id);
  });

  it('a write lock released within busy_timeout: the login waits for it and succeeds', async () => {
    const user = await users.create({ userId: ID.unique(), email: `waits-${Date.now()}@example.com`, password: PASSWORD });
    // Another process holds the lock for 800 ms (this one is blocked while the server waits).
    const holder = spawn(
      process.execPath,
      ['-e', `const d = new (require(${JSON.stringify(SQLITE_MODULE)}))(process.argv[1]); d.exec('BEGIN IMMEDIATE'); console.log('locked'); setTimeout(() => { d.exec('COMMIT'); d.close(); }, 800);`, file],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((r) => holder.once('exit', r));
    await new Promise<void>((r) => holder.stdout.once('data', () => r()));
    const login = await timed(() => guest().createEmailPasswordSession({ email: user.email, password: PASSWORD }));
    await exited;
    assert.ok(login.ms >= 300, `the login waited for the lock (${login.ms} ms)`);
    assert.deepEqual((await sessionsOf(user.$id)).map((s) => s.id), [login.value.$id]);
    assert.equal(t.container.database.sync!.idle(), true);
  });
});

describe('SQLite file unusable at start [sqlite]', { skip: !sqliteOnly && 'SQLite not in TESSERA_TEST_BACKENDS' }, () => {
  let bundle: Awaited<ReturnType<typeof bundleServer>>;
  let dir: string;
  before(async () => {
    bundle = await bundleServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-faults-'));
    fs.chmodSync(dir, 0o755); // reachable by the other user the read-only cases run as
  });
  after(() => {
    bundle?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function assertStartFails(env: Record<string, string>, file: string, cause: RegExp, asOtherUser = false) {
    const r = await runUntilExit(bundle.mainJs, env, { asOtherUser });
    assert.equal(r.signal, null, `exited by itself:\n${r.output}`);
    assert.equal(r.code, 1, r.output);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    assert.ok(r.output.includes(`Tessera could not start: Error: cannot open the SQLite database ${file} for writing: `), r.output);
    assert.match(r.output, cause);
  }

  it('a data dir that cannot be created (a file is in the way): the start fails naming the path', async () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'data', 'tessera.db');
    await assertStartFails({ TESSERA_DATABASE_URL: `sqlite:${file}`, TESSERA_DATA_DIR: path.dirname(file) }, file, /ENOTDIR/);
  });

  it('a read-only data dir: the start fails naming the path', { skip: !readOnlyPathsTestable && `nobody cannot run ${process.execPath}` }, async () => {
    const ro = path.join(dir, 'read-only');
    fs.mkdirSync(ro, { mode: 0o555 });
    const file = path.join(ro, 'tessera.db');
    await assertStartFails({ TESSERA_DATABASE_URL: `sqlite:${file}`, TESSERA_DATA_DIR: ro }, file, /unable to open database file/, true);
    assert.equal(fs.existsSync(file), false);
  });

  it('a read-only database file: the start fails naming the path (not at the first write)', { skip: !readOnlyPathsTestable && `nobody cannot run ${process.execPath}` }, async () => {
    const rw = path.join(dir, 'read-only-file');
    fs.mkdirSync(rw, { mode: 0o777 });
    fs.chmodSync(rw, 0o777);
    const file = path.join(rw, 'tessera.db');
    const database = createDb(`sqlite:${file}`);
    await migrate(database);
    await database.close();
    fs.chmodSync(file, 0o444);
    await assertStartFails(
      { TESSERA_DATABASE_URL: `sqlite:${file}`, TESSERA_DATA_DIR: rw, TESSERA_JWT_SECRET: 'a-configured-secret-so-nothing-else-writes-at-start' },
      file,
      /attempt to write a readonly database/,
      true,
    );
  });

  it('a deleted data dir is made again: the server starts on a new database', async () => {
    const dataDir = path.join(dir, 'deleted', 'data');
    const server = await spawnServer('faults-deleted', bundle.mainJs, { TESSERA_DATABASE_URL: `sqlite:${path.join(dataDir, 'tessera.db')}`, TESSERA_DATA_DIR: dataDir });
    try {
      const res = await fetch(`${server.endpoint}/health/version`);
      assert.equal(res.status, 200);
      assert.ok(fs.existsSync(path.join(dataDir, 'tessera.db')));
      assert.equal(server.keyFile, path.join(dataDir, 'default-api-key.json'));
    } finally {
      await server.stop();
    }
  });
});
