// The login reference: the least an HTTP login can do in Node, with no framework and no checks.
// node:http reads a JSON body, looks the user up by email in SQLite (WAL, as Tessera opens it),
// verifies the password with @node-rs/argon2 (Tessera's parameters), inserts a session and trims
// the user's sessions to 10 in one transaction, and answers 201 with two cookies and a JSON body.
// It tells how much of the argon2id loop's rate any Node login server can keep on this machine.
import http from 'node:http';
import crypto from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { hash, verify } from '@node-rs/argon2';

const require = createRequire(import.meta.url);
const Database = Number(process.versions.node.split('.')[0]) >= 22 ? require('better-sqlite3-napi') : require('better-sqlite3');

const users = Number(process.env.USERS || 64);
const password = process.env.PASSWORD || 'correct horse battery';
const db = new Database(path.join(process.env.DATA_DIR || '.', 'bare-login.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  create table users (id text primary key, email text not null unique, password text not null, status integer not null);
  create table sessions (seq integer primary key autoincrement, id text not null, user_id text not null,
    secret_hash text not null unique, ip text not null, user_agent text not null, expire integer not null, created_at integer not null);
  create index sessions_user on sessions (user_id, seq);
`);
// Tessera's own parameters (src/passwords/passwords.ts), handed over by bench/run.ts.
const argon2Options = JSON.parse(process.env.ARGON2_OPTIONS ?? 'null');
if (!argon2Options) throw new Error('ARGON2_OPTIONS (JSON) is not set: run this through npm run bench');
const stored = await hash(password, argon2Options);
const addUser = db.prepare('insert into users values (?, ?, ?, 1)');
for (let i = 0; i < users; i++) addUser.run(`login${i}`, `login${i}@example.com`, stored);

const byEmail = db.prepare('select * from users where email = ?');
const addSession = db.prepare(
  'insert into sessions (id, user_id, secret_hash, ip, user_agent, expire, created_at) values (?, ?, ?, ?, ?, ?, ?) returning *',
);
const trim = db.prepare('delete from sessions where seq in (select seq from sessions where user_id = ? order by seq desc limit -1 offset 10)');
const issue = db.transaction((user, hashHex, ip, agent, now) => {
  const session = addSession.get(crypto.randomUUID(), user.id, hashHex, ip, agent, now + 31_536_000_000, now);
  trim.run(user.id);
  return session;
});

async function login(req, res, body) {
  let input;
  try {
    input = JSON.parse(body);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const user = byEmail.get(String(input.email));
  if (!user || !(await verify(user.password, String(input.password)))) {
    res.writeHead(401).end();
    return;
  }
  const secret = crypto.randomBytes(64).toString('hex');
  const now = Date.now();
  const s = issue(user, crypto.hash('sha256', secret), req.socket.remoteAddress ?? '', req.headers['user-agent'] ?? '', now);
  const expires = new Date(s.expire).toUTCString();
  const out = JSON.stringify({ $id: s.id, $createdAt: new Date(s.created_at).toISOString(), userId: s.user_id, expire: new Date(s.expire).toISOString(), provider: 'email', ip: s.ip, current: true, secret: '' });
  res.writeHead(201, {
    'content-type': 'application/json',
    'set-cookie': [`a_session_default=${secret}; expires=${expires}; path=/; httponly`, `a_session_default_legacy=${secret}; expires=${expires}; path=/; httponly`],
  });
  res.end(out);
}

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => login(req, res, body));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
