import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backends, startServer, type TestServer } from '../harness.ts';

const run = promisify(execFile);
/** The official Appwrite CLI, as `npm ci` installs it (devDependency appwrite-cli 12). */
const CLI = path.resolve('node_modules/.bin/appwrite');

// One backend is enough: the CLI sees only the HTTP API, which the API tests cover on both.
describe(`the official Appwrite CLI manages teams with an API key [${backends()[0]}]`, () => {
  let t: TestServer;
  let home: string;
  before(async () => {
    t = await startServer(backends()[0]);
    // The CLI keeps its endpoint, project and key under $HOME and writes appwrite.config.json in its
    // working directory: a temp HOME and cwd keep both out of the developer's own.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-appwrite-cli-'));
  });
  after(async () => {
    await t?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  const appwrite = async (...args: string[]) => {
    const { stdout } = await run(CLI, args, { cwd: home, env: { ...process.env, HOME: home, NO_COLOR: '1' }, timeout: 60_000 });
    return stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await appwrite('--json', ...args));

  it('configures a client, creates a team, adds a member by email and lists the memberships', async () => {
    // `client` first checks the endpoint with GET /v1/health/version (project console, no key).
    assert.match(await appwrite('client', '--endpoint', t.endpoint, '--project-id', t.projectId, '--key', t.apiKey), /Success/);

    const team = await json('teams', 'create', '--team-id', 'cli-team', '--name', 'CLI Team');
    assert.deepEqual([team.$id, team.name, team.total], ['cli-team', 'CLI Team', 0]);

    const membership = await json('teams', 'create-membership', '--team-id', 'cli-team', '--roles', 'dev', 'ops', '--email', 'cli-member@example.com');
    assert.deepEqual([membership.confirm, membership.userEmail, membership.roles], [true, 'cli-member@example.com', ['dev', 'ops']]);

    const list = await json('teams', 'list-memberships', '--team-id', 'cli-team');
    assert.deepEqual([list.total, list.memberships.map((m: { $id: string }) => m.$id)], [1, [membership.$id]]);
    const stored = await t.container.db.selectFrom('users').select('email').where('id', '=', membership.userId).executeTakeFirst();
    assert.equal(stored?.email, 'cli-member@example.com');
  });
});
