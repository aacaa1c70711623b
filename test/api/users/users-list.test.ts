import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Query, Users, type Models } from 'node-appwrite';
import { describeEachBackend, FakeClock, rejection, startServer, type TestServer } from '../../harness.ts';

/** Seeded one second apart (FakeClock), so $createdAt order is known. */
const SEED = [
  { userId: 'u1', name: 'Ada Lovelace', email: 'ada@list.test', phone: '+14155550001', labels: ['vip'], status: true },
  { userId: 'u2', name: 'Grace Hopper', email: 'grace@list.test', phone: '+14155550002', labels: ['vip', 'navy'], status: true },
  { userId: 'u3', name: 'Alan Turing', email: 'alan@list.test', phone: null, labels: [], status: false },
  { userId: 'u4', name: 'Alonzo Church', email: 'alonzo@list.test', phone: null, labels: ['beta'], status: true },
  { userId: 'u5', name: 'Barbara Liskov', email: 'barbara@list.test', phone: '+14155550005', labels: ['vip'], status: true },
  { userId: 'u6', name: 'Claude Shannon', email: 'claude@list.test', phone: null, labels: [], status: false },
  { userId: 'u7', name: 'Edsger Dijkstra', email: 'edsger@list.test', phone: '+14155550007', labels: ['beta', 'vip'], status: true },
];
const byName = [...SEED].sort((a, b) => a.name.localeCompare(b.name)).map((u) => u.userId);

describeEachBackend('Users API: list', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock(Date.parse('2030-01-01T00:00:00.000Z'));
  const created: Record<string, string> = {};

  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
    for (const u of SEED) {
      clock.advance(1000);
      const user = await users.create({ userId: u.userId, name: u.name, email: u.email, ...(u.phone ? { phone: u.phone } : {}) });
      created[u.userId] = user.$createdAt;
      if (u.labels.length) await users.updateLabels({ userId: u.userId, labels: u.labels });
      if (!u.status) await users.updateStatus({ userId: u.userId, status: false });
    }
  });
  after(async () => t?.close());

  const ids = (list: Models.UserList) => list.users.map((u) => u.$id);
  const list = (queries: string[], extra: { search?: string; total?: boolean } = {}) => users.list({ queries, ...extra });
  const sorted = (a: string[]) => [...a].sort();
  const expectInvalid = async (queries: string[], type = 'general_argument_invalid') => {
    const err = await rejection(list(queries));
    assert.deepEqual([err.code, err.type], [400, type], `${queries.join(' ')}: ${err.message}`);
  };

  it('lists every user in creation order with the total by default', async () => {
    const all = await users.list();
    assert.equal(all.total, SEED.length);
    assert.deepEqual(ids(all), SEED.map((u) => u.userId));
    assert.ok(all.users.every((u) => typeof u.password === 'object' && u.hash === 'argon2'), 'User models, not Account models');
  });

  it('equal and notEqual on email; equal with several values', async () => {
    assert.deepEqual(ids(await list([Query.equal('email', 'grace@list.test')])), ['u2']);
    assert.deepEqual(sorted(ids(await list([Query.equal('email', ['ada@list.test', 'alan@list.test', 'nobody@list.test'])]))), ['u1', 'u3']);
    const others = await list([Query.notEqual('email', 'grace@list.test')]);
    assert.equal(others.total, SEED.length - 1);
    assert.ok(!ids(others).includes('u2'));
    assert.deepEqual(ids(await list([Query.equal('$id', 'u4')])), ['u4']);
  });

  it('the search param matches words in id, email, phone and name', async () => {
    assert.deepEqual(ids(await list([], { search: 'lovelace' })), ['u1']);
    assert.deepEqual(ids(await list([], { search: 'barbara@list.test' })), ['u5']);
    assert.deepEqual(ids(await list([], { search: '14155550007' })), ['u7']);
    assert.deepEqual(sorted(ids(await list([], { search: 'al' }))), ['u3', 'u4'], 'alan and alonzo; no other name or email contains "al"');
    assert.equal((await list([], { search: 'zzz-nobody' })).total, 0);
    const combined = await list([Query.equal('status', [true])], { search: 'al' });
    assert.deepEqual(ids(combined), ['u4']);
  });

  it('startsWith, endsWith (Query.search is refused as in Appwrite: see queries-conformance)', async () => {
    assert.deepEqual(ids(await list([Query.startsWith('name', 'Al')])), ['u3', 'u4']);
    assert.deepEqual(ids(await list([Query.endsWith('email', 'ra@list.test')])), ['u5']);
    assert.equal((await list([Query.startsWith('name', '%')])).total, 0, 'LIKE wildcards are escaped');
  });

  it('createdBefore / createdAfter / createdBetween on $createdAt', async () => {
    assert.deepEqual(ids(await list([Query.createdBefore(created.u3)])), ['u1', 'u2']);
    assert.deepEqual(ids(await list([Query.createdAfter(created.u5)])), ['u6', 'u7']);
    assert.deepEqual(ids(await list([Query.createdBetween(created.u2, created.u4)])), ['u2', 'u3', 'u4']);
    assert.deepEqual(ids(await list([Query.greaterThanEqual('$createdAt', created.u7)])), ['u7']);
    await expectInvalid([Query.lessThan('$createdAt', 'not-a-date')]);
  });

  it('isNull / isNotNull on phone; equal on status false', async () => {
    assert.deepEqual(ids(await list([Query.isNull('phone')])), ['u3', 'u4', 'u6']);
    assert.deepEqual(ids(await list([Query.isNotNull('phone')])), ['u1', 'u2', 'u5', 'u7']);
    assert.deepEqual(ids(await list([Query.equal('status', [false])])), ['u3', 'u6']);
    await expectInvalid([Query.equal('status', ['false'])]);
  });

  it('contains on labels finds users carrying the label, not substrings of other labels', async () => {
    assert.deepEqual(ids(await list([Query.contains('labels', ['vip'])])), ['u1', 'u2', 'u5', 'u7']);
    assert.deepEqual(ids(await list([Query.contains('labels', ['beta'])])), ['u4', 'u7']);
    assert.deepEqual(ids(await list([Query.contains('labels', ['vi'])])), [], 'a label is matched whole');
    assert.deepEqual(ids(await list([Query.contains('labels', ['navy', 'beta'])])), ['u2', 'u4', 'u7']);
    assert.deepEqual(ids(await list([Query.contains('labels', ['vip']), Query.contains('labels', ['beta'])])), ['u7']);
  });

  it('orderAsc / orderDesc on name, limit and offset', async () => {
    assert.deepEqual(ids(await list([Query.orderAsc('name')])), byName);
    assert.deepEqual(ids(await list([Query.orderDesc('name')])), [...byName].reverse());
    const page = await list([Query.orderAsc('name'), Query.limit(2), Query.offset(3)]);
    assert.deepEqual(ids(page), byName.slice(3, 5));
    assert.equal(page.total, SEED.length, 'total ignores limit and offset');
    assert.deepEqual(ids(await list([Query.limit(3)])), ['u1', 'u2', 'u3']);
    await expectInvalid([Query.limit(0)]);
    await expectInvalid([Query.offset(-1)]);
  });

  it('cursorAfter pages through the whole list and cursorBefore walks back', async () => {
    const order = [Query.orderAsc('name')];
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: Models.UserList = await list([...order, Query.limit(3), ...(cursor ? [Query.cursorAfter(cursor)] : [])]);
      seen.push(...ids(page));
      if (page.users.length < 3) break;
      cursor = page.users[page.users.length - 1].$id;
    }
    assert.deepEqual(seen, byName);

    const before = await list([...order, Query.limit(2), Query.cursorBefore(byName[4])]);
    assert.deepEqual(ids(before), byName.slice(2, 4), 'the two items before the cursor, in list order');
    const first = await list([...order, Query.limit(5), Query.cursorBefore(byName[1])]);
    assert.deepEqual(ids(first), byName.slice(0, 1));
    const defaultOrder = await list([Query.limit(2), Query.cursorAfter('u5')]);
    assert.deepEqual(ids(defaultOrder), ['u6', 'u7']);
  });

  it('total=false answers total 0 but still returns the users', async () => {
    const res = await list([Query.limit(2)], { total: false });
    assert.equal(res.total, 0);
    assert.equal(res.users.length, 2);
  });

  it('unknown or secret attributes, bad methods, bad values and malformed JSON are 400 general_argument_invalid', async () => {
    await expectInvalid([Query.equal('favouriteColour', 'blue')]);
    await expectInvalid([Query.equal('password', 'x')]);
    await expectInvalid([Query.equal('hash', 'argon2')]);
    await expectInvalid([Query.orderAsc('password')]);
    await expectInvalid(['{"method":"equal","attribute":"name"']);
    await expectInvalid(['not json at all']);
    await expectInvalid(['{"method":"dropTable","attribute":"name","values":["x"]}']);
    await expectInvalid([Query.select(['name'])]);
    await expectInvalid([Query.equal('constructor', 'x')]);
    await expectInvalid([Query.equal('name', 'nul\u0000byte')]);
    await expectInvalid([Query.equal('$sequence', [1.5])]);
    await expectInvalid([Query.greaterThan('$sequence', 1e20)]);
    await expectInvalid([Query.cursorAfter('bad\u0000id')]);
    await expectInvalid([Query.cursorAfter('-dash')]);
    const res = await t.fetch('/users?queries[0]=%7B%22method%22%3A', { headers: { 'x-appwrite-key': t.apiKey } });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).type, 'general_argument_invalid');
  });

  it('a cursor naming a missing user is 400 general_cursor_not_found', async () => {
    await expectInvalid([Query.cursorAfter('ghost')], 'general_cursor_not_found');
    await expectInvalid([Query.cursorBefore('ghost')], 'general_cursor_not_found');
  });

  it("another project's key never sees these users, even by id, email or cursor", async () => {
    await t.container.projects.create('other', 'Other');
    const key = await t.container.keys.create({ projectId: 'other', id: 'other-key', name: 'other', scopes: ['users.read', 'users.write'], expire: null });
    const client = new Client().setEndpoint(t.endpoint).setProject('other').setKey(key.secret!);
    const otherUsers = new Users(client);
    assert.deepEqual(await otherUsers.list().then((l) => [l.total, l.users.length]), [0, 0]);
    assert.equal((await otherUsers.list({ queries: [Query.equal('email', 'ada@list.test')] })).total, 0);
    assert.equal((await otherUsers.list({ search: 'lovelace' })).total, 0);
    const missing = await rejection(otherUsers.get({ userId: 'u1' }));
    assert.deepEqual([missing.code, missing.type], [404, 'user_not_found']);
    const cursor = await rejection(otherUsers.list({ queries: [Query.cursorAfter('u1')] }));
    assert.deepEqual([cursor.code, cursor.type], [400, 'general_cursor_not_found']);

    // The same id and email are free in the other project, and stay separate.
    const twin = await otherUsers.create({ userId: 'u1', email: 'ada@list.test', name: 'Other Ada' });
    assert.equal(twin.name, 'Other Ada');
    assert.equal((await users.get({ userId: 'u1' })).name, 'Ada Lovelace');
    assert.equal((await users.list()).total, SEED.length);

    // This project's key is refused on the other project.
    const crossed = await rejection(new Users(new Client().setEndpoint(t.endpoint).setProject('other').setKey(t.apiKey)).list());
    assert.equal(crossed.code, 401);
  });
});
