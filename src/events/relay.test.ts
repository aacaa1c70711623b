import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDb, createPgPool } from '../db/database.ts';
import { migrate } from '../db/migrator.ts';
import { backends, freshDatabaseUrl } from '../../test/harness.ts';
import { EventRelay, type EventRef } from './relay.ts';
import { EventBus } from './bus.ts';
import { event } from './events.ts';

const waitFor = async (probe: () => boolean, ms = 2000) => {
  const until = Date.now() + ms;
  while (!probe() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return probe();
};

if (backends().includes('postgres')) {
  describe('event relay across processes [postgres]', () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    async function node(url: string) {
      const database = createDb(url);
      const relay = new EventRelay(database.pool, 5_000);
      const bus = new EventBus(database.db, relay);
      cleanups.push(async () => {
        await relay.stop();
        await database.close();
      });
      await relay.start();
      const seen: EventRef[] = [];
      bus.onCommitEverywhere('*', (e) => seen.push(e));
      return { database, relay, bus, seen };
    }

    async function twoProcesses() {
      const db = await freshDatabaseUrl('postgres');
      cleanups.push(db.drop);
      const a = await node(db.url);
      await migrate(a.database);
      return { a, b: await node(db.url) };
    }

    it('an event is sent inside the writing transaction: delivered on commit, never for a rollback', async () => {
      const { a, b } = await twoProcesses();
      await assert.rejects(
        a.bus.transaction(async (_trx, emit) => {
          emit(event('users.[userId].delete', 'p1', { userId: 'rolled-back' }));
          throw new Error('the write failed');
        }),
        /the write failed/,
      );
      await a.bus.transaction(async (_trx, emit) => emit(event('users.[userId].delete', 'p1', { userId: 'u1' })));
      assert.ok(await waitFor(() => b.seen.length > 0));
      assert.deepEqual(b.seen, [{ name: 'users.[userId].delete', projectId: 'p1', params: { userId: 'u1' } }]);
      assert.deepEqual(a.seen.map((e) => e.params), [{ userId: 'u1' }], 'the writer publishes to itself once, after commit');
    });

    it('a process that dies right after its commit cannot lose the event: PostgreSQL sends it', async () => {
      const { a, b } = await twoProcesses();
      // The writer's own publishing after commit never runs (as if killed there): the NOTIFY went with the commit.
      (a.bus as unknown as { published: () => void }).published = () => {};
      await a.bus.transaction(async (_trx, emit) => emit(event('users.[userId].update.status', 'p1', { userId: 'blocked' })));
      assert.ok(await waitFor(() => b.seen.length > 0));
      assert.equal((b.seen[0].params as { userId: string }).userId, 'blocked');
    });

    it('a batch larger than one NOTIFY payload arrives whole, split in several', async () => {
      const { a, b } = await twoProcesses();
      await a.bus.transaction(async (_trx, emit) => {
        for (let i = 0; i < 400; i++) emit(event('users.[userId].sessions.[sessionId].delete', 'p1', { userId: `user-${i}`, sessionId: `session-${'x'.repeat(20)}-${i}` }));
      });
      assert.ok(await waitFor(() => b.seen.length === 400), `${b.seen.length} of 400`);
    });

    it('a message sent after the fact whose send fails twice (connection lost) still arrives', async () => {
      const db = await freshDatabaseUrl('postgres');
      cleanups.push(db.drop);
      const pool = createPgPool(db.url, 2);
      const relay = new EventRelay(pool);
      cleanups.push(async () => {
        await relay.stop();
        await pool.end();
      });
      const b = await node(db.url);
      const query = pool.query.bind(pool);
      let failures = 2;
      (pool as any).query = (...args: unknown[]) => (failures-- > 0 ? Promise.reject(new Error('Connection terminated unexpectedly')) : (query as any)(...args));
      await relay.announce([event('users.[userId].delete', 'p1', { userId: 'u1' })]);
      assert.ok(await waitFor(() => b.seen.length > 0));
      failures = 3;
      await assert.rejects(relay.announce([event('users.[userId].delete', 'p1', { userId: 'u2' })]), /Connection terminated/, 'gives up after three attempts');
    });
  });
}
