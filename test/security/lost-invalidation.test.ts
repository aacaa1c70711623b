import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, eventually, FakeClock, startServer, type TestServer } from '../harness.ts';
import { SESSION_CACHE_MAX_AGE_MS } from '../../src/sessions/session-cache.ts';
import { SQLiteDatabase } from '../../src/db/database.ts';

const PASSWORD = 'lost-invalidation-1';

/**
 * Finding 2: a change whose message never reaches a process's cache (a write made around Tessera, a
 * lost notification) must not be served until the session expires: cached callers have a bounded age.
 */
describeEachBackend('a cached caller whose change was never announced', (backend) => {
  let t: TestServer;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
  });
  after(async () => t?.close());

  async function signedIn(label: string) {
    const users = new Users(t.server());
    const email = `${label}-${backend}@example.com`;
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    const account = new Account(t.withSession(session.secret));
    await account.get(); // warm: the cache holds the caller now
    return { user, session, account };
  }

  const status = (account: Account) => account.get().then(() => 200, (err: { code: number }) => err.code);
  const outcome = (account: Account) => account.get().then(() => 'ok', (err: { type: string }) => err.type);

  it(`is read again once its copy is older than ${SESSION_CACHE_MAX_AGE_MS / 1000} s, so a session deleted behind Tessera's back stops working`, async () => {
    const { session, account } = await signedIn('behind-back');
    await t.container.db.deleteFrom('sessions').where('id', '=', session.$id).execute();
    assert.equal(await status(account), 200, 'control: the copy is still served within its age');
    clock.advance(SESSION_CACHE_MAX_AGE_MS + 1);
    assert.equal(await status(account), 401);
  });

  it('a user blocked behind its back is refused after the bounded age', async () => {
    const { user, account } = await signedIn('blocked-behind');
    await t.container.db.updateTable('users').set({ status: 0 }).where('id', '=', user.$id).execute();
    assert.equal(await outcome(account), 'ok', 'control: the copy is still served within its age');
    clock.advance(SESSION_CACHE_MAX_AGE_MS + 1);
    assert.equal(await outcome(account), 'user_blocked');
  });

  if (backend === 'sqlite') {
    it('a write by another process on the SQLite file (the CLI) resets the caches at once, without waiting for the age', async () => {
      const { session, account } = await signedIn('other-process');
      const file = t.databaseUrl.replace(/^sqlite:/, '');
      const other = new SQLiteDatabase(file);
      try {
        other.prepare('delete from sessions where id = ?').run(session.$id);
      } finally {
        other.close();
      }
      assert.equal(await eventually(() => status(account), 401, 3_000), 401);
    });
  }
});
