import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPgPool } from '../db/database.ts';
import { backends, freshDatabaseUrl } from '../../test/harness.ts';
import { Invalidation } from './invalidation.ts';

if (backends().includes('postgres')) {
  describe('invalidation across processes [postgres]', () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    async function node(url: string) {
      const pool = createPgPool(url, 2);
      const inv = new Invalidation(pool);
      cleanups.push(async () => {
        await inv.stop();
        await pool.end();
      });
      await inv.start();
      return { pool, inv };
    }

    it('a message whose send fails twice (connection lost) still reaches the other process', async () => {
      const db = await freshDatabaseUrl('postgres');
      cleanups.push(db.drop);
      const a = await node(db.url);
      const b = await node(db.url);
      const seen: string[] = [];
      b.inv.on('user', (projectId, id) => seen.push(`${projectId}/${id}`));

      const query = a.pool.query.bind(a.pool);
      let failures = 2;
      (a.pool as any).query = (...args: unknown[]) =>
        failures-- > 0 ? Promise.reject(new Error('Connection terminated unexpectedly')) : (query as any)(...args);
      await a.inv.publish('user', 'p1', 'u1');
      const until = Date.now() + 2000;
      while (!seen.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(seen, ['p1/u1']);

      failures = 3;
      await assert.rejects(a.inv.publish('user', 'p1', 'u2'), /Connection terminated/, 'gives up after three attempts');
    });
  });
}
