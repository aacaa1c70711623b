/**
 * npm run bench: load scenarios against a fresh SQLite server in a child process, with the bare
 * node:http server and a bare argon2id loop as in-run ceilings. Prints req/s, p50, p99 and the
 * server's peak RSS, and checks the targets from the issue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import autocannon from 'autocannon';
import { freshDatabaseUrl } from '../test/harness.ts';
import { ARGON2_OPTIONS } from '../src/passwords/passwords.ts';
import { measureMemory, type MemoryFigures } from './memory.ts';

const DURATION = Number(process.env.BENCH_SECONDS || 10);
// A scenario and its ceiling are measured in alternating rounds (ceiling, scenario, ceiling, …) and
// compared on their totals, so that a drift of this shared machine's speed hits both alike.
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS || 3));
const ROUND_SECONDS = Math.max(2, Math.round(DURATION / ROUNDS));
const root = path.resolve(import.meta.dirname, '..');

interface Started {
  proc: ChildProcess;
  port: number;
}

/**
 * The V8 flags `npm start` gives the server (package.json), so the bench measures the process users
 * run: they bound how far the heap grows past its live size.
 */
function startFlags(): string[] {
  const start: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start;
  return start.split(/\s+/).filter((arg) => arg.startsWith('--'));
}

async function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<Started> {
  const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      buf += d.toString();
      const m = buf.match(ready);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`process exited early (${code}): ${buf.slice(-2000)}`)));
  });
  return { proc, port };
}

/** Peak resident set size of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(status.match(/VmHWM:\s+(\d+)/)![1]);
  return kb / 1024;
}

/** CPU seconds used so far by a whole process, and by its main thread alone (/proc, clock ticks of 10 ms). */
function cpuSeconds(pid: number): { total: number; main: number } {
  const ticks = (file: string) => {
    const f = fs.readFileSync(file, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  return { total: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

async function stop(p: Started) {
  p.proc.kill('SIGTERM');
  await once(p.proc, 'exit');
}

let serverPid = 0;

interface Measured {
  reqPerSec: number;
  p50?: number;
  p99?: number;
  errors?: number;
  total: number;
  seconds: number;
  /** CPU milliseconds per request: the server's main thread, its other threads, the load generator. */
  cpu?: { main: number; others: number; client: number };
}

/** Sums rounds into one figure: requests over seconds; latencies are the worst round's (p99) or the mean (p50). */
function combine(parts: Measured[]): Measured {
  const total = parts.reduce((s, p) => s + p.total, 0);
  const seconds = parts.reduce((s, p) => s + p.seconds, 0);
  const out: Measured = { reqPerSec: total / seconds, total, seconds };
  if (parts[0].p50 !== undefined) {
    out.p50 = parts.reduce((s, p) => s + p.p50!, 0) / parts.length;
    out.p99 = Math.max(...parts.map((p) => p.p99!));
    out.errors = parts.reduce((s, p) => s + (p.errors ?? 0), 0);
  }
  if (parts[0].cpu) {
    const sum = (k: 'main' | 'others' | 'client') => parts.reduce((s, p) => s + p.cpu![k] * p.total, 0) / total;
    out.cpu = { main: sum('main'), others: sum('others'), client: sum('client') };
  }
  return out;
}

async function load(opts: autocannon.Options, seconds: number, serverPid?: number): Promise<Measured> {
  const before = serverPid ? cpuSeconds(serverPid) : null;
  const client = process.cpuUsage();
  const result = await autocannon({ connections: 50, ...opts, duration: seconds });
  const used = process.cpuUsage(client);
  const m: Measured = { reqPerSec: result.requests.total / seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, total: result.requests.total, seconds };
  if (before && result.requests.total > 0) {
    const after = cpuSeconds(serverPid!);
    const per = (sec: number) => (sec * 1000) / result.requests.total;
    m.cpu = { main: per(after.main - before.main), others: per(after.total - before.total - (after.main - before.main)), client: per((used.user + used.system) / 1e6) };
  }
  if (process.env.BENCH_TRACE_RSS && serverPid) console.error(`  after ${String(opts.url)}: peak RSS ${peakRssMb(serverPid).toFixed(1)} MB`);
  return m;
}

function argonLoop(mode: 'verify' | 'hash', seconds: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(root, 'bench/argon2-loop.mjs'), String(seconds), '4', mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ARGON2_OPTIONS: JSON.stringify(ARGON2_OPTIONS) },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error('argon2 loop failed'));
      const { perSecond, cpuMs } = JSON.parse(out) as { perSecond: number; cpuMs: number };
      resolve({ reqPerSec: perSecond, total: perSecond * seconds, seconds, cpu: { main: 0, others: cpuMs, client: 0 } });
    });
  });
}

/** Ceiling and scenarios in alternating rounds (ceiling, each scenario, ceiling, …); returns the totals in that order. */
async function alternate(ceiling: () => Promise<Measured>, ...scenarios: (() => Promise<Measured>)[]): Promise<Measured[]> {
  const runs = [ceiling, ...scenarios].map((run) => ({ run, parts: [] as Measured[] }));
  for (let i = 0; i < ROUNDS; i++) {
    for (const r of runs) r.parts.push(await r.run());
  }
  return runs.map((r) => combine(r.parts));
}

async function api(base: string, key: string, method: string, pathname: string, body?: unknown) {
  const res = await fetch(base + pathname, {
    method,
    headers: { 'content-type': 'application/json', 'x-appwrite-project': 'default', 'x-appwrite-key': key },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`${method} ${pathname}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A Tessera server process (`npm start`'s dist/main.js) on a fresh database. */
async function startTessera() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
  // BENCH_BACKEND=postgres runs the same scenarios on a fresh PostgreSQL database.
  const fresh = await freshDatabaseUrl(process.env.BENCH_BACKEND === 'postgres' ? 'postgres' : 'sqlite');
  const server = await startProcess([...startFlags(), 'dist/main.js'], {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_DATABASE_URL: fresh.url,
    TESSERA_PORT: '0',
    TESSERA_HOST: '127.0.0.1',
    TESSERA_ABUSE_LIMITS: 'disabled',
    TESSERA_LOG_LEVEL: 'info',
  }, /listening on http:\/\/[^:]+:(\d+)/);
  const key: string = JSON.parse(fs.readFileSync(path.join(dataDir, 'default-api-key.json'), 'utf8')).secret;
  const close = async () => {
    await stop(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await fresh.drop();
  };
  return { server, fresh, key, dataDir, base: `http://127.0.0.1:${server.port}/v1`, close };
}

/** Peak RSS with many users, on a server of its own so that the other scenarios do not count. */
async function memoryAtScale(): Promise<MemoryFigures> {
  const t = await startTessera();
  try {
    const pid = t.server.proc.pid!;
    return await measureMemory({ base: t.base, databaseUrl: t.fresh.url, apiKey: t.key, seconds: MEMORY_SECONDS, peakRssMb: () => peakRssMb(pid) });
  } finally {
    await t.close();
  }
}

const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS || 10);

function printMemory(m: MemoryFigures): [string, boolean] {
  const rps = (r: autocannon.Result) => Math.round(r.requests.total / MEMORY_SECONDS);
  const peak = Math.max(m.afterListByEmail, m.afterSessionChecks);
  console.log(
    `\nmemory at ${m.users.toLocaleString('en')} users (seeded in ${m.seedSeconds.toFixed(1)} s): peak RSS ${m.afterListByEmail.toFixed(1)} MB after list-by-email` +
      ` (${rps(m.listByEmail)} req/s, ${m.listByEmail.non2xx + m.listByEmail.errors} errors), ${m.afterSessionChecks.toFixed(1)} MB after session checks` +
      ` over every session (${rps(m.sessionChecks)} req/s, ${m.sessionChecks.non2xx + m.sessionChecks.errors} errors)`,
  );
  return [`peak RSS at ${m.users.toLocaleString('en')} users ${peak.toFixed(0)} MB (target < 200 MB)`, peak < 200];
}

async function main() {
  // BENCH_ONLY=memory: just the memory figure at scale.
  if (process.env.BENCH_ONLY === 'memory') {
    const [text, ok] = printMemory(await memoryAtScale());
    console.log(`\n${ok ? 'PASS' : 'FAIL'}  ${text}`);
    return;
  }
  const t = await startTessera();
  const { server, base, key, dataDir } = t;
  serverPid = server.proc.pid!;

  // Seed: one user with a password and a session for the validation scenario.
  const password = 'correct horse battery';
  await api(base, key, 'POST', '/users', { userId: 'bench', email: 'bench@example.com', password });
  const session = await api(base, key, 'POST', '/users/bench/sessions');
  // Logins rotate over many users, as real traffic does (one user logging in 16 times at once
  // would mostly measure that user's row lock and its session-limit trimming).
  const LOGIN_USERS = 64;
  await Promise.all(
    Array.from({ length: LOGIN_USERS }, (_, i) => api(base, key, 'POST', '/users', { userId: `login${i}`, email: `login${i}@example.com`, password })),
  );
  const accountBody = JSON.stringify(await (await fetch(base + '/account', { headers: { 'x-appwrite-project': 'default', 'x-appwrite-session': session.secret } })).json());

  const bare = await startProcess([path.join(root, 'bench/bare-server.mjs')], { BODY_SIZE: String(accountBody.length) }, /LISTENING (\d+)/);
  const rows: Record<string, Measured> = {};
  const pid = server.proc.pid!;

  // The ceiling gets the very same request (headers included) as the session check. Both are
  // warmed first, so both are measured with their code JIT-compiled.
  const sessionHeaders = { 'x-appwrite-project': 'default', 'x-appwrite-session': session.secret };
  const bareOpts = { url: `http://127.0.0.1:${bare.port}/v1/account`, headers: sessionHeaders };
  const accountOpts = { url: `${base}/account`, headers: sessionHeaders };
  // The same request authenticated by an account JWT (for the same session), in either header.
  const { jwt } = await api(base, key, 'POST', '/users/bench/jwts', { sessionId: session.$id, duration: 3600 });
  const jwtOpts = { url: `${base}/account`, headers: { 'x-appwrite-project': 'default', 'x-appwrite-jwt': jwt } };
  const bearerOpts = { url: `${base}/account`, headers: { 'x-appwrite-project': 'default', authorization: `Bearer ${jwt}` } };
  await load(bareOpts, 2);
  await load(accountOpts, 2);
  await load(jwtOpts, 2);
  await load(bearerOpts, 2);
  [rows['bare node:http (ceiling)'], rows['session validation GET /v1/account'], rows['JWT validation (X-Appwrite-JWT)'], rows['JWT validation (Bearer)']] = await alternate(
    () => load(bareOpts, ROUND_SECONDS),
    () => load(accountOpts, ROUND_SECONDS, pid),
    () => load(jwtOpts, ROUND_SECONDS, pid),
    () => load(bearerOpts, ROUND_SECONDS, pid),
  );
  await stop(bare);

  let n = 0;
  const loginOpts: autocannon.Options = {
    url: `${base}/account/sessions/email`,
    method: 'POST',
    headers: { 'x-appwrite-project': 'default', 'content-type': 'application/json' },
    connections: 16,
    // Fixed requests, one per user, cycled by every connection: autocannon builds their bytes once,
    // so the load generator (on the same two cores) takes less CPU from the server than with a
    // request rebuilt each time.
    requests: Array.from({ length: LOGIN_USERS }, (_, i) => ({ body: JSON.stringify({ email: `login${i}@example.com`, password }) })),
  };
  // The login reference: a framework-free node:http login doing the same database work, with its
  // own SQLite file and the same 64 users, measured in the same rounds.
  const bareLogin = await startProcess([path.join(root, 'bench/bare-login.mjs')], { DATA_DIR: dataDir, USERS: String(LOGIN_USERS), PASSWORD: password, ARGON2_OPTIONS: JSON.stringify(ARGON2_OPTIONS) }, /LISTENING (\d+)/);
  const bareLoginOpts: autocannon.Options = { ...loginOpts, url: `http://127.0.0.1:${bareLogin.port}/v1/account/sessions/email` };
  await load(bareLoginOpts, 2);
  await load(loginOpts, 2);
  [rows['argon2id verify loop (ceiling)'], rows['email/password login'], rows['bare node:http login (reference)']] = await alternate(
    () => argonLoop('verify', ROUND_SECONDS),
    () => load(loginOpts, ROUND_SECONDS, pid),
    () => load(bareLoginOpts, ROUND_SECONDS, bareLogin.proc.pid!),
  );
  await stop(bareLogin);

  const signupOpts: autocannon.Options = {
    url: `${base}/account`,
    method: 'POST',
    headers: { 'x-appwrite-project': 'default', 'content-type': 'application/json' },
    connections: 16,
    requests: [
      {
        setupRequest: (req: any) => {
          n++;
          return { ...req, body: JSON.stringify({ userId: `u${n}x${process.pid}`, email: `u${n}x${process.pid}@example.com`, password }) };
        },
      },
    ],
  };
  [rows['argon2id hash loop (ceiling)'], rows['sign-up POST /v1/account']] = await alternate(
    () => argonLoop('hash', ROUND_SECONDS),
    () => load(signupOpts, ROUND_SECONDS, pid),
  );

  const tokens = await load({
    url: base,
    connections: 20,
    requests: [
      {
        method: 'POST',
        path: '/v1/users/bench/tokens',
        headers: { 'x-appwrite-project': 'default', 'x-appwrite-key': key, 'content-type': 'application/json' },
        body: '{}',
        onResponse: (_status: number, body: string, context: any) => {
          context.secret = JSON.parse(body).secret;
        },
      },
      {
        method: 'POST',
        path: '/v1/account/sessions/token',
        headers: { 'x-appwrite-project': 'default', 'x-appwrite-key': key, 'content-type': 'application/json' },
        setupRequest: (req: any, context: any) => ({ ...req, body: JSON.stringify({ userId: 'bench', secret: context.secret }) }),
      },
    ],
  }, DURATION, pid);
  rows['token create + exchange (pairs)'] = { ...tokens, reqPerSec: tokens.reqPerSec / 2 };

  const rss = peakRssMb(server.proc.pid!);
  await t.close();
  const memory = await memoryAtScale();

  console.log(`\nTessera bench — ${t.fresh.url.split(':')[0]}, ${DURATION}s per scenario (${ROUNDS} rounds alternating with its ceiling), ${os.cpus().length} cores, node ${process.version}\n`);
  console.log('scenario'.padEnd(40) + 'req/s'.padStart(10) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'errors'.padStart(8));
  for (const [name, r] of Object.entries(rows)) {
    const f = (v: number | undefined) => (v === undefined ? '' : String(Math.round(v * 10) / 10));
    console.log(name.padEnd(40) + f(r.reqPerSec).padStart(10) + f(r.p50).padStart(9) + f(r.p99).padStart(9) + f(r.errors).padStart(8));
  }
  console.log(`\nserver peak RSS: ${rss.toFixed(1)} MB`);
  const memoryCheck = printMemory(memory);

  // Where the CPU of one login / sign-up goes, next to the bare loop's CPU per hash: on a machine
  // whose cores are all busy, the login rate is at most the ceiling times loop / (sum of these).
  const f = (v: number) => v.toFixed(2);
  for (const [what, loop, row] of [
    ['login', 'argon2id verify loop (ceiling)', 'email/password login'],
    ['login on the bare reference', 'argon2id verify loop (ceiling)', 'bare node:http login (reference)'],
    ['sign-up', 'argon2id hash loop (ceiling)', 'sign-up POST /v1/account'],
  ] as const) {
    const c = rows[row].cpu!;
    const bareMs = rows[loop].cpu!.others;
    console.log(
      `CPU ms per ${what}: server hashing and other threads ${f(c.others)}, server main thread ${f(c.main)}, load generator ${f(c.client)}` +
        ` (bare loop: ${f(bareMs)} per hash; bound ${((bareMs / (c.others + c.main + c.client)) * 100).toFixed(0)}%)`,
    );
  }

  const bareRps = rows['bare node:http (ceiling)'].reqPerSec;
  const sv = rows['session validation GET /v1/account'];
  const login = rows['email/password login'].reqPerSec / rows['argon2id verify loop (ceiling)'].reqPerSec;
  const signup = rows['sign-up POST /v1/account'].reqPerSec / rows['argon2id hash loop (ceiling)'].reqPerSec;
  const checks: [string, boolean][] = [
    [`session validation ${((sv.reqPerSec / bareRps) * 100).toFixed(0)}% of bare (target >= 50%)`, sv.reqPerSec >= bareRps * 0.5],
    [`session validation p99 ${sv.p99} ms (target < 25 ms)`, sv.p99! < 25],
    ...(['JWT validation (X-Appwrite-JWT)', 'JWT validation (Bearer)'] as const).flatMap((name): [string, boolean][] => {
      const r = rows[name];
      return [
        [`${name} ${((r.reqPerSec / bareRps) * 100).toFixed(0)}% of bare (target >= 50%)`, r.reqPerSec >= bareRps * 0.5],
        [`${name} p99 ${r.p99} ms (target < 25 ms)`, r.p99! < 25],
      ];
    }),
    [`login ${(login * 100).toFixed(0)}% of argon2id verify loop (target >= 90%)`, login >= 0.9],
    [`sign-up ${(signup * 100).toFixed(0)}% of argon2id hash loop (target >= 80%)`, signup >= 0.8],
    [`peak RSS ${rss.toFixed(0)} MB (target < 200 MB)`, rss < 200],
    memoryCheck,
  ];
  const reference = rows['bare node:http login (reference)'].reqPerSec / rows['argon2id verify loop (ceiling)'].reqPerSec;
  console.log(
    `\nlogin reference: a framework-free node:http login reached ${(reference * 100).toFixed(0)}% of the verify loop in this run;` +
      ` Tessera's login ran at ${((login / reference) * 100).toFixed(0)}% of it`,
  );
  console.log('');
  for (const [text, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  const errors = Object.values(rows).reduce((s, r) => s + (r.errors ?? 0), 0);
  if (errors) console.log(`\nnote: ${errors} non-2xx or failed requests during the run`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
