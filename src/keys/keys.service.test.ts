import { event } from '../events/events.ts';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createContainer, type Container } from '../container.ts';
import { describeEachBackend, FakeClock, freshDatabaseUrl } from '../../test/harness.ts';
import { parseExpire } from './keys.ts';
import { hashSecret } from '../support/secrets.ts';

describe('parseExpire: Appwrite Datetime values as epoch ms', () => {
  it('reads ISO dates with or without time and zone; no zone is UTC', () => {
    const cases: [string, string][] = [
      ['2030-05-06T07:08:09.010+00:00', '2030-05-06T07:08:09.010Z'],
      ['2030-05-06T07:08:09Z', '2030-05-06T07:08:09.000Z'],
      ['2030-05-06 07:08:09', '2030-05-06T07:08:09.000Z'],
      ['2030-5-6 7:08', '2030-05-06T07:08:00.000Z'],
      ['2030-05-06', '2030-05-06T00:00:00.000Z'],
      ['2030-05-06T07:08:09.123456+02:00', '2030-05-06T05:08:09.123Z'],
      ['2030-05-06T07:08:09-0530', '2030-05-06T12:38:09.000Z'],
    ];
    for (const [value, iso] of cases) assert.equal(parseExpire(value), Date.parse(iso), value);
  });

  it('refuses what is not a calendar date', () => {
    for (const value of ['', 'tomorrow', '2030-02-30', '2030-13-01', '2030-01-01T24:00', '10000-01-01', '2030-01-01T00:00:00+5', '1700000000']) {
      assert.equal(parseExpire(value), null, value);
    }
  });
});

describeEachBackend('KeysService cache', (backend) => {
  let c: Container;
  let drop: () => Promise<void>;
  const clock = new FakeClock();
  before(async () => {
    const db = await freshDatabaseUrl(backend);
    drop = db.drop;
    c = await createContainer(loadConfig({ TESSERA_DATABASE_URL: db.url, TESSERA_DATA_DIR: db.dataDir }), { clock, logger: pino({ level: 'silent' }) });
    await c.projects.create('p1', 'P1');
  });
  after(async () => {
    await c?.close();
    await drop?.();
  });

  /** Changes the stored hash behind the cache: from then on only a cached copy accepts the key. */
  const hideStoredSecret = (id: string) => c.db.updateTable('keys').set({ secret_hash: hashSecret(`hidden ${id}`) }).where('id', '=', id).execute();

  it('a lookup that a key event overtook is answered but not cached', async () => {
    const key = await c.keys.create({ projectId: 'p1', id: 'overtaken', name: 'k', scopes: ['users.read'], expire: null });
    const pending = c.keys.authenticate('p1', key.secret!, undefined);
    // Published while the lookup is in flight: the row it reads may be the revoked one.
    await c.events.committed([event('keys.[keyId].update', 'p1', { keyId: 'overtaken' })]);
    assert.equal((await pending)?.id, 'overtaken');
    await hideStoredSecret('overtaken');
    await assert.rejects(c.keys.authenticate('p1', key.secret!, undefined), { type: 'user_unauthorized' });
  });

  it("a project change drops that project's cached keys, and only those", async () => {
    await c.projects.create('p2', 'P2');
    const mine = await c.keys.create({ projectId: 'p1', id: 'mine', name: 'k', scopes: ['users.read'], expire: null });
    const theirs = await c.keys.create({ projectId: 'p2', id: 'theirs', name: 'k', scopes: ['users.read'], expire: null });
    await c.keys.authenticate('p1', mine.secret!, undefined);
    await c.keys.authenticate('p2', theirs.secret!, undefined);
    await hideStoredSecret('mine');
    await hideStoredSecret('theirs');
    await c.events.committed([event('projects.[projectId].update', 'p1', { projectId: 'p1' })]);
    await assert.rejects(c.keys.authenticate('p1', mine.secret!, undefined), { type: 'user_unauthorized' });
    assert.equal((await c.keys.authenticate('p2', theirs.secret!, undefined))?.id, 'theirs', 'still cached');
  });

  it('a cached key is trusted for 10 s at most: a lost invalidation heals by itself', async () => {
    const key = await c.keys.create({ projectId: 'p1', id: 'aging', name: 'k', scopes: ['users.read'], expire: null });
    await c.keys.authenticate('p1', key.secret!, undefined);
    await hideStoredSecret('aging');
    clock.advance(9_999);
    assert.equal((await c.keys.authenticate('p1', key.secret!, undefined))?.id, 'aging', 'still cached');
    clock.advance(1);
    await assert.rejects(c.keys.authenticate('p1', key.secret!, undefined), { type: 'user_unauthorized' });
  });

  it('nothing is served from the cache while the LISTEN connection is down', { skip: backend === 'sqlite' && 'SQLite has no other process to hear from' }, async () => {
    const key = await c.keys.create({ projectId: 'p1', id: 'unheard', name: 'k', scopes: ['users.read'], expire: null });
    await c.keys.authenticate('p1', key.secret!, undefined);
    await hideStoredSecret('unheard');
    assert.equal((await c.keys.authenticate('p1', key.secret!, undefined))?.id, 'unheard', 'cached while listening');
    await c.relay.stop();
    try {
      assert.equal(c.relay.live, false);
      await assert.rejects(c.keys.authenticate('p1', key.secret!, undefined), { type: 'user_unauthorized' });
    } finally {
      await c.relay.start();
    }
  });
});
