import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDb, type Database } from './database.ts';
import { migrate } from './migrator.ts';
import { QueryTemplate } from './template.ts';
import { changedRows, firstRow, runSteps, type Steps } from './steps.ts';
import { describeEachBackend, freshDatabaseUrl } from '../../test/harness.ts';

const insertSetting = new QueryTemplate(['name', 'value'], (db, v: { name: string; value: string }) => db.insertInto('server_settings').values(v).returning('name'));
const updateSetting = new QueryTemplate(['name', 'value'], (db, v: { name: string; value: string }) =>
  db.updateTable('server_settings').set({ value: v.value }).where('name', '=', v.name),
);

/** Inserts a setting, updates it, and fails after both when asked to. */
function* writeSetting(name: string, fail: boolean): Steps<{ inserted: string | undefined; updated: number }> {
  const inserted = (yield* firstRow(insertSetting, { name, value: 'first' }))?.name;
  const updated = yield* changedRows(updateSetting, { name, value: 'second' });
  if (fail) throw new Error('fail after writing');
  return { inserted, updated };
}

describeEachBackend('one write definition, run synchronously or through Kysely', (backend) => {
  let database: Database;
  let drop: () => Promise<void>;
  before(async () => {
    const fresh = await freshDatabaseUrl(backend);
    drop = fresh.drop;
    database = createDb(fresh.url);
    await migrate(database);
  });
  after(async () => {
    await database.close();
    await drop();
  });

  const value = async (name: string) => (await database.db.selectFrom('server_settings').select('value').where('name', '=', name).executeTakeFirst())?.value;

  it('returns the rows and counts the steps asked for, and commits them together', async () => {
    const result = runSteps(database, () => writeSetting('a', false));
    // On an idle SQLite connection the whole write ran before runSteps returned.
    assert.equal(result instanceof Promise, backend === 'postgres');
    assert.deepEqual(await result, { inserted: 'a', updated: 1 });
    assert.equal(await value('a'), 'second');
  });

  it('rolls every step back when a later one throws', async () => {
    await assert.rejects(async () => runSteps(database, () => writeSetting('b', true)), /fail after writing/);
    assert.equal(await value('b'), undefined);
  });

  if (backend === 'sqlite') {
    it('runs through Kysely while another transaction holds the connection, after it', async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const other = database.db.transaction().execute(async (trx) => {
        await trx.insertInto('server_settings').values({ name: 'other', value: '1' }).execute();
        await held;
      });
      while (database.sync!.idle()) await new Promise((r) => setImmediate(r));
      const result = runSteps(database, () => writeSetting('c', false));
      assert.ok(result instanceof Promise, 'not run synchronously inside the other transaction');
      release();
      await other;
      assert.deepEqual(await result, { inserted: 'c', updated: 1 });
      assert.deepEqual([await value('other'), await value('c')], ['1', 'second']);
    });
  }
});
