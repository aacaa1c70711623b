import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createContainer } from '../container.ts';
import { KEY_SCOPES } from '../keys/keys.ts';
import { backends, freshDatabaseUrl } from '../../test/harness.ts';
import { bootstrapDefaultProject } from './bootstrap.ts';

for (const backend of backends()) {
  describe(`first start [${backend}]`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it('creates project "default" and a full-scope key in a 0600 file, once', async () => {
      const db = await freshDatabaseUrl(backend);
      cleanups.push(db.drop);
      const config = loadConfig({ TESSERA_DATABASE_URL: db.url, TESSERA_DATA_DIR: db.dataDir });
      const c = await createContainer(config, { logger: pino({ level: 'silent' }) });
      cleanups.push(() => c.close());

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
  });
}
