import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createContainer } from '../container.ts';
import { KEY_SCOPES } from '../keys/keys.ts';
import { AppwriteError } from '../errors/errors.ts';
import { describeEachBackend, freshDatabaseUrl } from '../../test/harness.ts';
import { bootstrapDefaultProject } from './bootstrap.ts';

describeEachBackend('first start', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  /** A container on a fresh, empty database; `prepare` runs on its data dir before the container starts. */
  async function freshContainer(prepare?: (dataDir: string) => void) {
    const db = await freshDatabaseUrl(backend);
    cleanups.push(db.drop);
    prepare?.(db.dataDir);
    const config = loadConfig({ TESSERA_DATABASE_URL: db.url, TESSERA_DATA_DIR: db.dataDir });
    const c = await createContainer(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => c.close());
    return { db, c };
  }

  it('creates project "default" and a full-scope key in a 0600 file, once', async () => {
    const { c } = await freshContainer();

    const first = await bootstrapDefaultProject(c);
    assert.ok(first, 'an empty database gets the default project');
    assert.equal(fs.statSync(first.keyFile).mode & 0o777, 0o600);
    const file = JSON.parse(fs.readFileSync(first.keyFile, 'utf8'));
    assert.equal(file.projectId, 'default');
    const key = await c.keys.authenticate('default', file.secret, undefined);
    assert.deepEqual(key?.scopes.sort(), [...KEY_SCOPES].sort());

    assert.equal(await bootstrapDefaultProject(c), null, 'a second start changes nothing');
    const keys = await c.db.selectFrom('keys').select('id').execute();
    assert.equal(keys.length, 1);
  });

  it('keeps the key file of another database in the same data dir: the new key goes to a new file', async () => {
    let earlier = '';
    const { db, c } = await freshContainer((dataDir) => {
      earlier = path.join(dataDir, 'default-api-key.json');
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(earlier, '{"secret":"of another database"}\n');
    });
    const boot = await bootstrapDefaultProject(c);
    assert.equal(boot?.keyFile, path.resolve(db.dataDir, 'default-api-key-2.json'));
    assert.equal(fs.readFileSync(earlier, 'utf8'), '{"secret":"of another database"}\n', 'the earlier file is untouched');
    assert.equal(fs.statSync(boot.keyFile).mode & 0o777, 0o600);
    const file = JSON.parse(fs.readFileSync(boot.keyFile, 'utf8'));
    assert.ok(await c.keys.authenticate('default', file.secret, undefined), 'the new file holds the new key');
  });

  it('stops the start when creating the project fails for any reason but a concurrent winner', async () => {
    const { c } = await freshContainer();
    const create = c.projects.create.bind(c.projects);
    c.projects.create = async () => {
      throw new Error('connection lost');
    };
    await assert.rejects(bootstrapDefaultProject(c), /connection lost/);
    c.projects.create = async () => {
      throw new AppwriteError('project_already_exists'); // another process won between count and insert
    };
    assert.equal(await bootstrapDefaultProject(c), null, 'the loser of the race starts without a key of its own');
    assert.equal((await c.db.selectFrom('keys').select('id').execute()).length, 0);
    c.projects.create = create;
  });

  it('makes project and key together: a key that cannot be written leaves no project, and the next start makes both', async () => {
    const { c } = await freshContainer();
    const create = c.keys.create.bind(c.keys);
    c.keys.create = async () => {
      throw new Error('connection lost');
    };
    await assert.rejects(bootstrapDefaultProject(c), /connection lost/);
    assert.equal((await c.db.selectFrom('projects').select('id').execute()).length, 0, 'the project went with the failed key');
    c.keys.create = create;
    const boot = await bootstrapDefaultProject(c);
    assert.ok(boot, 'the next start sets up the project');
    const file = JSON.parse(fs.readFileSync(boot.keyFile, 'utf8'));
    assert.ok(await c.keys.authenticate('default', file.secret, undefined));
  });
});
