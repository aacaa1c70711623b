import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend, startServer, type TestServer } from '../harness.ts';
import { GATE_STEPS } from '../../src/http/gate.ts';

/** The request gate: its steps in Appwrite's order, and what a forged credential may not skip. */
describe('request gate steps', () => {
  it('run in Appwrite order: project, caller, origin, scope, blocked, factors, abuse, auth method', () => {
    assert.deepEqual(GATE_STEPS.map(([name]) => name), [
      'resolve project', 'resolve caller', 'check origin', 'require project', 'check scope',
      'refuse blocked', 'require factors', 'count abuse', 'check auth method',
    ]);
  });
});

describeEachBackend('origin check and API key headers', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await startServer(backend);
  });
  after(async () => t?.close());

  const userCount = async () => Number((await t.container.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('a made-up X-Appwrite-Key does not skip the origin check: 403 general_unknown_origin and no user created', async () => {
    const before = await userCount();
    const res = await t.fetch('/account/sessions/anonymous', { method: 'POST', headers: { origin: 'https://evil.example', 'x-appwrite-key': 'whatever_1' }, json: {} });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).type, 'general_unknown_origin');
    assert.equal(await userCount(), before);
  });

  it('an unknown standard key from a foreign origin is refused and creates nothing', async () => {
    const before = await userCount();
    const res = await t.fetch('/account/sessions/anonymous', { method: 'POST', headers: { origin: 'https://evil.example', 'x-appwrite-key': 'standard_' + 'ab'.repeat(128) }, json: {} });
    assert.ok(res.status === 401 || res.status === 403, String(res.status));
    assert.equal(await userCount(), before);
  });

  it('a valid API key is not held to the browser origin rules', async () => {
    const res = await t.fetch('/users', { headers: { origin: 'https://evil.example', 'x-appwrite-key': t.apiKey } });
    assert.equal(res.status, 200);
  });

  it('an empty X-Appwrite-Key header does not skip the origin check either', async () => {
    const res = await t.fetch('/account/sessions/anonymous', { method: 'POST', headers: { origin: 'https://evil.example', 'x-appwrite-key': '' }, json: {} });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).type, 'general_unknown_origin');
  });
});
