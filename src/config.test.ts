import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.ts';

describe('config from the environment', () => {
  it('defaults to a SQLite file under the data dir', () => {
    assert.equal(loadConfig({}).databaseUrl, 'sqlite:data/tessera.db');
    assert.equal(loadConfig({ TESSERA_DATA_DIR: '/srv/tessera' }).databaseUrl, 'sqlite:/srv/tessera/tessera.db');
  });

  it('takes sqlite:, postgres:// and postgresql:// URLs and plain file paths', () => {
    for (const url of ['sqlite:./x.db', 'postgres://u@h/db', 'postgresql://u@h/db', 'POSTGRES://u@h/db', './data/x.db', '/var/lib/x.db']) {
      assert.equal(loadConfig({ TESSERA_DATABASE_URL: url }).databaseUrl, url);
    }
  });

  it('refuses a URL of another scheme instead of creating a SQLite file named after it', () => {
    for (const url of ['postgress://u@h/db', 'mysql://u@h/db', 'file:x.db']) {
      assert.throws(() => loadConfig({ TESSERA_DATABASE_URL: url }), /TESSERA_DATABASE_URL must be/);
    }
  });

  it('refuses a port or abuse setting it does not understand', () => {
    assert.throws(() => loadConfig({ TESSERA_PORT: '70000' }), /TESSERA_PORT/);
    assert.throws(() => loadConfig({ TESSERA_ABUSE_LIMITS: 'off' }), /TESSERA_ABUSE_LIMITS/);
  });
});
