import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Query, Users } from 'node-appwrite';
import { describeEachBackend, startServer, type TestServer } from '../../harness.ts';

describeEachBackend('pattern queries match the same rows on every database', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend);
    users = new Users(t.server());
    await users.create({ userId: ID.unique(), name: 'Ada Lovelace' });
    await users.create({ userId: ID.unique(), name: 'ADAM Smith' });
    await users.create({ userId: ID.unique(), name: 'Grace Hopper' });
  });
  after(async () => t?.close());

  const names = async (q: string) => (await users.list({ queries: [q] })).users.map((u) => u.name).sort();

  it('startsWith, endsWith and contains ignore case', async () => {
    assert.deepEqual(await names(Query.startsWith('name', 'ada')), ['ADAM Smith', 'Ada Lovelace']);
    assert.deepEqual(await names(Query.endsWith('name', 'HOPPER')), ['Grace Hopper']);
    assert.deepEqual(await names(Query.contains('name', ['LOVE'])), ['Ada Lovelace']);
    assert.deepEqual(await names(Query.notStartsWith('name', 'ADA')), ['Grace Hopper']);
  });

  it('the search param follows name, email and phone changes, and other updates keep it', async () => {
    const u = await users.create({ userId: ID.unique(), name: 'Katherine', email: 'kj@example.com' });
    const found = async (search: string) => (await users.list({ search })).users.map((x) => x.$id);
    await users.updateName({ userId: u.$id, name: 'Katherine Johnson' });
    await users.updateStatus({ userId: u.$id, status: false });
    await users.updateLabels({ userId: u.$id, labels: ['nasa'] });
    assert.deepEqual(await found('johnson'), [u.$id]);
    await users.updateEmail({ userId: u.$id, email: 'katherine@nasa.example' });
    await users.updatePhone({ userId: u.$id, number: '+15550199001' });
    assert.deepEqual(await found('nasa.example'), [u.$id]);
    assert.deepEqual(await found('15550199001'), [u.$id]);
    assert.deepEqual(await found('kj@example.com'), []);
    assert.deepEqual(await found('johnson'), [u.$id]);
  });
});
