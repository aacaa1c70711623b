import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { Account, ID, Users } from 'node-appwrite';
import { backends, startServer, type TestServer } from '../harness.ts';

/**
 * No single request may hold the event loop for more than 100 ms (security review, findings 1 and 10).
 * A prober asks GET /v1/health/version every 5 ms while one hostile request is served; the longest
 * gap between two answered probes is how long everyone else waited. The server runs in this process,
 * so the prober's own timers stall with it too.
 */
const BOUND_MS = 100;
/** A real stall shows on every try; a scheduler hiccup on a loaded machine rarely shows five times in a row. */
const TRIES = 5;

/**
 * How long this process's main thread has waited, runnable, for a CPU (Linux schedstat; 0 elsewhere).
 * A gap the machine's load caused is not the server's: on two cores shared with other test processes
 * an idle server saw gaps of 90-190 ms, nearly all of it spent waiting on the run queue.
 */
function runQueueWaitMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

const PHPASS_ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A WordPress portable hash built here, independently of src/passwords. */
function phpassPortable(password: string, salt8: string, countLog2: number): string {
  let digest = createHash('md5').update(salt8 + password).digest();
  for (let round = 0; round < 2 ** countLog2; round++) digest = createHash('md5').update(Buffer.concat([digest, Buffer.from(password)])).digest();
  let out = '';
  for (let i = 0; i < 16; i += 3) {
    const chunk = digest.subarray(i, i + 3);
    let bits = 0;
    chunk.forEach((byte, k) => (bits |= byte << (8 * k)));
    for (let c = 0; c < chunk.length + 1; c++) out += PHPASS_ITOA64[(bits >> (6 * c)) & 0x3f];
  }
  return '$P$' + PHPASS_ITOA64[countLog2] + salt8 + out;
}

/** The crafted agents of finding 1: a repeated token, `;`, a long run of spaces, one last character. */
const HOSTILE_AGENTS = [
  'Android;' + ' '.repeat(1000),
  'Mozilla/5.0 (Linux; ' + 'Android '.repeat(60) + ';' + ' '.repeat(500),
];

/** `count` form pairs of about `size` bytes in all. */
const manyFormKeys = (count: number) => Array.from({ length: count }, (_, i) => `k${i}=v`).join('&');

for (const backend of backends()) {
  describe(`no request holds the event loop for ${BOUND_MS} ms [${backend}]`, () => {
    let t: TestServer;
    let users: Users;
    let bcrypt14: string;
    const phpass16 = phpassPortable('phpass-16-pass', 'Slow/Wp.', 16);
    let tries = 0;

    before(async () => {
      t = await startServer(backend, { env: { TESSERA_ABUSE_LIMITS: 'disabled' } });
      users = new Users(t.server());
      bcrypt14 = (await bcryptHash('bcrypt-14-pass', 14)).replace(/^\$2[ab]\$/, '$2y$');
    });
    after(async () => t?.close());

    /**
     * The longest gap between answered probes while `request` runs, less the time the main thread
     * waited for a CPU in it (the best of TRIES tries), and the request's last outcome.
     */
    async function longestStall<T>(prepare: () => Promise<() => Promise<T>>): Promise<{ stallMs: number; outcome: T }> {
      let best = Infinity;
      let outcome!: T;
      for (let attempt = 0; attempt < TRIES && best >= BOUND_MS; attempt++) {
        const request = await prepare();
        let settled = false;
        let longest = 0;
        const prober = (async () => {
          let last = performance.now();
          let lastWaited = runQueueWaitMs();
          for (let probes = 0; !settled || probes < 2; probes++) {
            const res = await fetch(`${t.endpoint}/health/version`);
            assert.equal(res.status, 200);
            await res.arrayBuffer();
            const now = performance.now();
            const waited = runQueueWaitMs();
            longest = Math.max(longest, now - last - (waited - lastWaited));
            [last, lastWaited] = [now, waited];
            await sleep(5);
          }
        })();
        await sleep(20);
        outcome = await request().finally(() => (settled = true));
        await prober;
        best = Math.min(best, longest);
      }
      return { stallMs: best, outcome };
    }

    const post = (path: string, contentType: string, body: string, headers: Record<string, string> = {}) => async () => {
      const res = await t.fetch(path, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
      return { status: res.status, body: await res.json() };
    };

    async function assertAppwriteError(res: { status: number; body: any }, status: number, type: string) {
      assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.type, type);
    }

    for (const [i, agent] of HOSTILE_AGENTS.entries()) {
      it(`a crafted ${agent.length}-byte User-Agent (${i + 1}) on session creation is parsed without a stall`, async () => {
        // A new last character on every try: a parse cache must not hide the cost of the first.
        let sent = '';
        const { stallMs, outcome } = await longestStall(async () => {
          sent = agent + String.fromCharCode(65 + tries++ % 26);
          return post('/account/sessions/anonymous', 'application/json', '{}', { 'user-agent': sent });
        });
        assert.equal(outcome.status, 201);
        const row = await t.container.db.selectFrom('sessions').select('user_agent').where('id', '=', outcome.body.$id).executeTakeFirstOrThrow();
        assert.equal(row.user_agent, sent, 'the agent is stored as received');
        assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
      });
    }

    it('a login against an imported bcrypt cost-14 hash verifies off the event loop', async () => {
      const { stallMs, outcome } = await longestStall(async () => {
        const user = await users.createBcryptUser({ userId: ID.unique(), email: `${ID.unique()}@bcrypt14.test`, password: bcrypt14 });
        return () => new Account(t.guest()).createEmailPasswordSession({ email: user.email, password: 'bcrypt-14-pass' });
      });
      assert.ok(outcome.$id, 'the right password logs in');
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });

    it('a login against an imported phpass 2^16 hash verifies off the event loop', async () => {
      const { stallMs, outcome } = await longestStall(async () => {
        const user = await users.createPHPassUser({ userId: ID.unique(), email: `${ID.unique()}@phpass16.test`, password: phpass16 });
        return () => new Account(t.guest()).createEmailPasswordSession({ email: user.email, password: 'phpass-16-pass' });
      });
      assert.ok(outcome.$id, 'the right password logs in');
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });

    it('a 1 MB form body of ~110k keys is refused before it is parsed', async () => {
      const body = manyFormKeys(111_000);
      assert.ok(body.length > 1_000_000 - 100_000 && body.length <= 1024 * 1024);
      const { stallMs, outcome } = await longestStall(async () => post('/account', 'application/x-www-form-urlencoded', body));
      await assertAppwriteError(outcome, 400, 'general_argument_invalid');
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });

    it('a form key of ~350k nested brackets is dropped in linear time; the rest of the form is served', async () => {
      const { stallMs, outcome } = await longestStall(async () => {
        const email = `${ID.unique()}@brackets.test`;
        return post('/account', 'application/x-www-form-urlencoded', `userId=unique()&email=${email}&password=brackets-pass&x${'[]'.repeat(350_000)}=1`);
      });
      assert.equal(outcome.status, 201, JSON.stringify(outcome.body).slice(0, 300));
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });

    it('a form body of 1000 keys, each 64 levels deep, is served within the level budget', async () => {
      const deep = '[1000]'.repeat(63);
      const { stallMs, outcome } = await longestStall(async () => {
        const keys = Array.from({ length: 997 }, (_, n) => `k${n}[${n}]${deep}=1`).join('&');
        return post('/account', 'application/x-www-form-urlencoded', `userId=unique()&email=${ID.unique()}@levels.test&password=levels-pass&${keys}`);
      });
      assert.equal(outcome.status, 201, JSON.stringify(outcome.body).slice(0, 300));
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });

    it('a form key of ~700k unclosed brackets is dropped in linear time', async () => {
      const { stallMs, outcome } = await longestStall(async () => {
        const email = `${ID.unique()}@unclosed.test`;
        return post('/account', 'application/x-www-form-urlencoded', `userId=unique()&email=${email}&password=brackets-pass&x${'['.repeat(700_000)}=1`);
      });
      assert.equal(outcome.status, 201, JSON.stringify(outcome.body).slice(0, 300));
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });

    it('a 1 MB JSON sign-up with ~95k extra keys is refused before it is parsed, and creates nobody', async () => {
      const fields: Record<string, string> = { userId: 'unique()', email: '', password: 'json-keys-pass' };
      for (let i = 0; i < 95_000; i++) fields[i.toString(36)] = '';
      const { stallMs, outcome } = await longestStall(async () => {
        fields.email = `${ID.unique()}@many-keys.test`;
        const body = JSON.stringify(fields);
        assert.ok(body.length <= 1024 * 1024);
        return post('/account', 'application/json', body);
      });
      await assertAppwriteError(outcome, 400, 'general_argument_invalid');
      assert.deepEqual(await t.container.db.selectFrom('users').select('id').where('email', 'like', '%@many-keys.test').execute(), []);
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });

    it('1 MB of prefs nested 500k levels deep is refused without a stall, and the prefs stay as they were', async () => {
      const user = await users.create({ userId: ID.unique(), email: 'deep-prefs@json.test' });
      const body = '{"prefs":{"deep":' + '['.repeat(500_000) + ']'.repeat(500_000) + '}}';
      const { stallMs, outcome } = await longestStall(async () => async () => {
        const res = await t.fetch(`/users/${user.$id}/prefs`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-appwrite-key': t.apiKey }, body });
        return { status: res.status, body: await res.json() };
      });
      await assertAppwriteError(outcome, 400, 'general_argument_invalid');
      assert.deepEqual({ ...(await users.getPrefs({ userId: user.$id })) }, {});
      assert.ok(stallMs < BOUND_MS, `longest stall ${stallMs.toFixed(0)} ms`);
    });
  });
}
