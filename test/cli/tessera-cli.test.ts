import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { ID, Query, Users, Client } from 'node-appwrite';
import { backends, startServer, TEST_SERVER_KEY, type TestServer } from '../harness.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/tessera.mjs');

/** The real `tessera` binary in a child process, on the running server's database. */
for (const backend of backends()) {
  describe(`tessera CLI next to a running server [${backend}]`, () => {
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
}
