import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ID, Users } from 'node-appwrite';
import { jsonCostProblem, MAX_JSON_DEPTH, MAX_JSON_MEMBERS } from '../../src/http/body.ts';
import { MAX_INPUT_VARS, pairsEnd } from '../../src/http/query-string.ts';
import { describeEachBackend, startServer, type TestServer } from '../harness.ts';

/** The limits that keep a body's parse cost bounded: where they start, and what they must not count. */

describe('the JSON cost check counts members and depth, never string contents', () => {
  const members = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));

  it(`accepts ${MAX_JSON_MEMBERS} members and refuses one more, at any depth`, () => {
    assert.equal(jsonCostProblem(members(MAX_JSON_MEMBERS)), null);
    assert.match(String(jsonCostProblem(members(MAX_JSON_MEMBERS + 1))), /more than 10000 object members/);
    const spread = JSON.stringify(Array.from({ length: 101 }, () => JSON.parse(members(100))));
    assert.match(String(jsonCostProblem(spread)), /object members/, '101 objects of 100 members');
  });

  it(`accepts nesting ${MAX_JSON_DEPTH} levels deep and refuses one more`, () => {
    assert.equal(jsonCostProblem('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), null);
    assert.match(String(jsonCostProblem('{"a":' + '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH) + '}')), /nested deeper than 1024/);
  });

  it('does not count colons, brackets or escaped quotes inside strings', () => {
    const tricky = JSON.stringify({ url: ':'.repeat(20_000), nest: '[{'.repeat(5_000), quote: '\\":\\"'.repeat(5_000) });
    assert.equal(jsonCostProblem(tricky), null);
    // An escaped quote does not end the string: the colons after it are still inside.
    assert.equal(jsonCostProblem(`{"a":"\\"${':'.repeat(20_000)}"}`), null);
    // An escaped backslash does end it: the members after it count.
    assert.match(String(jsonCostProblem(`{"a":"\\\\",${members(MAX_JSON_MEMBERS).slice(1)}`)), /object members/);
  });
});

describe('the form pair count', () => {
  const pairs = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join('&');

  it(`reports where pair ${MAX_INPUT_VARS + 1} starts, and -1 up to ${MAX_INPUT_VARS} pairs`, () => {
    assert.equal(pairsEnd(pairs(MAX_INPUT_VARS)), -1);
    const body = pairs(MAX_INPUT_VARS + 1);
    assert.equal(body.slice(pairsEnd(body)), `&k${MAX_INPUT_VARS}=v`);
    assert.equal(pairsEnd(''), -1);
  });
});

describeEachBackend('body limits on the wire', (backend) => {
  let t: TestServer;
  let users: Users;
  before(async () => {
    t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
    users = new Users(t.server());
  });
  after(async () => t?.close());

  const form = (body: string) =>
    t.fetch('/users', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-appwrite-key': t.apiKey }, body });

  it(`a form body of ${MAX_INPUT_VARS} pairs is served; one more pair is 400 general_argument_invalid and creates nobody`, async () => {
    const padding = Array.from({ length: MAX_INPUT_VARS - 2 }, (_, i) => `p${i}=1`).join('&');
    const served = await form(`userId=at-limit&email=at-limit@form.test&${padding}`);
    assert.equal(served.status, 201);
    assert.equal((await served.json()).$id, 'at-limit');

    const refused = await form(`userId=over-limit&email=over-limit@form.test&${padding}&one=more`);
    assert.equal(refused.status, 400);
    const body = await refused.json();
    assert.equal(body.type, 'general_argument_invalid');
    assert.match(body.message, /more than 1000 parameters/);
    assert.deepEqual(await t.container.db.selectFrom('users').select('id').where('id', '=', 'over-limit').execute(), []);
  });

  it('prefs whose strings hold colons and brackets are stored whole; a body over the member limit changes nothing', async () => {
    const user = await users.create({ userId: ID.unique(), email: 'colons@json.test' });
    const prefs = { note: ':'.repeat(30_000), brackets: '[{'.repeat(10_000) };
    assert.deepEqual({ ...(await users.updatePrefs({ userId: user.$id, prefs })) }, prefs);

    const tooMany = Object.fromEntries(Array.from({ length: MAX_JSON_MEMBERS + 1 }, (_, i) => [`k${i}`, 0]));
    const res = await t.fetch(`/users/${user.$id}/prefs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-appwrite-key': t.apiKey },
      body: JSON.stringify({ prefs: tooMany }),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).type, 'general_argument_invalid');
    assert.deepEqual({ ...(await users.getPrefs({ userId: user.$id })) }, prefs);
  });
});
