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

const DURATION = Number(process.env.BENCH_SECONDS || 10);
const root = path.resolve(import.meta.dirname, '..');

interface Started {
  proc: ChildProcess;
  port: number;
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

async function stop(p: Started) {
  p.proc.kill('SIGTERM');
  await once(p.proc, 'exit');
}

let serverPid = 0;

async function run(opts: autocannon.Options, warmup = false) {
  // A short unmeasured run first, so both servers are measured with their code JIT-compiled.
  if (warmup) await autocannon({ duration: 2, connections: 50, ...opts });
  const result = await autocannon({ duration: DURATION, connections: 50, ...opts });
  if (process.env.BENCH_TRACE_RSS && serverPid) console.error(`  after ${String(opts.url)}: peak RSS ${peakRssMb(serverPid).toFixed(1)} MB`);
  const errors = result.errors + result.non2xx;
  return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors, total: result.requests.total };
}

function argonLoop(mode: 'verify' | 'hash'): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(root, 'bench/argon2-loop.mjs'), String(DURATION), '4', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out).perSecond) : reject(new Error('argon2 loop failed'))));
  });
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

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
  // BENCH_BACKEND=postgres runs the same scenarios on a fresh PostgreSQL database.
  const fresh = await freshDatabaseUrl(process.env.BENCH_BACKEND === 'postgres' ? 'postgres' : 'sqlite');
  const server = await startProcess(['dist/main.js'], {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_DATABASE_URL: fresh.url,
    TESSERA_PORT: '0',
    TESSERA_HOST: '127.0.0.1',
    TESSERA_ABUSE_LIMITS: 'disabled',
    TESSERA_LOG_LEVEL: 'info',
  }, /listening on http:\/\/[^:]+:(\d+)/);
  const base = `http://127.0.0.1:${server.port}/v1`;
  serverPid = server.proc.pid!;
  const key = JSON.parse(fs.readFileSync(path.join(dataDir, 'default-api-key.json'), 'utf8')).secret;

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
  const rows: Record<string, any> = {};

  // The ceiling gets the very same request (headers included) as the session check.
  const sessionHeaders = { 'x-appwrite-project': 'default', 'x-appwrite-session': session.secret };
  rows['bare node:http (ceiling)'] = await run({ url: `http://127.0.0.1:${bare.port}/v1/account`, headers: sessionHeaders }, true);
  await stop(bare);

  rows['session validation GET /v1/account'] = await run({
    url: `${base}/account`,
    headers: sessionHeaders,
  }, true);

  let n = 0;
  rows['argon2id verify loop (ceiling)'] = { reqPerSec: await argonLoop('verify') };
  rows['email/password login'] = await run({
    url: `${base}/account/sessions/email`,
    method: 'POST',
    headers: { 'x-appwrite-project': 'default', 'content-type': 'application/json' },
    connections: 16,
    requests: [
      {
        setupRequest: (req: any) => {
          n++;
          return { ...req, body: JSON.stringify({ email: `login${n % LOGIN_USERS}@example.com`, password }) };
        },
      },
    ],
  });

  rows['argon2id hash loop (ceiling)'] = { reqPerSec: await argonLoop('hash') };
  rows['sign-up POST /v1/account'] = await run({
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
  });

  rows['token create + exchange (pairs)'] = await run({
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
  });
  rows['token create + exchange (pairs)'].reqPerSec /= 2;

  const rss = peakRssMb(server.proc.pid!);
  await stop(server);
  fs.rmSync(dataDir, { recursive: true, force: true });
  await fresh.drop();

  console.log(`\nTessera bench — ${fresh.url.split(':')[0]}, ${DURATION}s per scenario, ${os.cpus().length} cores, node ${process.version}\n`);
  console.log('scenario'.padEnd(40) + 'req/s'.padStart(10) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'errors'.padStart(8));
  for (const [name, r] of Object.entries(rows)) {
    const f = (v: number | undefined) => (v === undefined ? '' : String(Math.round(v * 10) / 10));
    console.log(name.padEnd(40) + f(r.reqPerSec).padStart(10) + f(r.p50).padStart(9) + f(r.p99).padStart(9) + f(r.errors).padStart(8));
  }
  console.log(`\nserver peak RSS: ${rss.toFixed(1)} MB`);

  const bareRps = rows['bare node:http (ceiling)'].reqPerSec;
  const sv = rows['session validation GET /v1/account'];
  const login = rows['email/password login'].reqPerSec / rows['argon2id verify loop (ceiling)'].reqPerSec;
  const signup = rows['sign-up POST /v1/account'].reqPerSec / rows['argon2id hash loop (ceiling)'].reqPerSec;
  const checks: [string, boolean][] = [
    [`session validation ${((sv.reqPerSec / bareRps) * 100).toFixed(0)}% of bare (target >= 50%)`, sv.reqPerSec >= bareRps * 0.5],
    [`session validation p99 ${sv.p99} ms (target < 25 ms)`, sv.p99 < 25],
    [`login ${(login * 100).toFixed(0)}% of argon2id verify loop (target >= 90%)`, login >= 0.9],
    [`sign-up ${(signup * 100).toFixed(0)}% of argon2id hash loop (target >= 80%)`, signup >= 0.8],
    [`peak RSS ${rss.toFixed(0)} MB (target < 200 MB)`, rss < 200],
  ];
  console.log('');
  for (const [text, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  const errors = Object.values(rows).reduce((s, r) => s + (r.errors ?? 0), 0);
  if (errors) console.log(`\nnote: ${errors} non-2xx or failed requests during the run`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
