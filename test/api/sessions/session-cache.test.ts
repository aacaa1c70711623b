import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, eventually, rejection, standaloneCache, startPeer, startServer, type TestServer } from '../../harness.ts';
import { SessionsService } from '../../../src/sessions/sessions.service.ts';
import { hashSecret } from '../../../src/support/secrets.ts';
import type { SessionRow } from '../../../src/sessions/sessions.ts';
import type { UserRow } from '../../../src/users/users.ts';

const PASSWORD = 'cache-test-pass-1';
/** The cache key of a session cookie value. */
// The cache is keyed by the SHA-256 of the whole session value.
const cacheKey = (secret: string) => hashSecret(secret);

/** A second Tessera process on the same database (what a PostgreSQL deployment runs N of). */
async function startSecondProcess(t: TestServer) {
  const peer = await startPeer(t);
  /** GET /account on this process as the session's holder; the HTTP status. */
  return { container: peer.container, accountStatus: async (secret: string) => (await peer.account(secret)).status, close: peer.close };
}


/**
 * Wraps a Kysely instance so that the first executeTakeFirst() stalls after the database answered
 * (and its connection is free again) until released: a read racing a write, staged.
 */
function gateFirstRead<T extends object>(db: T) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const reachedGate = new Promise<void>((r) => (reached = r));
  let armed = true;
  const wrap = <O extends object>(obj: O): O =>
    new Proxy(obj, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (prop === 'executeTakeFirst') {
          return async (...args: unknown[]) => {
            const result = await value.apply(target, args);
            if (armed) {
              armed = false;
              reached();
              await released;
            }
            return result;
          };
        }
        return (...args: unknown[]) => {
          const next = value.apply(target, args);
          return next && typeof next === 'object' && 'executeTakeFirst' in next ? wrap(next) : next;
        };
      },
    });
  return { db: wrap(db), release, reachedGate };
}

describeEachBackend('session cache invalidation', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
  });
  after(async () => t?.close());

  /** A user with one server-created session; returns the session cookie value. */
  async function userWithSession(label: string) {
    const user = await users.create({ userId: ID.unique(), email: `${label}-${Date.now()}@example.com`, password: PASSWORD, name: 'Before' });
    const session = await users.createSession({ userId: user.$id });
    assert.ok(session.secret, 'an API key sees the new session secret');
    return { user, sessionId: session.$id, secret: session.secret, account: new Account(t.withSession(session.secret)) };
  }

  /** Two authenticated calls: the second is a warm hit. */
  async function warm(account: Account, secret: string) {
    await account.get();
    await account.get();
    assert.ok(t.container.sessions.cache.size > 0);
    assert.ok(t.container.sessions.cache.get(cacheKey(secret)), 'the session is cached');
  }

  async function assertSignedOut(account: Account) {
    const err = await rejection(account.get());
    assert.equal(err.code, 401);
    assert.equal(err.type, 'general_unauthorized_scope');
  }

  it('a warm hit skips the database (a row edited behind the services is not seen)', async () => {
    // Control for every test below: without an invalidation, the cached copy is what answers.
    const { user, account, secret } = await userWithSession('control');
    await warm(account, secret);
    await t.container.db.updateTable('users').set({ name: 'Edited behind the cache' }).where('id', '=', user.$id).execute();
    assert.equal((await account.get()).name, 'Before');
    await users.updateName({ userId: user.$id, name: 'Through the API' });
    assert.equal((await account.get()).name, 'Through the API');
  });

  it('deleting the current session through the account ends it on the next request', async () => {
    const { account, secret } = await userWithSession('self-delete');
    await warm(account, secret);
    await account.deleteSession({ sessionId: 'current' });
    await assertSignedOut(account);
    assert.equal(t.container.sessions.cache.get(cacheKey(secret)), undefined);
  });

  it('users.deleteSession ends that session on the next request', async () => {
    const { user, sessionId, account, secret } = await userWithSession('admin-delete');
    await warm(account, secret);
    await users.deleteSession({ userId: user.$id, sessionId });
    await assertSignedOut(account);
  });

  it('users.deleteSessions ends every warm session of the user', async () => {
    const { user, account, secret } = await userWithSession('admin-delete-all');
    const other = await users.createSession({ userId: user.$id });
    const otherAccount = new Account(t.withSession(other.secret));
    await warm(account, secret);
    await warm(otherAccount, other.secret);
    await users.deleteSessions({ userId: user.$id });
    await assertSignedOut(account);
    await assertSignedOut(otherAccount);
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
  });

  it('blocking the user answers 403 user_blocked on the next request, unblocking restores it', async () => {
    const { user, account, secret } = await userWithSession('block');
    await warm(account, secret);
    await users.updateStatus({ userId: user.$id, status: false });
    const err = await rejection(account.get());
    assert.equal(err.code, 403);
    assert.equal(err.type, 'user_blocked');
    await users.updateStatus({ userId: user.$id, status: true });
    assert.equal((await account.get()).$id, user.$id);
  });

  it('deleting the user ends its sessions on the next request', async () => {
    const { user, account, secret } = await userWithSession('delete-user');
    await warm(account, secret);
    await users.delete({ userId: user.$id });
    await assertSignedOut(account);
    assert.equal(await t.container.db.selectFrom('sessions').select('id').where('user_id', '=', user.$id).executeTakeFirst(), undefined);
  });

  it('users.updatePassword ends the sessions on the next request', async () => {
    const { user, account, secret } = await userWithSession('password');
    await warm(account, secret);
    await users.updatePassword({ userId: user.$id, password: 'a-new-password-2' });
    await assertSignedOut(account);
    assert.equal((await users.listSessions({ userId: user.$id })).total, 0);
  });

  it('users.updateName shows on the next account.get', async () => {
    const { user, account, secret } = await userWithSession('rename');
    await warm(account, secret);
    await users.updateName({ userId: user.$id, name: 'After' });
    assert.equal((await account.get()).name, 'After');
  });

  it('a session read that races its deletion is not cached', async () => {
    const { user, sessionId, account, secret } = await userWithSession('race');
    // A second SessionsService sharing the app's cache, whose first read stalls after the database answered.
    const c = t.container;
    const gate = gateFirstRead(c.db);
    const gated = new SessionsService({ ...c.database, db: gate.db }, c.clock, c.random, c.events, c.sessions.cache);
    const read = gated.authenticate(t.projectId, secret);
    await gate.reachedGate; // the read has seen the live session...
    await users.deleteSession({ userId: user.$id, sessionId }); // ...which is deleted before it is cached
    gate.release();
    assert.ok(await read, 'the in-flight read itself still answers what it read');
    assert.equal(c.sessions.cache.get(cacheKey(secret)), undefined, 'but does not cache it');
    await assertSignedOut(account);
  });

  if (backend === 'postgres') {
    describe('across processes (LISTEN/NOTIFY)', () => {
      let b: Awaited<ReturnType<typeof startSecondProcess>>;
      before(async () => {
        b = await startSecondProcess(t);
      });
      after(async () => b?.close());

      async function warmOnB(secret: string) {
        assert.equal(await b.accountStatus(secret), 200);
        assert.equal(await b.accountStatus(secret), 200);
        assert.ok(b.container.sessions.cache.get(cacheKey(secret)), 'process B cached the session');
      }

      it('a session deleted through process A stops working on process B', async () => {
        const { user, sessionId, secret } = await userWithSession('xproc-delete');
        await warmOnB(secret);
        await users.deleteSession({ userId: user.$id, sessionId });
        assert.equal(await eventually(() => b.accountStatus(secret), 401), 401);
        assert.equal(b.container.sessions.cache.get(cacheKey(secret)), undefined);
      });

      it('a user blocked through process A is blocked on process B', async () => {
        const { user, secret } = await userWithSession('xproc-block');
        await warmOnB(secret);
        await users.updateStatus({ userId: user.$id, status: false });
        assert.equal(await eventually(() => b.accountStatus(secret), 403), 403);
      });

      it('process B listens again after its LISTEN connection is killed, and still sees revocations', async () => {
        const admin = new pg.Client({ connectionString: t.databaseUrl });
        await admin.connect();
        const listeners = async () =>
          (
            await admin.query<{ pid: number }>(
              `select pid from pg_stat_activity
               where datname = current_database() and pid <> pg_backend_pid() and state = 'idle'
               and (query ilike 'listen %' or query = 'select 1')`, // its last query: LISTEN, or the relay's heartbeat
            )
          ).rows.map((r) => r.pid);
        try {
          const before = await listeners();
          assert.ok(before.length >= 2, 'both processes were listening');
          await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [before]);
          // Both processes notice, and listen again on new connections.
          const relistened = async () => (await listeners()).filter((pid) => !before.includes(pid)).length;
          assert.equal(await eventually(relistened, 2), 2);
        } finally {
          await admin.end();
        }
        assert.equal(await eventually(async () => b.container.relay.live, true), true);

        const { user, sessionId, secret } = await userWithSession('xproc-reconnect');
        await warmOnB(secret);
        await users.deleteSession({ userId: user.$id, sessionId });
        assert.equal(await eventually(() => b.accountStatus(secret), 401), 401);
      });
    });
  }
});

describe('session cache bounds', () => {
  const entry = (userId: string, hash: string) => ({
    session: { project_id: 'p', id: `s-${hash}`, user_id: userId, secret_hash: hash } as SessionRow,
    user: { project_id: 'p', id: userId } as UserRow,
    targets: [],
  });

  it('keeps at most `limit` entries, evicting the oldest, and forgets evicted users', () => {
    const { cache } = standaloneCache(3);
    for (let i = 1; i <= 5; i++) cache.set(`h${i}`, entry(`u${i}`, `h${i}`));
    assert.equal(cache.size, 3);
    assert.equal(cache.get('h1'), undefined);
    assert.equal(cache.get('h2'), undefined);
    assert.ok(cache.get('h5'));
    const index = (cache as unknown as { hashesByUser: Map<string, Set<string>> }).hashesByUser;
    assert.equal(index.size, 3, 'the per-user index is bounded too');
  });

  it('a user invalidation drops only that user', async () => {
    const { cache, userEvent } = standaloneCache(10);
    cache.set('a1', entry('a', 'a1'));
    cache.set('a2', entry('a', 'a2'));
    cache.set('b1', entry('b', 'b1'));
    await userEvent('p', 'a');
    assert.equal(cache.size, 1);
    assert.ok(cache.get('b1'));
  });
});
