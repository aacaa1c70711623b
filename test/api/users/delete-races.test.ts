import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ID, Users } from 'node-appwrite';
import { describeEachBackend, eventually, startServer, type TestServer } from '../../harness.ts';

/** The creates that write a row owned by a user, each answering 201 or, once the user is gone, 404. */
const CREATES = {
  session: (userId: string) => ({ path: `/users/${userId}/sessions`, json: {} }),
  token: (userId: string) => ({ path: `/users/${userId}/tokens`, json: {} }),
  target: (userId: string) => ({ path: `/users/${userId}/targets`, json: { targetId: ID.unique(), providerType: 'push', identifier: `device-${ID.unique()}` } }),
};
type Kind = keyof typeof CREATES;

describeEachBackend('writes racing a user delete', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend);
  });
  after(async () => t?.close());

  function create(kind: Kind, userId: string) {
    const { path, json } = CREATES[kind](userId);
    return t.fetch(path, { method: 'POST', headers: { 'x-appwrite-key': t.apiKey }, json });
  }

  /** Every answer is 201 or 404 user_not_found: a create that lost the race to the delete is not a server fault. */
  async function assertCreatedOrUserGone(kind: Kind, res: Response) {
    const body = await res.json();
    if (res.status === 201) return 'created';
    assert.deepEqual([res.status, body.type], [404, 'user_not_found'], `${kind}: ${JSON.stringify(body)}`);
    return 'gone';
  }

  async function leftovers(userId: string) {
    const count = async (table: 'users' | 'sessions' | 'tokens' | 'targets') => {
      const column = table === 'users' ? 'id' : 'user_id';
      const rows = await t.container.db.selectFrom(table).select('seq').where('project_id', '=', t.projectId).where(column, '=', userId).execute();
      return rows.length;
    };
    return { users: await count('users'), sessions: await count('sessions'), tokens: await count('tokens'), targets: await count('targets') };
  }

  it('sessions, tokens and targets created while their user is deleted answer 201 or 404 user_not_found, never 500, and leave nothing behind', async () => {
    const users = new Users(t.server());
    const outcomes = { created: 0, gone: 0 };
    for (let round = 0; round < 12; round++) {
      const user = await users.create({ userId: ID.unique() });
      const kinds: Kind[] = ['session', 'token', 'target'];
      // 8 concurrent clients: creates on both sides of the delete, so some run into it.
      const creates = Array.from({ length: 8 }, (_, i) => create(kinds[(i + round) % 3], user.$id));
      const deleted = t.fetch(`/users/${user.$id}`, { method: 'DELETE', headers: { 'x-appwrite-key': t.apiKey } });
      const more = Array.from({ length: 4 }, (_, i) => create(kinds[(i + round + 1) % 3], user.$id));
      const results = await Promise.all([...creates, ...more]);
      assert.equal((await deleted).status, 204);
      for (const [i, res] of results.entries()) outcomes[await assertCreatedOrUserGone(kinds[(i + round + (i < 8 ? 0 : 1)) % 3], res)]++;
      assert.deepEqual(await leftovers(user.$id), { users: 0, sessions: 0, tokens: 0, targets: 0 }, `round ${round}`);
    }
    assert.ok(outcomes.gone > 0, 'some creates ran after the delete');
  });

  it('a session issued for a user deleted after it was read is 404 user_not_found (the service path)', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique() });
    const row = await t.container.users.get(t.projectId, user.$id);
    await users.delete({ userId: user.$id });
    const project = await t.container.projects.get(t.projectId);
    const input = { userId: row.id, provider: 'server', factors: ['server'], ip: '127.0.0.1', userAgent: 'test' };
    await assert.rejects(t.container.sessions.issueSession(project!, row, input, { applyLimit: true }), { type: 'user_not_found', code: 404 });
    const token = { projectId: t.projectId, userId: row.id, type: 8, secret: 'abcdef', ttlSeconds: 60, ip: '127.0.0.1', userAgent: 'test' };
    await assert.rejects(t.container.tokens.issue(token), { type: 'user_not_found', code: 404 });
    assert.deepEqual(await leftovers(user.$id), { users: 0, sessions: 0, tokens: 0, targets: 0 });
  });

  if (backend === 'postgres') {
    for (const kind of ['session', 'token', 'target'] as Kind[]) {
      it(`a ${kind} insert waiting behind an uncommitted user delete answers 404 user_not_found once the delete commits`, async () => {
        const user = await new Users(t.server()).create({ userId: ID.unique() });
        const deleter = new pg.Client({ connectionString: t.databaseUrl });
        await deleter.connect();
        try {
          await deleter.query('begin');
          await deleter.query('delete from users where project_id = $1 and id = $2', [t.projectId, user.$id]);
          // The request reads the still-committed user, then its write waits for the deleter's row lock.
          const pending = create(kind, user.$id);
          const waiting = () =>
            deleter.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`).then((r) => r.rows[0].n > 0);
          assert.equal(await eventually(waiting, true, 10_000), true, 'the create is waiting on the delete');
          await deleter.query('commit');
          const res = await pending;
          assert.deepEqual([res.status, (await res.json()).type], [404, 'user_not_found']);
        } finally {
          await deleter.end();
        }
        assert.deepEqual(await leftovers(user.$id), { users: 0, sessions: 0, tokens: 0, targets: 0 });
      });
    }
  }
});
