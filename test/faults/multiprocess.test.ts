import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Account, Client, ID, Project, Users } from 'node-appwrite';
import { backends, eventually, freshDatabaseUrl, TEST_SERVER_KEY } from '../harness.ts';
import { bundleServer, readKeySecret, spawnServer, type ServerProcess } from '../multiprocess-helpers.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { bootstrapDefaultProject } from '../../src/projects/bootstrap.ts';
import { EventRelay } from '../../src/events/relay.ts';
import { event } from '../../src/events/events.ts';
import { createPgPool } from '../../src/db/database.ts';
import { hashSecret } from '../../src/support/secrets.ts';

/**
 * "Many stateless processes on PostgreSQL": real `node dist/main.js`-style server processes sharing
 * one database, driven with the official SDK, requests spread over the processes and fired at once.
 */
const PROJECT = 'default';
const PASSWORD = 'multi-process-pass-1';

type Outcome = { ok: true; value: unknown } | { ok: false; code: number; type: string };

/** What a settled SDK call came to: its value, or its HTTP code and Appwrite error type. */
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    const e = err as { code?: number; type?: string; message?: string };
    if (typeof e.code !== 'number') throw err;
    return { ok: false, code: e.code, type: e.type ?? '' };
  }
}

const summarize = (list: Outcome[]) => list.map((o) => (o.ok ? 'ok' : `${o.code} ${o.type}`)).join(', ');

for (const backend of backends()) {
  if (backend !== 'postgres') {
    describe(`many server processes on one database [${backend}]`, { skip: 'PostgreSQL only: a SQLite deployment is one process by design' }, () => {
      it('is not run on SQLite', () => {});
    });
    continue;
  }

  describe('many server processes on one PostgreSQL database [postgres]', () => {
    let bundle: Awaited<ReturnType<typeof bundleServer>> | undefined;
    before(async () => {
      bundle = await bundleServer();
    });
    after(() => bundle?.remove());

    describe('first start', () => {
      it('3 containers starting at once on an empty database: migrations, JWT secret and default project made once', async () => {
        // Each container has its own pool, so PostgreSQL sees what it sees from 3 processes.
        const db = await freshDatabaseUrl('postgres');
        const dataDirs = [1, 2, 3].map((i) => fs.mkdtempSync(path.join(os.tmpdir(), `tessera-mp-boot${i}-`)));
        const containers: Container[] = [];
        try {
          const started = await Promise.allSettled(
            dataDirs.map((dataDir) =>
              createContainer(loadConfig({ TESSERA_DATABASE_URL: db.url, TESSERA_DATA_DIR: dataDir, TESSERA_SECRET_KEY: TEST_SERVER_KEY }), { logger: pino({ level: 'silent' }) }),
            ),
          );
          for (const s of started) if (s.status === 'fulfilled') containers.push(s.value);
          for (const s of started) if (s.status === 'rejected') assert.fail(`a concurrent start failed: ${(s.reason as Error).message}`);

          const boots = await Promise.all(containers.map((c) => bootstrapDefaultProject(c)));
          assert.equal(boots.filter(Boolean).length, 1, 'exactly one container bootstrapped');
          const keyFiles = dataDirs.filter((d) => fs.existsSync(path.join(d, 'default-api-key.json')));
          assert.equal(keyFiles.length, 1, 'exactly one key file was written');

          const { db: kdb } = containers[0];
          assert.deepEqual((await kdb.selectFrom('projects').select('id').execute()).map((r) => r.id), [PROJECT]);
          assert.equal((await kdb.selectFrom('keys').select('id').execute()).length, 1);
          assert.equal((await kdb.selectFrom('server_settings').select('name').where('name', '=', 'jwt_signing_keys').execute()).length, 1);
          // A JWT any container signs verifies in every other (one shared keyring).
          const user = { id: 'u1', email_verification: 0, phone_verification: 0, labels: '[]' };
          const jwt = await containers[1].jwt.sign({ user, sessionId: 's1', projectId: PROJECT }, 60);
          for (const c of containers) assert.equal((await c.jwt.verify(jwt, PROJECT)).userId, 'u1');
        } finally {
          await Promise.allSettled(containers.map((c) => c.close()));
          for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
          await db.drop();
        }
      });

      it('2 server processes started at the same moment on an empty database both serve, one default project and key', async () => {
        const db = await freshDatabaseUrl('postgres');
        const env = { TESSERA_DATABASE_URL: db.url };
        const procs: ServerProcess[] = [];
        try {
          const started = await Promise.allSettled([spawnServer('twin1', bundle!.mainJs, env), spawnServer('twin2', bundle!.mainJs, env)]);
          for (const s of started) if (s.status === 'fulfilled') procs.push(s.value);
          for (const s of started) if (s.status === 'rejected') assert.fail((s.reason as Error).message);

          const bootstrapped = procs.filter((p) => p.keyFile);
          assert.equal(bootstrapped.length, 1, 'exactly one process reported a new key file');
          const admin = new pg.Client({ connectionString: db.url });
          await admin.connect();
          try {
            assert.deepEqual((await admin.query('select id from projects')).rows, [{ id: PROJECT }]);
            assert.equal((await admin.query('select id from keys')).rowCount, 1);
          } finally {
            await admin.end();
          }
          const apiKey = readKeySecret(bootstrapped[0].keyFile!);
          for (const p of procs) {
            const health = await fetch(`${p.endpoint}/health/version`);
            assert.equal(health.status, 200, p.name);
            const list = await new Users(new Client().setEndpoint(p.endpoint).setProject(PROJECT).setKey(apiKey)).list();
            assert.equal(list.total, 0, `${p.name} accepts the key the other process may have made`);
          }
        } finally {
          await Promise.allSettled(procs.map((p) => p.stop()));
          await db.drop();
        }
      });
    });

    describe('three processes behind one proxy', () => {
      let db: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
      const procs: ServerProcess[] = [];
      let pool: pg.Pool;
      let apiKey: string;
      let ipCounter = 0;

      before(async () => {
        db = await freshDatabaseUrl('postgres');
        pool = createPgPool(db.url, 2);
        // A deployment of several processes sits behind a proxy; each test client gets its own
        // address, so per-IP abuse limits do not mix up the races below.
        const env = { TESSERA_DATABASE_URL: db.url, TESSERA_TRUST_PROXY: '127.0.0.1' };
        procs.push(await spawnServer('A', bundle!.mainJs, env));
        const rest = await Promise.allSettled([spawnServer('B', bundle!.mainJs, env), spawnServer('C', bundle!.mainJs, env)]);
        for (const s of rest) if (s.status === 'fulfilled') procs.push(s.value);
        for (const s of rest) if (s.status === 'rejected') throw s.reason;
        assert.ok(procs[0].keyFile, 'the first process bootstrapped the default project');
        apiKey = readKeySecret(procs[0].keyFile);
      });
      after(async () => {
        await Promise.allSettled(procs.map((p) => p.stop()));
        await pool?.end();
        await db?.drop();
      });

      const A = () => procs[0];
      const nth = (i: number) => procs[i % procs.length];
      const nextIp = () => {
        ipCounter++;
        return `10.0.${ipCounter >> 8}.${ipCounter & 255}`;
      };
      const base = (p: ServerProcess) => new Client().setEndpoint(p.endpoint).setProject(PROJECT);
      const keyClient = (p: ServerProcess) => base(p).setKey(apiKey);
      /** A browser-like client: no credentials, its own address. */
      const guest = (p: ServerProcess) => base(p).addHeader('X-Forwarded-For', nextIp());
      const asSession = (p: ServerProcess, secret: string) => new Account(base(p).setSession(secret));
      const asJwt = (p: ServerProcess, jwt: string) => new Account(base(p).setJWT(jwt));
      const usersVia = (p: ServerProcess) => new Users(keyClient(p));
      /** GET /account through this Account: "200 <name>" or "<code> <type>". */
      const accountGet = async (account: Account) => {
        const o = await outcome(account.get());
        return o.ok ? `200 ${(o.value as { name: string }).name}` : `${o.code} ${o.type}`;
      };
      const count = async (sqlText: string, params: unknown[]) => Number((await pool.query<{ n: string }>(`select count(*) as n from ${sqlText}`, params)).rows[0].n);

      it('only the first process bootstrapped: one project, one key, no key file from B or C', async () => {
        assert.deepEqual(procs.map((p) => Boolean(p.keyFile)), [true, false, false]);
        assert.equal(await count('projects', []), 1);
        assert.equal(await count('keys', []), 1);
        for (const p of procs) assert.equal((await usersVia(p).list()).total, 0, p.name);
      });

      it('a custom token is exchanged once when 20 exchanges race over 3 processes', async () => {
        const users = usersVia(A());
        const user = await users.create({ userId: ID.unique(), email: 'token-race@example.com' });
        const { secret } = await users.createToken({ userId: user.$id });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => outcome(new Account(guest(nth(i))).createSession({ userId: user.$id, secret }))),
        );
        const won = results.filter((r) => r.ok);
        assert.equal(won.length, 1, summarize(results));
        // Past the per-user exchange budget (10 a window, counted across processes; the success gives
        // its attempt back) the rest are 429.
        const losers = results.filter((r) => !r.ok).map((r) => `${r.code} ${r.type}`);
        assert.ok(losers.every((l) => l === '401 user_invalid_token' || l === '429 general_rate_limit_exceeded'), summarize(results));
        assert.ok(losers.filter((l) => l.startsWith('401')).length <= 10, summarize(results));
        const rows = (await pool.query('select id from sessions where project_id = $1 and user_id = $2', [PROJECT, user.$id])).rows;
        assert.deepEqual(rows, [{ id: (won[0] as { value: { $id: string } }).value.$id }], 'one session, the one returned');
        assert.equal(await count('tokens where user_id = $1', [user.$id]), 0, 'the token is gone');
      });

      it('one email per project: 9 sign-ups and Users API creates with one email over 3 processes give one user', async () => {
        const casings = ['clash@example.com', 'Clash@Example.com', 'CLASH@EXAMPLE.COM'];
        const results = await Promise.all(
          Array.from({ length: 9 }, (_, i) => {
            const email = casings[(i + Math.floor(i / 3)) % 3]; // each process sees each casing
            const p = nth(i);
            return outcome(
              Math.floor(i / 3) === 1 // every process gets sign-ups and Users API creates
                ? usersVia(p).create({ userId: ID.unique(), email, password: PASSWORD })
                : new Account(guest(p)).create({ userId: ID.unique(), email, password: PASSWORD }),
            );
          }),
        );
        assert.equal(results.filter((r) => r.ok).length, 1, summarize(results));
        for (const r of results) if (!r.ok) assert.deepEqual([r.code, r.type], [409, 'user_already_exists']);
        assert.equal(await count('users where project_id = $1 and lower(email) = $2', [PROJECT, 'clash@example.com']), 1);
      });

      it('a changed session limit (2) reaches every process at once, and holds when 16 logins race over them (4 bursts)', async () => {
        const users = usersVia(A());
        const user = await users.create({ userId: ID.unique(), email: 'many-logins@example.com', password: PASSWORD });
        const original = (await pool.query<{ settings: string }>('select settings from projects where id = $1', [PROJECT])).rows[0].settings;
        const publisher = new EventRelay(pool);
        const writeSettings = async (settings: string) => {
          await pool.query('update projects set settings = $1 where id = $2', [settings, PROJECT]);
          // As any writer of project settings does (inside its transaction; here just after).
          await publisher.announce([event('projects.[projectId].update', PROJECT, { projectId: PROJECT })]);
        };
        try {
          // Every process has just read the project (its copy would live 5 s without an invalidation).
          for (const p of procs) assert.equal(await accountGet(new Account(guest(p))), '401 general_unauthorized_scope');
          const settings = JSON.parse(original);
          settings.auths = { ...settings.auths, maxSessions: 2, disabledMethods: ['anonymous'] };
          await writeSettings(JSON.stringify(settings));
          // Anonymous sign-in being refused shows a process holds the new row, maxSessions included.
          for (const p of procs) {
            const refused = await eventually(async () => {
              const o = await outcome(new Account(guest(p)).createAnonymousSession());
              return o.ok ? 'ok' : `${o.code} ${o.type}`;
            }, '501 user_auth_method_unsupported', 1_500);
            assert.equal(refused, '501 user_auth_method_unsupported', `${p.name} saw the change well before its cached copy expired`);
          }

          // Half browser logins, half server-side (API key) logins, as an SSR app makes them; four
          // bursts, since a missing lock overshoots only when transactions happen to interleave.
          for (const burst of [1, 2, 3, 4]) {
            const results = await Promise.all(
              Array.from({ length: 16 }, (_, i) => {
                const client = i % 2 ? keyClient(nth(i)) : guest(nth(i));
                return outcome(new Account(client).createEmailPasswordSession({ email: 'many-logins@example.com', password: PASSWORD }));
              }),
            );
            assert.equal(results.filter((r) => r.ok).length, 16, `burst ${burst}: ${summarize(results)}`);
            assert.equal(await count('sessions where project_id = $1 and user_id = $2', [PROJECT, user.$id]), 2, `burst ${burst}`);
          }
          assert.equal((await usersVia(nth(1)).listSessions({ userId: user.$id })).total, 2);
        } finally {
          await writeSettings(original);
        }
      });

      describe('abuse limits are counted in the database, not per process', () => {
        const login = (p: ServerProcess, email: string, password: string) =>
          fetch(`${p.endpoint}/account/sessions/email`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-appwrite-project': PROJECT, 'x-forwarded-for': nextIp() },
            body: JSON.stringify({ email, password }),
          });
        const typeOf = async (res: Response) => `${res.status} ${((await res.json()) as { type: string }).type}`;

        it('10 wrong passwords for one email alternating over 3 processes: the 11th is 429 on every process', async () => {
          const email = 'abused@example.com';
          await usersVia(A()).create({ userId: ID.unique(), email, password: PASSWORD });
          for (let i = 0; i < 10; i++) {
            const res = await login(nth(i), email, 'wrong-password-x');
            assert.equal(await typeOf(res), '401 user_invalid_credentials', `attempt ${i + 1} on ${nth(i).name}`);
            assert.equal(res.headers.get('x-ratelimit-remaining'), String(9 - i), `attempt ${i + 1}: one counter for all processes`);
          }
          for (const p of procs) {
            assert.equal(await typeOf(await login(p, email, 'wrong-password-x')), '429 general_rate_limit_exceeded', p.name);
            assert.equal(await typeOf(await login(p, email, PASSWORD)), '429 general_rate_limit_exceeded', `${p.name}, right password`);
          }
          assert.equal(await count('sessions s join users u on u.project_id = s.project_id and u.id = s.user_id where u.email = $1', [email]), 0);
        });

        it('15 wrong passwords for one email fired at once over 3 processes: exactly 10 are checked, 5 get 429', async () => {
          const email = 'abused-at-once@example.com';
          await usersVia(A()).create({ userId: ID.unique(), email, password: PASSWORD });
          const results = await Promise.all(Array.from({ length: 15 }, (_, i) => login(nth(i), email, 'wrong-password-x').then(typeOf)));
          const tally = (want: string) => results.filter((r) => r === want).length;
          assert.deepEqual(
            [tally('401 user_invalid_credentials'), tally('429 general_rate_limit_exceeded')],
            [10, 5],
            results.join(', '),
          );
        });
      });

      describe('revocation reaches every process promptly', () => {
        /** A user with a server-made session (cookie value), warm on B and C. */
        async function warmSessionOnBC(label: string) {
          const users = usersVia(A());
          const user = await users.create({ userId: ID.unique(), email: `${label}@example.com`, password: PASSWORD, name: 'Before' });
          const session = await users.createSession({ userId: user.$id });
          for (const p of procs.slice(1)) {
            assert.equal(await accountGet(asSession(p, session.secret)), '200 Before', p.name);
            assert.equal(await accountGet(asSession(p, session.secret)), '200 Before', p.name);
          }
          return { users, user, session };
        }

        it('users.deleteSession through A: B and C refuse the warm session within 2 s', async () => {
          const { users, user, session } = await warmSessionOnBC('revoked-xproc');
          // Control: B and C answer from their caches (a row edited behind the services is not seen),
          // so what follows can only pass through a cross-process invalidation.
          await pool.query('update users set name = $1 where project_id = $2 and id = $3', ['Edited behind the cache', PROJECT, user.$id]);
          for (const p of procs.slice(1)) assert.equal(await accountGet(asSession(p, session.secret)), '200 Before', `${p.name} serves its cached copy`);

          await users.deleteSession({ userId: user.$id, sessionId: session.$id });
          assert.equal(await accountGet(asSession(A(), session.secret)), '401 general_unauthorized_scope', 'A at once');
          for (const p of procs.slice(1)) {
            const seen = await eventually(() => accountGet(asSession(p, session.secret)), '401 general_unauthorized_scope');
            assert.equal(seen, '401 general_unauthorized_scope', p.name);
          }
        });

        it('users.updateStatus(false) through A: B and C answer 403 user_blocked within 2 s, and serve again once unblocked', async () => {
          const { users, user, session } = await warmSessionOnBC('blocked-xproc');
          await users.updateStatus({ userId: user.$id, status: false });
          assert.equal(await accountGet(asSession(A(), session.secret)), '403 user_blocked', 'A at once');
          for (const p of procs.slice(1)) {
            assert.equal(await eventually(() => accountGet(asSession(p, session.secret)), '403 user_blocked'), '403 user_blocked', p.name);
          }
          await users.updateStatus({ userId: user.$id, status: true });
          for (const p of procs.slice(1)) {
            assert.equal(await eventually(() => accountGet(asSession(p, session.secret)), '200 Before'), '200 Before', p.name);
          }
        });

        /** A key written straight into the database (no API may mint one), then warm in B's and C's key caches. */
        async function warmKeyOnBC(id: string, scopes: string[]) {
          const secret = `standard_${randomBytes(128).toString('hex')}`;
          const now = Date.now();
          await pool.query(
            'insert into keys (project_id, id, name, scopes, secret_hash, expire, accessed_at, sdks, created_at, updated_at) values ($1, $2, $3, $4, $5, null, null, $6, $7, $7)',
            [PROJECT, id, id, JSON.stringify(scopes), hashSecret(secret), '[]', now],
          );
          for (const p of procs) assert.equal(await usersListWith(p, secret), 'ok', p.name);
          for (const p of procs.slice(1)) assert.equal(await usersListWith(p, secret), 'ok', p.name);
          // Control: with the stored hash changed behind the caches, only a cached copy still accepts the key.
          await pool.query('update keys set secret_hash = $1 where project_id = $2 and id = $3', ['f'.repeat(64), PROJECT, id]);
          for (const p of procs.slice(1)) assert.equal(await usersListWith(p, secret), 'ok', `${p.name} serves its cached key`);
          await pool.query('update keys set secret_hash = $1 where project_id = $2 and id = $3', [hashSecret(secret), PROJECT, id]);
          return secret;
        }
        /** users.list with this key through p: 'ok' or "<code> <type>". */
        const usersListWith = async (p: ServerProcess, secret: string) => {
          const o = await outcome(new Users(base(p).setKey(secret)).list());
          return o.ok ? 'ok' : `${o.code} ${o.type}`;
        };

        it('a key deleted through A is refused by B and C within 2 s, though warm in their caches', async () => {
          const secret = await warmKeyOnBC('revoked-key-xproc', ['users.read']);
          await new Project(keyClient(A())).deleteKey({ keyId: 'revoked-key-xproc' });
          assert.equal(await usersListWith(A(), secret), '401 user_unauthorized', 'A at once');
          for (const p of procs.slice(1)) {
            assert.equal(await eventually(() => usersListWith(p, secret), '401 user_unauthorized'), '401 user_unauthorized', p.name);
          }
        });

        it('a key narrowed through A loses its old scopes on B and C within 2 s', async () => {
          const secret = await warmKeyOnBC('narrowed-key-xproc', ['users.read']);
          await new Project(keyClient(A())).updateKey({ keyId: 'narrowed-key-xproc', name: 'narrowed', scopes: ['teams.read'] as any });
          const refused = '401 general_unauthorized_scope';
          for (const p of procs.slice(1)) assert.equal(await eventually(() => usersListWith(p, secret), refused), refused, p.name);
        });

        it('a JWT made on A works on B and C, and stops when its session is deleted through A', async () => {
          const { user, session } = await warmSessionOnBC('jwt-xproc');
          const { jwt } = await asSession(A(), session.secret).createJWT();
          for (const p of procs.slice(1)) {
            const me = await asJwt(p, jwt).get();
            assert.equal(me.$id, user.$id, `${p.name} verifies A's JWT`);
          }
          await asSession(A(), session.secret).deleteSession({ sessionId: 'current' });
          for (const p of procs.slice(1)) {
            assert.equal(await eventually(() => accountGet(asJwt(p, jwt)), '401 general_unauthorized_scope'), '401 general_unauthorized_scope', `${p.name}, JWT`);
            assert.equal(await eventually(() => accountGet(asSession(p, session.secret)), '401 general_unauthorized_scope'), '401 general_unauthorized_scope', `${p.name}, session`);
          }
        });
      });
    });
  });
}
