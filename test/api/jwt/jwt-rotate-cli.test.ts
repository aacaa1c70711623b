import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { Account, ID, Users } from 'node-appwrite';
import { describeEachBackend, FakeClock, startServer, TEST_SERVER_KEY, type TestServer } from '../../harness.ts';
import { KEYRING_REFRESH_MS } from '../../../src/jwt/jwt-keyring.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../../bin/tessera.mjs');
const PASSWORD = 'rotate-cli-pass-1';

describeEachBackend('tessera jwt rotate next to a running server', (backend) => {
  let t: TestServer;
  const clock = new FakeClock();
  before(async () => {
    t = await startServer(backend, { clock });
  });
  after(async () => t?.close());

  it('adds a key the running server signs with after its refresh, while JWTs of the previous key keep working', async () => {
    const users = new Users(t.server());
    const user = await users.create({ userId: ID.unique(), email: 'cli-rotate@example.com', password: PASSWORD });
    const session = await new Account(t.server()).createEmailPasswordSession({ email: 'cli-rotate@example.com', password: PASSWORD });
    const account = new Account(t.withSession(session.secret));
    const before = (await account.createJWT()).jwt;

    const env = { ...process.env, TESSERA_DATABASE_URL: t.databaseUrl, TESSERA_SECRET_KEY: TEST_SERVER_KEY };
    const out = JSON.parse((await run(process.execPath, [BIN, 'jwt', 'rotate'], { env })).stdout);
    assert.notEqual(out.kid, decodeProtectedHeader(before).kid);
    assert.deepEqual(out.verifying, [decodeProtectedHeader(before).kid]);

    clock.advance(KEYRING_REFRESH_MS);
    const after = (await account.createJWT()).jwt;
    assert.equal(decodeProtectedHeader(after).kid, out.kid);
    for (const jwt of [before, after]) assert.equal((await new Account(t.withJwt(jwt)).get()).$id, user.$id);
  });
});
