import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { Users, Webhooks } from 'node-appwrite';
import { describeEachBackend, startServer, TEST_SERVER_KEY, type TestServer } from '../../harness.ts';
import { Receiver, seen } from './webhook-receiver.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../../bin/tessera.mjs');

/** `tessera webhooks create|list|delete` in a child process, on the running server's database. */
describeEachBackend('tessera webhooks CLI', (backend) => {
  let t: TestServer;
  let receiver: Receiver;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    receiver = await new Receiver().up();
  });
  after(async () => {
    await receiver?.down();
    await t?.close();
  });

  const cli = (env: Record<string, string>, ...args: string[]) =>
    run(process.execPath, [BIN, ...args], { env: { ...process.env, TESSERA_DATABASE_URL: t.databaseUrl, TESSERA_SECRET_KEY: TEST_SERVER_KEY, ...env } });
  const allowed = { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' };

  it('creates a webhook the running server delivers to at once, lists it without its secret, deletes it', async () => {
    // The server has already looked at the project's (empty) webhook list.
    await new Users(t.server()).create({ userId: 'before-cli' });
    const made = JSON.parse((await cli(allowed, 'webhooks', 'create', '--project', 'default', '--name', 'from cli', '--url', receiver.url, '--events', 'users.*.create, users.*.delete', '--id', 'cli-hook')).stdout);
    assert.equal(made.$id, 'cli-hook');
    assert.deepEqual(made.events, ['users.*.create', 'users.*.delete']);
    assert.match(made.secret, /^[0-9a-f]{128}$/);

    await new Users(t.server()).create({ userId: 'after-cli' });
    await t.container.outbox.drain();
    assert.deepEqual(seen(receiver, 'cli-hook', made.secret).map((d) => [d.event, d.signed]), [['users.after-cli.create', true]]);

    const listed = JSON.parse((await cli({}, 'webhooks', 'list', '--project', 'default')).stdout);
    assert.deepEqual(listed, [{ ...made, secret: '' }]);
    const deleted = JSON.parse((await cli({}, 'webhooks', 'delete', '--project', 'default', '--id', 'cli-hook')).stdout);
    assert.equal(deleted.$id, 'cli-hook');
    assert.equal((await new Webhooks(t.server()).list({})).total, 0);
  });

  it('refuses a private URL unless TESSERA_WEBHOOK_ALLOW_PRIVATE=true, and unknown events, naming the error', async () => {
    const refused = await cli({}, 'webhooks', 'create', '--project', 'default', '--name', 'x', '--url', 'http://127.0.0.1:1/x', '--events', 'users.*').then(() => null, (e) => e);
    assert.equal(refused?.code, 1);
    assert.match(refused.stderr, /^general_argument_invalid: Invalid `url` param/);
    const badEvents = await cli(allowed, 'webhooks', 'create', '--project', 'default', '--name', 'x', '--url', receiver.url, '--events', 'users.*.explode').then(() => null, (e) => e);
    assert.match(badEvents?.stderr, /^general_argument_invalid: Invalid `events` param/);
    const missing = await cli({}, 'webhooks', 'delete', '--project', 'default', '--id', 'nope').then(() => null, (e) => e);
    assert.match(missing?.stderr, /^webhook_not_found/);
  });
});
