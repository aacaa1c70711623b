import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Database } from './database.ts';
import { migrate } from './migrator.ts';
import { sql } from 'kysely';
import { QueryTemplate } from './template.ts';

describe('synchronous SQLite execution of Kysely queries (login hot path)', () => {
  let database: Database;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sync-'));
    database = createDb(`sqlite:${path.join(dir, 't.db')}`);
    await migrate(database);
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insertSetting = new QueryTemplate(['name', 'value'], (db, v: { name: string; value: string }) => db.insertInto('server_settings').values(v));
  const settingByName = new QueryTemplate(['name'], (db, v: { name: string }) => db.selectFrom('server_settings').selectAll().where('name', '=', v.name));
  const setting = (name: string, value: string) => database.sync!.runOf(insertSetting, { name, value });
  const count = async () => Number((await database.db.selectFrom('server_settings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('is not idle while a Kysely transaction is open, so nothing joins another request\'s transaction', async () => {
    const sync = database.sync!;
    assert.equal(sync.idle(), true);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let seenInside: boolean | undefined;
    const trx = database.db.transaction().execute(async (t) => {
      await t.insertInto('server_settings').values({ name: 'inside', value: '1' }).execute();
      seenInside = sync.idle();
      await held;
      throw new Error('roll back');
    });
    while (seenInside === undefined) await new Promise((r) => setImmediate(r));
    assert.equal(seenInside, false);
    assert.equal(sync.idle(), false, 'still inside while the transaction awaits');
    release();
    await assert.rejects(trx, /roll back/);
    assert.equal(sync.idle(), true);
    assert.equal(sync.firstOf(settingByName, { name: 'inside' }), undefined);
  });

  it('commits a transaction whole and rolls it back whole when it throws', async () => {
    const sync = database.sync!;
    const before = await count();
    sync.transaction(() => {
      setting('a', '1');
      setting('b', '2');
    });
    assert.equal(await count(), before + 2);
    assert.throws(() =>
      sync.transaction(() => {
        setting('c', '3');
        setting('a', 'duplicate primary key');
      }),
    );
    assert.equal(await count(), before + 2, 'the first insert of the failed transaction is gone too');
    assert.equal(sync.idle(), true);
  });

  it('returns rows of RETURNING statements and the number of changed rows of writes', () => {
    const sync = database.sync!;
    const insertReturning = new QueryTemplate(['name', 'value'], (db, v: { name: string; value: string }) => db.insertInto('server_settings').values(v).returningAll());
    assert.deepEqual(sync.firstOf(insertReturning, { name: 'r', value: 'x' }), { name: 'r', value: 'x' });
    const remove = new QueryTemplate(['a', 'b'], (db, v: { a: string; b: string }) => db.deleteFrom('server_settings').where('name', 'in', [v.a, v.b]));
    assert.equal(sync.runOf(remove, { a: 'r', b: 'nope' }), 1);
  });

  describe('query templates', () => {
    const byName = new QueryTemplate(['name'], (db, v: { name: string }) => db.selectFrom('server_settings').selectAll().where('name', '=', v.name).where('value', '!=', 'constant'));
    const insert = new QueryTemplate(['name', 'value'], (db, v: { name: string; value: string }) => db.insertInto('server_settings').values(v).returningAll());

    it('binds each run\'s values where the template put them, constants kept, and reads like the Kysely query', async () => {
      const sync = database.sync!;
      assert.deepEqual(sync.firstOf(insert, { value: 'v1', name: 't1' }), { name: 't1', value: 'v1' }, 'values by name, in any order');
      assert.deepEqual(sync.firstOf(insert, { name: 't2', value: 'constant' }), { name: 't2', value: 'constant' });
      assert.deepEqual(sync.firstOf(byName, { name: 't1' }), { name: 't1', value: 'v1' });
      assert.equal(sync.firstOf(byName, { name: 't2' }), undefined, 'the constant of the query is still a parameter');
      assert.equal(sync.firstOf(byName, { name: "t1' or '1'='1" }), undefined, 'values are bound, never spliced into the SQL');
      assert.deepEqual(sync.firstOf(byName, { name: 't1' }), await byName.query(database.db, { name: 't1' }).executeTakeFirst());
      const plainInsert = new QueryTemplate(['name', 'value'], (db, v: { name: string; value: string }) => db.insertInto('server_settings').values(v));
      const rowid = sync.insertOf(plainInsert, { name: 't3', value: 'v3' });
      const { rowid: stored } = await sql<{ rowid: number }>`select rowid from server_settings where name = 't3'`.execute(database.db).then((r) => r.rows[0]);
      assert.equal(rowid, stored, 'insertOf returns the new row\'s rowid');
    });

    it('refuses a template whose value would be written into the SQL text or is not used', () => {
      const literal = new QueryTemplate(['name'], (db, v: { name: string }) => db.selectFrom('server_settings').selectAll().where('name', '=', sql.lit(v.name)));
      assert.throws(() => database.sync!.firstOf(literal, { name: 'x' }), /written into the SQL text/);
      const unused = new QueryTemplate(['name', 'value'], (db, v: { name: string; value: string }) => db.selectFrom('server_settings').selectAll().where('name', '=', v.name));
      assert.throws(() => database.sync!.firstOf(unused, { name: 'x', value: 'y' }), /value value is not a parameter/);
    });
  });

  it('is absent on PostgreSQL', async () => {
    const pg = createDb('postgres://postgres@127.0.0.1:1/none');
    assert.equal(pg.sync, null);
    await pg.close();
  });
});
