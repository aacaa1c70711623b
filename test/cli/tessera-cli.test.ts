import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { ID, Query, Users, Client } from 'node-appwrite';
import { describeEachBackend, eventually, startServer, TEST_SERVER_KEY, type TestServer } from '../harness.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/tessera.mjs');

/** The real `tessera` binary in a child process, on the running server's database. */
describeEachBackend('tessera CLI next to a running server', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend);
  });
  after(async () => t?.close());

  const cli = (...args: string[]) => run(process.execPath, [BIN, ...args], { env: { ...process.env, TESSERA_DATABASE_URL: t.databaseUrl, TESSERA_SECRET_KEY: TEST_SERVER_KEY } });

  it('creates a project and a scoped key that the running server accepts at once', async () => {
    const project = JSON.parse((await cli('projects', 'create', '--id', 'shop', '--name', 'Shop')).stdout);
    assert.equal(project.$id, 'shop');
    assert.equal(project.name, 'Shop');

    const key = JSON.parse((await cli('keys', 'create', '--project', 'shop', '--name', 'backend', '--scopes', 'users.read,users.write')).stdout);
    assert.match(key.secret, /^standard_[0-9a-f]{256}$/);
    assert.deepEqual(key.scopes, ['users.read', 'users.write']);

    const shop = new Users(new Client().setEndpoint(t.endpoint).setProject('shop').setKey(key.secret));
    const user = await shop.create({ userId: ID.unique(), email: 'buyer@example.com' });
    assert.equal((await shop.list({ queries: [Query.equal('email', 'buyer@example.com')] })).users[0].$id, user.$id);
    assert.equal((await new Users(t.server()).list({ queries: [Query.equal('email', 'buyer@example.com')] })).total, 0, 'the default project sees nothing of shop');

    const res = await fetch(`${t.endpoint}/project/platforms`, { headers: { 'x-appwrite-project': 'shop', 'x-appwrite-key': key.secret } });
    assert.equal(res.status, 401, 'the key holds only the scopes asked for');
    assert.equal((await res.json()).type, 'general_unauthorized_scope');
    const stored = await t.container.db.selectFrom('keys').select('secret_hash').where('project_id', '=', 'shop').executeTakeFirstOrThrow();
    assert.notEqual(stored.secret_hash, key.secret, 'only a hash of the secret is stored');
  });

  it("--scopes '*' grants every scope", async () => {
    const key = JSON.parse((await cli('keys', 'create', '--project', 'default', '--name', 'all', '--scopes', '*')).stdout);
    assert.ok(key.scopes.includes('users.write') && key.scopes.includes('sessions.write') && key.scopes.includes('platforms.write'));
  });

  /** What a users.list call with this key comes to on the running server: 'ok', or its code and type. */
  const usersListWith = async (secret: string, projectId = 'default') => {
    const err = await new Users(new Client().setEndpoint(t.endpoint).setProject(projectId).setKey(secret)).list({}).then(() => null, (e) => e);
    return err ? `${err.code} ${err.type}` : 'ok';
  };

  it('keys list prints the project\'s keys as key models, with no secret', async () => {
    await cli('projects', 'create', '--id', 'listed', '--name', 'Listed');
    const made = JSON.parse((await cli('keys', 'create', '--project', 'listed', '--name', 'ci', '--scopes', 'users.read', '--id', 'ci-key', '--expire', '2031-01-02T03:04:05.000Z')).stdout);
    const listed = JSON.parse((await cli('keys', 'list', '--project', 'listed')).stdout);
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0], { ...made, secret: '' });
    assert.equal(listed[0].expire, '2031-01-02T03:04:05.000+00:00');
    assert.ok(!(await cli('keys', 'list', '--project', 'listed')).stdout.includes(made.secret.slice(9)), 'the secret is never printed again');
    const defaults = JSON.parse((await cli('keys', 'list', '--project', 'default')).stdout);
    assert.ok(defaults.some((k: { $id: string }) => k.$id === 'default') && !defaults.some((k: { $id: string }) => k.$id === 'ci-key'));
  });

  it('keys delete removes a key the running server holds warm in its cache, and the server refuses it at once', async () => {
    const key = JSON.parse((await cli('keys', 'create', '--project', 'default', '--name', 'leaked', '--scopes', 'users.read', '--id', 'leaked')).stdout);
    assert.equal(await usersListWith(key.secret), 'ok');
    // Control: with the stored hash changed behind the server's cache, only the cache can still accept the key.
    await t.container.db.updateTable('keys').set({ secret_hash: '0'.repeat(64) }).where('id', '=', 'leaked').execute();
    assert.equal(await usersListWith(key.secret), 'ok', 'served from the key cache');

    const { stdout } = await cli('keys', 'delete', '--project', 'default', '--id', 'leaked');
    const deleted = JSON.parse(stdout);
    assert.deepEqual([deleted.$id, deleted.name, deleted.secret], ['leaked', 'leaked', '']);
    assert.equal(await t.container.db.selectFrom('keys').select('id').where('id', '=', 'leaked').executeTakeFirst(), undefined);
    // SQLite: the server sees the file's data version move before its next lookup. PostgreSQL: the
    // CLI's NOTIFY arrives on the server's LISTEN connection, asynchronously.
    if (backend === 'sqlite') assert.equal(await usersListWith(key.secret), '401 user_unauthorized', 'at once');
    assert.equal(await eventually(() => usersListWith(key.secret), '401 user_unauthorized'), '401 user_unauthorized');
  });

  it('keys delete of an unknown key or project exits non-zero with the Appwrite error type and deletes nothing', async () => {
    const before = await t.container.db.selectFrom('keys').select('id').execute();
    const unknownKey = await cli('keys', 'delete', '--project', 'default', '--id', 'no-such-key').then(() => null, (e) => e);
    assert.equal(unknownKey?.code, 1);
    assert.match(unknownKey.stderr, /key_not_found/);
    const unknownProject = await cli('keys', 'delete', '--project', 'nope', '--id', 'default').then(() => null, (e) => e);
    assert.equal(unknownProject?.code, 1);
    assert.match(unknownProject.stderr, /project_not_found/);
    const foreign = await cli('keys', 'delete', '--project', 'shop', '--id', 'default').then(() => null, (e) => e);
    assert.equal(foreign?.code, 1, "the default project's key is not shop's to delete");
    assert.match(foreign.stderr, /key_not_found/);
    const noId = await cli('keys', 'delete', '--project', 'default').then(() => null, (e) => e);
    assert.notEqual(noId?.code ?? 0, 0);
    assert.deepEqual(await t.container.db.selectFrom('keys').select('id').execute(), before);
    assert.equal(await usersListWith(t.apiKey), 'ok');
  });

  it('fails with a non-zero exit and the Appwrite error type on bad input', async () => {
    const unknown = await cli('keys', 'create', '--project', 'nope', '--name', 'k').then(() => null, (e) => e);
    assert.equal(unknown?.code, 1);
    assert.match(unknown.stderr, /project_not_found/);
    const duplicate = await cli('projects', 'create', '--id', 'default', '--name', 'Again').then(() => null, (e) => e);
    assert.equal(duplicate?.code, 1);
    assert.match(duplicate.stderr, /project_already_exists/);
    const badScope = await cli('keys', 'create', '--project', 'default', '--name', 'k', '--scopes', 'users.read,account').then(() => null, (e) => e);
    assert.equal(badScope?.code, 1);
    assert.match(badScope.stderr, /general_argument_invalid/);
  });
});
