import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ID, Project, Query, Users } from 'node-appwrite';
import { describeEachBackend, expectError, FakeClock, rejection, startServer, type TestServer } from '../../harness.ts';
import { KEY_SCOPES } from '../../../src/keys/keys.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
const KEY_FIELDS = ['$createdAt', '$id', '$updatedAt', 'accessedAt', 'expire', 'name', 'scopes', 'sdks', 'secret'];

/**
 * Security review, finding 9: API keys can be listed, read, updated and revoked through Appwrite's
 * /project/keys routes (node-appwrite's Project service), and a revoked, narrowed or expired key
 * stops working at once, even while this process holds it in its key cache.
 */
describeEachBackend('API key management', (backend) => {
  let t: TestServer;
  let clock: FakeClock;
  let project: Project;
  before(async () => {
    clock = new FakeClock(Date.parse('2026-06-01T12:00:00.000Z'));
    t = await startServer(backend, { clock });
    project = new Project(t.server());
  });
  after(async () => t?.close());

  const keyClient = (secret: string, projectId = t.projectId) => new Client().setEndpoint(t.endpoint).setProject(projectId).setKey(secret);
  const newKey = (id: string, scopes: string[], opts: { projectId?: string; expire?: number | null; name?: string } = {}) =>
    t.container.keys.create({ projectId: opts.projectId ?? 'default', id, name: opts.name ?? `key ${id}`, scopes, expire: opts.expire ?? null });
  const storedRow = (id: string, projectId = 'default') =>
    t.container.db.selectFrom('keys').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  /** What a users.list call with this key comes to: 'ok', or its code and type. */
  const usersListWith = async (secret: string) => {
    const err = await new Users(keyClient(secret)).list({}).then(() => null, (e) => e);
    return err ? `${err.code} ${err.type}` : 'ok';
  };

  it('lists and reads keys with exactly the Key model fields; the secret never comes back after creation', async () => {
    const created = await newKey('reader', ['users.read', 'teams.read'], { name: 'Reader', expire: Date.parse('2027-01-01T00:00:00.000Z') });
    assert.match(created.secret!, /^standard_[0-9a-f]{256}$/);

    const list = await project.listKeys();
    assert.equal(list.total, 2);
    assert.deepEqual(list.keys.map((k) => k.$id), ['default', 'reader']);
    const listed = list.keys[1];
    assert.deepEqual(Object.keys(listed).sort(), KEY_FIELDS);
    assert.deepEqual(
      [listed.name, listed.scopes, listed.expire, listed.secret, listed.accessedAt, listed.sdks],
      ['Reader', ['users.read', 'teams.read'], '2027-01-01T00:00:00.000+00:00', '', '', []],
    );
    const row = await storedRow('reader');
    assert.equal(Date.parse(listed.$createdAt), Number(row!.created_at));
    assert.match(listed.$updatedAt, ISO);

    assert.deepEqual(await project.getKey({ keyId: 'reader' }), listed);
    const all = await project.getKey({ keyId: 'default' });
    assert.deepEqual([...all.scopes].sort(), [...KEY_SCOPES].sort());
    assert.equal(all.secret, '');
    // The default key has been used by now: its bookkeeping shows.
    assert.match(all.accessedAt, ISO);
    assert.deepEqual(all.sdks, ['Node.js']);
  });

  it('filters, pages and counts keys with Appwrite queries on name, scopes, expire and accessedAt', async () => {
    await newKey('writer', ['users.write'], { name: 'Writer' });
    const byName = await project.listKeys({ queries: [Query.equal('name', ['Writer'])] });
    assert.deepEqual([byName.total, byName.keys.map((k) => k.$id)], [1, ['writer']]);
    const byScope = await project.listKeys({ queries: [Query.contains('scopes', ['teams.read'])] });
    assert.deepEqual(byScope.keys.map((k) => k.$id), ['default', 'reader']);
    const expiring = await project.listKeys({ queries: [Query.isNotNull('expire')] });
    assert.deepEqual(expiring.keys.map((k) => k.$id), ['reader']);
    const used = await project.listKeys({ queries: [Query.isNotNull('accessedAt')] });
    assert.deepEqual(used.keys.map((k) => k.$id), ['default']);
    const page = await project.listKeys({ queries: [Query.limit(1), Query.offset(1)], total: false });
    assert.deepEqual([page.total, page.keys.map((k) => k.$id)], [0, ['reader']]);
    await expectError(project.listKeys({ queries: [Query.equal('secret', ['x'])] }), 400, 'general_argument_invalid');
  });

  it('an update sets name, scopes and expiry, and narrowed scopes apply at once to a key warm in the cache', async () => {
    const key = await newKey('narrowed', ['users.read', 'users.write']);
    assert.equal(await usersListWith(key.secret!), 'ok');
    assert.equal(await usersListWith(key.secret!), 'ok', 'now served from the key cache');
    clock.advance(1000);

    const updated = await project.updateKey({ keyId: 'narrowed', name: 'Teams only', scopes: ['teams.read'] as any, expire: '2030-05-06T07:08:09.010+00:00' });
    assert.deepEqual(Object.keys(updated).sort(), KEY_FIELDS);
    assert.deepEqual([updated.name, updated.scopes, updated.expire, updated.secret], ['Teams only', ['teams.read'], '2030-05-06T07:08:09.010+00:00', '']);
    assert.equal(Date.parse(updated.$updatedAt), clock.now());
    assert.ok(Date.parse(updated.$createdAt) < Date.parse(updated.$updatedAt));
    const row = await storedRow('narrowed');
    assert.deepEqual([row!.name, JSON.parse(row!.scopes), Number(row!.expire)], ['Teams only', ['teams.read'], Date.parse('2030-05-06T07:08:09.010Z')]);

    assert.equal(await usersListWith(key.secret!), '401 general_unauthorized_scope');
    // As Appwrite's PUT: an update without expire makes the key never expire.
    const cleared = await project.updateKey({ keyId: 'narrowed', name: 'Teams only', scopes: ['users.read'] as any });
    assert.equal(cleared.expire, '');
    assert.equal((await storedRow('narrowed'))!.expire, null);
    assert.equal(await usersListWith(key.secret!), 'ok');
  });

  it('an expiry moved into the past refuses a warm key at once with 401 project_key_expired', async () => {
    const key = await newKey('shortened', ['users.read']);
    assert.equal(await usersListWith(key.secret!), 'ok');
    await project.updateKey({ keyId: 'shortened', name: 'Shortened', scopes: ['users.read'] as any, expire: new Date(clock.now() - 1).toISOString() });
    assert.equal(await usersListWith(key.secret!), '401 project_key_expired');
  });

  it('a key reaching its expiry is refused on the cached path, without a database read', async () => {
    const key = await newKey('expiring', ['users.read'], { expire: clock.now() + 5_000 });
    assert.equal(await usersListWith(key.secret!), 'ok');
    // Control: the stored secret hash is changed behind the cache; a database read would now answer
    // 401 user_unauthorized, so the answers below come from the cached key.
    await t.container.db.updateTable('keys').set({ secret_hash: 'f'.repeat(64) }).where('id', '=', 'expiring').execute();
    assert.equal(await usersListWith(key.secret!), 'ok', 'served from the cache');
    clock.advance(5_001);
    assert.equal(await usersListWith(key.secret!), '401 project_key_expired');
  });

  it('a deleted key is refused at once even while warm in the cache, and its row is gone', async () => {
    const key = await newKey('revoked', ['users.read']);
    assert.equal(await usersListWith(key.secret!), 'ok');
    assert.equal(await usersListWith(key.secret!), 'ok');
    await project.deleteKey({ keyId: 'revoked' });
    assert.equal(await storedRow('revoked'), undefined);
    assert.equal(await usersListWith(key.secret!), '401 user_unauthorized');
    await expectError(project.getKey({ keyId: 'revoked' }), 404, 'key_not_found');
  });

  it('a key may delete itself, as in Appwrite, and is refused from the next request on', async () => {
    const key = await newKey('self', ['keys.read', 'keys.write', 'users.read']);
    const own = new Project(keyClient(key.secret!));
    assert.equal((await own.getKey({ keyId: 'self' })).name, 'key self');
    await own.deleteKey({ keyId: 'self' });
    await expectError(own.listKeys(), 401, 'user_unauthorized');
    assert.equal(await usersListWith(key.secret!), '401 user_unauthorized');
    assert.equal(await storedRow('self'), undefined);
  });

  it('keys.read lists and reads but cannot change; a key without keys.read sees nothing', async () => {
    const reader = new Project(keyClient((await newKey('keys-reader', ['keys.read'])).secret!));
    assert.ok((await reader.listKeys()).total >= 2);
    await expectError(reader.updateKey({ keyId: 'keys-reader', name: 'x', scopes: [...KEY_SCOPES] as any }), 401, 'general_unauthorized_scope');
    await expectError(reader.deleteKey({ keyId: 'default' }), 401, 'general_unauthorized_scope');
    assert.deepEqual(JSON.parse((await storedRow('keys-reader'))!.scopes), ['keys.read']);
    assert.ok(await storedRow('default'));

    const outsider = new Project(keyClient((await newKey('outsider', ['users.read'])).secret!));
    const err = await expectError(outsider.listKeys(), 401, 'general_unauthorized_scope');
    assert.match(err.message, /missing scopes \(\["keys.read"\]\)/);
    await expectError(outsider.getKey({ keyId: 'default' }), 401, 'general_unauthorized_scope');
  });

  it("another project's keys can be neither read, changed nor deleted, and keep working", async () => {
    await t.container.projects.create('other', 'Other');
    const foreign = await newKey('foreign', ['users.read'], { projectId: 'other' });
    await newKey('twin', ['users.read'], { projectId: 'other' });
    await expectError(project.getKey({ keyId: 'foreign' }), 404, 'key_not_found');
    await expectError(project.updateKey({ keyId: 'foreign', name: 'taken', scopes: [...KEY_SCOPES] as any }), 404, 'key_not_found');
    await expectError(project.deleteKey({ keyId: 'foreign' }), 404, 'key_not_found');
    assert.ok(!(await project.listKeys()).keys.some((k) => k.$id === 'foreign'));
    const row = await storedRow('foreign', 'other');
    assert.deepEqual([row!.name, JSON.parse(row!.scopes)], ['key foreign', ['users.read']]);
    assert.equal((await new Users(keyClient(foreign.secret!, 'other')).list({})).total, 0);

    // The same id in two projects: deleting ours leaves theirs.
    await newKey('twin', ['users.read']);
    await project.deleteKey({ keyId: 'twin' });
    assert.ok(await storedRow('twin', 'other'));
  });

  it('bad input is a 400 or 404 with the Appwrite type and changes nothing', async () => {
    await newKey('target', ['users.read'], { name: 'Target' });
    const before = await storedRow('target');
    const put = (body: unknown, keyId = 'target') => t.fetch(`/project/keys/${keyId}`, { method: 'PUT', headers: { 'x-appwrite-key': t.apiKey }, json: body });
    const cases: [unknown, string][] = [
      [{ name: 'x', scopes: ['users.read', 'account'] }, 'scopes'],
      [{ name: 'x', scopes: 'users.read' }, 'scopes'],
      [{ name: 'x', scopes: Array.from({ length: 201 }, () => 'users.read') }, 'scopes'],
      [{ name: '', scopes: ['users.read'] }, 'name'],
      [{ name: 'n'.repeat(129), scopes: ['users.read'] }, 'name'],
      [{ scopes: ['users.read'] }, 'name'],
      [{ name: 'x' }, 'scopes'],
      [{ name: 'x', scopes: ['users.read'], expire: 'next tuesday' }, 'expire'],
      [{ name: 'x', scopes: ['users.read'], expire: '2026-02-30T00:00:00.000+00:00' }, 'expire'],
      [{ name: 'x', scopes: ['users.read'], expire: 5 }, 'expire'],
    ];
    for (const [body, param] of cases) {
      const res = await put(body);
      const error = await res.json();
      assert.deepEqual([res.status, error.type], [400, 'general_argument_invalid'], JSON.stringify(body).slice(0, 80));
      assert.match(error.message, new RegExp(`[\`"]${param}[\`"]`), JSON.stringify(body).slice(0, 80));
    }
    assert.deepEqual(await storedRow('target'), before);

    const badId = await put({ name: 'x', scopes: [] }, '-bad-id');
    assert.deepEqual([badId.status, (await badId.json()).type], [400, 'general_argument_invalid']);
    await expectError(project.getKey({ keyId: 'missing' }), 404, 'key_not_found');
    await expectError(project.updateKey({ keyId: 'missing', name: 'x', scopes: [] }), 404, 'key_not_found');
    await expectError(project.deleteKey({ keyId: 'missing' }), 404, 'key_not_found');
    assert.equal(await storedRow('missing'), undefined);
  });

  it('createKey with an API key is 403 key_creation_denied and stores nothing, as Appwrite', async () => {
    const err = await rejection(project.createKey({ keyId: 'minted', name: 'Minted', scopes: ['users.read'] as any }));
    assert.deepEqual([err.code, err.type], [403, 'key_creation_denied']);
    assert.equal(await storedRow('minted'), undefined);
    // Bad params are still reported first.
    await expectError(project.createKey({ keyId: 'minted', name: 'Minted', scopes: ['account'] as any }), 400, 'general_argument_invalid');
  });
});
