import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend, freshDatabaseUrl } from '../harness.ts';
import { bundleServer, spawnServer } from '../multiprocess-helpers.ts';

/** The JSON entries a server process logged up to now. */
function entries(logTail: string): { level: number; msg: string }[] {
  return logTail.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

describeEachBackend('what the server logs at start', (backend) => {
  let bundle: Awaited<ReturnType<typeof bundleServer>>;
  before(async () => {
    bundle = await bundleServer();
  });
  after(() => bundle?.remove());

  async function startLog(env: Record<string, string>) {
    const db = await freshDatabaseUrl(backend);
    const server = await spawnServer('startup-log', bundle.mainJs, { TESSERA_DATABASE_URL: db.url, ...env });
    try {
      return entries(server.logTail());
    } finally {
      await server.stop();
      await db.drop();
    }
  }

  it('TESSERA_TRUST_PROXY=true logs a warning that any client can set X-Forwarded-For, naming the safe settings', async () => {
    const warnings = (await startLog({ TESSERA_TRUST_PROXY: 'true' })).filter((e) => e.level === 40);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0].msg, /X-Forwarded-For from any client/);
    assert.match(warnings[0].msg, /TESSERA_TRUST_PROXY=127\.0\.0\.1/);
  });

  it('a named proxy address starts without a warning, and the log is JSON when stdout is not a terminal', async () => {
    const logged = await startLog({ TESSERA_TRUST_PROXY: '127.0.0.1' });
    assert.ok(logged.some((e) => /Tessera listening on/.test(e.msg)), 'the start line is a JSON entry');
    assert.deepEqual(logged.filter((e) => e.level >= 40), []);
  });
});
