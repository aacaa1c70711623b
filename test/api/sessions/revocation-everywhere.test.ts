import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, eventually, startPeer, startServer, type PeerProcess, type TestServer } from '../../harness.ts';
import { SQLiteDatabase } from '../../../src/db/database.ts';

const PASSWORD = 'revocation-pass-1';

/**
 * Every write that ends a session or changes what its caller may do reaches every cache at once: the
 * writing process's own, and (PostgreSQL) every other process's, through the events relayed in the
 * writing transaction. Each case warms the session on both processes first, so only an event can
 * make the next request see the change.
 */
describeEachBackend('revocations reach every cache', (backend) => {
  let t: TestServer;
  let peer: PeerProcess | null = null;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
    if (backend === 'postgres') peer = await startPeer(t);
  });
  after(async () => {
    await peer?.close();
    await t?.close();
  });

  let n = 0;
  async function warmSession(label: string) {
    const email = `${label}-${++n}@example.com`;
    const user = await users.create({ userId: ID.unique(), email, password: PASSWORD });
    const session = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
    const local = () => status(t.endpoint, session.secret);
    assert.deepEqual(await local(), { status: 200, type: '' }, 'warm here');
    if (peer) assert.deepEqual(await peer.account(session.secret), { status: 200, type: '' }, 'warm on the peer');
    return { user, email, session, local };
  }

  async function status(endpoint: string, secret: string) {
    const res = await fetch(`${endpoint}/account`, { headers: { 'x-appwrite-project': t.projectId, 'x-appwrite-session': secret } });
    const body = (await res.json()) as { type?: string };
    return { status: res.status, type: res.ok ? '' : (body.type ?? '') };
  }

  /** The next request here is refused at once; on the peer within the NOTIFY's delivery. */
  async function refusedEverywhere(secret: string, local: () => Promise<{ status: number; type: string }>, type: string) {
    assert.equal((await local()).type, type, 'here, on the next request');
    if (peer) assert.equal(await eventually(async () => (await peer!.account(secret)).type, type), type, 'on the peer');
  }

  it('deleting the user ends its warm sessions everywhere', async () => {
    const { user, session, local } = await warmSession('deleted');
    await users.delete({ userId: user.$id });
    await refusedEverywhere(session.secret, local, 'general_unauthorized_scope');
  });

  it('a password change with session invalidation on ends the warm sessions everywhere', async () => {
    await t.setAuths({ invalidateSessions: true });
    try {
      const { user, session, local } = await warmSession('password');
      await users.updatePassword({ userId: user.$id, password: 'another-password-2' });
      await refusedEverywhere(session.secret, local, 'general_unauthorized_scope');
    } finally {
      await t.restoreSettings();
    }
  });

  it('with session invalidation off, a password change keeps the sessions but every cache reads the new row', async () => {
    await t.setAuths({ invalidateSessions: false });
    try {
      const { user, session } = await warmSession('keep');
      const before = await new Account(t.withSession(session.secret)).get();
      await users.updatePassword({ userId: user.$id, password: 'another-password-3' });
      const after = await new Account(t.withSession(session.secret)).get();
      assert.notEqual(after.passwordUpdate, before.passwordUpdate, 'the cached copy was dropped');
      if (peer) assert.deepEqual(await peer.account(session.secret), { status: 200, type: '' });
    } finally {
      await t.restoreSettings();
    }
  });

  it('turning MFA on (with a verified email) asks every cache for a second factor at once', async () => {
    const { user, session, local } = await warmSession('mfa');
    await users.updateEmailVerification({ userId: user.$id, emailVerification: true });
    await users.updateMfa({ userId: user.$id, mfa: true });
    await refusedEverywhere(session.secret, local, 'user_more_factors_required');
  });

  it('a warm session the session limit trims is refused everywhere', async () => {
    await t.setAuths({ maxSessions: 1 });
    try {
      const { email, session, local } = await warmSession('trimmed');
      const newer = await new Account(t.server()).createEmailPasswordSession({ email, password: PASSWORD });
      await refusedEverywhere(session.secret, local, 'general_unauthorized_scope');
      assert.deepEqual(await status(t.endpoint, newer.secret), { status: 200, type: '' });
    } finally {
      await t.restoreSettings();
    }
  });

  if (backend === 'sqlite') {
    it("a project setting changed by another process on the SQLite file (the CLI) applies at once, not after the project cache's 5 s", async () => {
      const guestAnonymous = () => t.fetch('/account/sessions/anonymous', { method: 'POST', json: {} }).then((r) => r.status);
      assert.equal(await guestAnonymous(), 201, 'control: anonymous sign-in is on, and the project is cached');
      const other = new SQLiteDatabase(t.databaseUrl.replace(/^sqlite:/, ''));
      try {
        const row = other.prepare('select settings from projects where id = ?').get(t.projectId) as { settings: string };
        const settings = JSON.parse(row.settings);
        settings.auths.disabledMethods = [...settings.auths.disabledMethods, 'anonymous'];
        other.prepare('update projects set settings = ? where id = ?').run(JSON.stringify(settings), t.projectId);
        assert.equal(await eventually(guestAnonymous, 501, 1_500), 501);
        other.prepare('update projects set settings = ? where id = ?').run(row.settings, t.projectId);
        assert.equal(await eventually(guestAnonymous, 201, 1_500), 201);
      } finally {
        other.close();
      }
    });
  }
});
